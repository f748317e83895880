//! The failure demos: a killed worker's task redelivered (with acks) or
//! lost (auto-ack); what a broker restart keeps; fair dispatch.

use std::path::Path;

use lesson_10_rabbitmq::fair;
use lesson_10_rabbitmq::redelivery::{self, Fate};
use shared::{State, Trace, Transcript};

use crate::common::{BIN, broker, prefix, runtime, stdout_of};

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn a_killed_workers_task_is_redelivered_with_acks_and_lost_without() {
    let server = broker();
    let out = Transcript::quiet();
    let lane = Trace::disabled().lane("demo");
    let prefix = prefix("redelivery");
    let fates = runtime()
        .block_on(redelivery::both(
            Path::new(BIN),
            server.url(),
            &prefix,
            &out,
            &lane,
        ))
        .unwrap();
    assert_eq!(fates, [Fate::Redelivered, Fate::Lost]);
    assert_eq!(out.text(), include_str!("../../output/demo-redelivery.txt"));
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn only_persistent_messages_in_a_durable_queue_survive_a_restart() {
    // demo-durable starts (and restarts) a broker of its own, whatever
    // AMQP_URL says.
    let output = std::process::Command::new(BIN)
        .arg("demo-durable")
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    assert_eq!(
        stdout_of(&output),
        include_str!("../../output/demo-durable.txt")
    );
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn prefetch_one_gives_the_fast_worker_more() {
    let server = broker();
    let queue = format!("{}fair_queue", prefix("fair"));
    let trace = Trace::new();
    let out = Transcript::quiet();
    let lane = trace.lane("demo");
    let [unlimited, one] = runtime()
        .block_on(fair::both(server.url(), &queue, &trace, &out, &lane))
        .unwrap();
    // Unlimited: dealt out in turn, half each, whatever their speed.
    assert_eq!((unlimited.fast, unlimited.slow), (10, 10));
    // Prefetch 1: the next message goes to whoever acked, so the fast
    // worker takes more.
    assert_eq!(one.fast + one.slow, fair::MESSAGES);
    assert!(one.fast > one.slow, "{one:?}");
    // Each worker held one message at a time in the prefetch-1 run: its
    // spans never overlap.
    let snap = trace.snapshot();
    for name in ["prefetch 1: fast", "prefetch 1: slow"] {
        let spans: Vec<_> = snap
            .spans_on(name)
            .filter(|e| e.state() == Some(State::Running))
            .collect();
        assert_eq!(snap.peak_overlap(spans), 1, "{name}");
    }
}
