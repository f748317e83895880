//! The reliable queue: a consumer process SIGKILLed mid-task loses its
//! message with `BRPOP`; with `BLMOVE` and the reaper another consumer
//! processes it, and every message is processed at least once.

use std::path::Path;
use std::time::Duration;

use lesson_09_redis::Pace;
use lesson_09_redis::reliable::{Queue, Reaper, Reliable, Take, ack, take};
use shared::{Trace, Transcript};

use crate::common::{BIN, connection, key, redis};

fn reliable(url: &str, test: &str, take: Take, kill_one: bool) -> Reliable {
    Reliable {
        url: url.to_owned(),
        queue: Queue::named(&key(test)),
        messages: 6,
        consumers: 3,
        take,
        pace: Pace::analyse_only(Duration::from_millis(200)),
        visibility: Duration::from_millis(400),
        kill_one,
        patience: Duration::from_secs(30),
    }
}

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn a_killed_brpop_consumer_loses_its_message() {
    let server = redis();
    let run = reliable(server.url(), "kill-brpop", Take::Brpop, true);
    let out = Transcript::quiet();
    let outcome = lesson_09_redis::reliable::run(
        Path::new(BIN),
        &run,
        &out,
        &Trace::new(),
    )
    .unwrap();
    let (pid, message) = outcome.killed.clone().expect("a consumer was killed");
    assert_eq!(
        outcome.lost,
        std::slice::from_ref(&message),
        "{:?}",
        out.lines()
    );
    assert_eq!(outcome.processed, 5);
    assert!(outcome.rescued_by.is_empty());
    assert!(
        out.lines()
            .contains(&format!("[worker {pid}] took {message}"))
    );
}

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn a_killed_blmove_consumer_s_message_is_processed_by_another() {
    let server = redis();
    let run = reliable(server.url(), "kill-blmove", Take::Blmove, true);
    let out = Transcript::quiet();
    let outcome = lesson_09_redis::reliable::run(
        Path::new(BIN),
        &run,
        &out,
        &Trace::new(),
    )
    .unwrap();
    let (pid, _) = outcome.killed.clone().expect("a consumer was killed");
    assert_eq!(outcome.lost, Vec::<String>::new(), "{:?}", out.lines());
    assert_eq!(outcome.processed, 6);
    assert!(outcome.requeued >= 1);
    assert!(!outcome.rescued_by.is_empty());
    assert!(!outcome.rescued_by.contains(&pid));
    // Nothing is left taken but unacknowledged.
    let taken: usize = redis::cmd("LLEN")
        .arg(&run.queue.processing)
        .query(&mut connection(server.url()))
        .unwrap();
    assert_eq!(taken, 0);
}

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn the_reaper_returns_only_what_was_not_acknowledged() {
    let server = redis();
    let queue = Queue::named(&key("reaper"));
    let mut redis = connection(server.url());
    let _: () = redis::cmd("LPUSH")
        .arg(&queue.source)
        .arg(&["a", "b"])
        .query(&mut redis)
        .unwrap();
    let idle = Duration::from_secs(1);
    let a = take(&mut redis, &queue, idle).unwrap().unwrap();
    let b = take(&mut redis, &queue, idle).unwrap().unwrap();
    assert_eq!((a.as_str(), b.as_str()), ("a", "b"));
    let mut reaper = Reaper::new(Duration::ZERO);
    // `a` is acknowledged before the reaper acts; `b` is not.
    ack(&mut redis, &queue, &a).unwrap();
    assert_eq!(reaper.sweep(&mut redis, &queue).unwrap(), ["b"]);
    let source: Vec<String> = redis::cmd("LRANGE")
        .arg(&queue.source)
        .arg(0)
        .arg(-1)
        .query(&mut redis)
        .unwrap();
    assert_eq!(source, ["b"]);
    // And `b` is next to be taken.
    assert_eq!(take(&mut redis, &queue, idle).unwrap().unwrap(), "b");
}

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn with_no_kill_every_message_is_processed_once() {
    let server = redis();
    let mut run = reliable(server.url(), "no-kill", Take::Blmove, false);
    // Far longer than any analysis: a slow consumer is not a dead one.
    run.visibility = Duration::from_secs(5);
    let outcome = lesson_09_redis::reliable::run(
        Path::new(BIN),
        &run,
        &Transcript::quiet(),
        &Trace::disabled(),
    )
    .unwrap();
    assert_eq!((outcome.processed, outcome.duplicates), (6, 0));
    assert!(outcome.lost.is_empty() && outcome.killed.is_none());
}
