//! The four consumer models: each processes exactly the messages pushed,
//! and the trace shows how each one spent its time.

use std::time::Duration;

use lesson_09_redis::connect::numbered;
use lesson_09_redis::{Model, consume};
use shared::{Event, Snapshot, State, Trace, Transcript};

use crate::common::{consume_cfg, redis, trickle};

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort_by_key(|s| s.parse::<u64>().unwrap());
    items
}

fn analyses(snap: &Snapshot) -> Vec<&Event> {
    snap.spans_in(State::Blocked)
        .chain(snap.spans_in(State::Waiting))
        .filter(|e| e.label.starts_with("analyse"))
        .collect()
}

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn every_model_processes_exactly_the_messages_pushed() {
    let server = redis();
    for model in Model::ALL {
        let cfg = consume_cfg(server.url(), model.name());
        let trace = Trace::new();
        let report =
            consume(model, &cfg, &trace, &Transcript::quiet()).unwrap();
        assert_eq!(sorted(report.processed), numbered(20), "{model}");
        // And the list is empty: nothing left over, nothing popped twice.
        let left: usize = redis::cmd("LLEN")
            .arg(&cfg.queue)
            .query(&mut crate::common::connection(server.url()))
            .unwrap();
        assert_eq!(left, 0, "{model}");
        assert_eq!(analyses(&trace.snapshot()).len(), 20, "{model}");
    }
}

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn sync_analyses_one_message_at_a_time() {
    let server = redis();
    let cfg = consume_cfg(server.url(), "sync-one");
    let trace = Trace::new();
    consume(Model::Sync, &cfg, &trace, &Transcript::quiet()).unwrap();
    let snap = trace.snapshot();
    assert_eq!(snap.peak_overlap(analyses(&snap)), 1);
}

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn the_pool_runs_four_analyses_at_most_and_calls_back_on_the_worker() {
    let server = redis();
    let cfg = consume_cfg(server.url(), "pool");
    let trace = Trace::new();
    let out = Transcript::quiet();
    consume(Model::Pool, &cfg, &trace, &out).unwrap();
    let snap = trace.snapshot();
    // Four workers, all of them used, never a fifth analysis at once.
    assert_eq!(snap.peak_overlap(analyses(&snap)), 4);
    // The callback prints each result, on the worker that analysed it.
    assert_eq!(sorted(out.lines()), numbered(20));
    for analysis in analyses(&snap) {
        let data = analysis.label.trim_start_matches("analyse ");
        let callback = snap
            .spans_on(snap.lane_name(analysis.lane))
            .find(|e| e.label == format!("callback {data}"))
            .unwrap_or_else(|| panic!("no callback for {data} on its lane"));
        assert!(callback.start >= analysis.end());
    }
}

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn async_batch_prints_the_course_batches() {
    let server = redis();
    let cfg = consume_cfg(server.url(), "batch-print");
    let out = Transcript::quiet();
    consume(Model::AsyncBatch, &cfg, &Trace::disabled(), &out).unwrap();
    assert_eq!(
        out.text(),
        include_str!("../../output/consume-async-batch.txt")
    );
}

/// Heartbeat marks strictly inside a pop span.
fn beats_inside_pops(snap: &Snapshot) -> usize {
    let pops: Vec<&Event> = snap
        .spans_on("main")
        .filter(|e| e.label == "brpop")
        .collect();
    snap.marks()
        .filter(|m| snap.lane_name(m.lane) == "heartbeat")
        .filter(|m| pops.iter().any(|p| p.start < m.start && m.start < p.end()))
        .count()
}

/// The longest pop, in heartbeat periods.
fn longest_pop(snap: &Snapshot) -> Duration {
    snap.spans_on("main")
        .filter(|e| e.label == "brpop")
        .map(|e| e.end() - e.start)
        .max()
        .unwrap()
}

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn async_batch_freezes_the_runtime_during_each_pop() {
    let server = redis();
    let mut cfg = consume_cfg(server.url(), "frozen");
    cfg.fill = false;
    cfg.messages = 10;
    cfg.heartbeat = Duration::from_millis(2);
    let producer = trickle(
        server.url(),
        &cfg.queue,
        numbered(10),
        Duration::from_millis(25),
    );
    let trace = Trace::new();
    let report =
        consume(Model::AsyncBatch, &cfg, &trace, &Transcript::quiet()).unwrap();
    producer.join().unwrap();
    assert_eq!(sorted(report.processed), numbered(10));
    let snap = trace.snapshot();
    // The pops did wait for the producer, many heartbeats long...
    assert!(longest_pop(&snap) > 4 * cfg.heartbeat);
    // ...and not one beat happened while they did.
    assert_eq!(beats_inside_pops(&snap), 0);
}

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn the_fixed_model_keeps_the_runtime_running_during_pops() {
    let server = redis();
    let mut cfg = consume_cfg(server.url(), "running");
    cfg.fill = false;
    cfg.messages = 10;
    cfg.heartbeat = Duration::from_millis(2);
    let producer = trickle(
        server.url(),
        &cfg.queue,
        numbered(10),
        Duration::from_millis(25),
    );
    let trace = Trace::new();
    let report =
        consume(Model::Async, &cfg, &trace, &Transcript::quiet()).unwrap();
    producer.join().unwrap();
    assert_eq!(sorted(report.processed), numbered(10));
    let snap = trace.snapshot();
    assert!(longest_pop(&snap) > 4 * cfg.heartbeat);
    assert!(beats_inside_pops(&snap) > 0);
    // And analyses overlap the pops that follow them: no batch barrier.
    let pops: Vec<&Event> = snap
        .spans_on("main")
        .filter(|e| e.label == "brpop")
        .collect();
    assert!(
        analyses(&snap)
            .iter()
            .any(|a| pops.iter().any(|p| a.overlaps(p)))
    );
}

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn compare_runs_every_model_one_after_the_other_on_one_timeline() {
    let server = redis();
    let mut cfg = consume_cfg(server.url(), "compare");
    cfg.messages = 5;
    let trace = Trace::new();
    let reports =
        lesson_09_redis::consume_all(&cfg, &trace, &Transcript::quiet())
            .unwrap();
    let models: Vec<Model> = reports.iter().map(|r| r.model).collect();
    assert_eq!(models, Model::ALL);
    for report in &reports {
        assert_eq!(sorted(report.processed.clone()), numbered(5));
    }
    // Each model's spans end before the next model's begin.
    let snap = trace.snapshot();
    let spans_of = |prefix: &str| -> Vec<&Event> {
        snap.spans_in(State::Blocked)
            .chain(snap.spans_in(State::Waiting))
            .filter(|e| snap.lane_name(e.lane).starts_with(prefix))
            .collect()
    };
    let order = ["sync:", "pool:", "batch:", "async:"];
    for pair in order.windows(2) {
        let (before, after) = (spans_of(pair[0]), spans_of(pair[1]));
        assert!(!before.is_empty() && !after.is_empty(), "{pair:?}");
        let last = before.iter().map(|e| e.end()).max().unwrap();
        let first = after.iter().map(|e| e.start).min().unwrap();
        assert!(last <= first, "{pair:?} overlap");
    }
}
