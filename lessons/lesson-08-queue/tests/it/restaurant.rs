//! Facts from the recorded trace of real runs, on every queue: each meal
//! eaten once, never more than the capacity held, cooks blocked on a full
//! queue, eaters on an empty one, and `join` after the last `task_done`.

use clap::ValueEnum;
use lesson_08_queue::{Config, QueueKind, run};
use shared::{Snapshot, State};

fn traced(config: Config) -> (Snapshot, Vec<String>) {
    let run = run(&Config {
        trace: true,
        echo: false,
        ..config
    })
    .unwrap();
    (run.trace.snapshot(), run.transcript.lines())
}

/// The meal numbers in marks starting with `prefix`, sorted.
fn numbers(snap: &Snapshot, prefix: &str) -> Vec<u32> {
    let mut numbers: Vec<u32> = snap
        .marks()
        .filter_map(|m| m.label.strip_prefix(prefix))
        .map(|n| n.parse().unwrap())
        .collect();
    numbers.sort_unstable();
    numbers
}

fn spans(snap: &Snapshot, lanes: &[&str], state: State, label: &str) -> usize {
    lanes
        .iter()
        .flat_map(|lane| snap.spans_on(lane))
        .filter(|s| s.state() == Some(state) && s.label == label)
        .count()
}

const COOKS: [&str; 3] = ["Thread-1", "Thread-2", "Thread-3"];
const EATERS: [&str; 2] = ["Thread-4", "Thread-5"];

#[test]
fn every_meal_made_is_eaten_exactly_once_on_every_queue() {
    for &queue in QueueKind::value_variants() {
        let (snap, lines) = traced(Config {
            meals: 40,
            cook_scale: 0.001,
            eat_scale: 0.001,
            queue,
            ..Config::default()
        });
        let all: Vec<u32> = (1..=40).collect();
        assert_eq!(numbers(&snap, "made #"), all, "--queue {queue}");
        assert_eq!(numbers(&snap, "ate #"), all, "--queue {queue}");
        assert_eq!(lines.len(), 80, "--queue {queue}");
    }
}

#[test]
fn the_queue_never_holds_more_than_its_capacity() {
    // std's channel has no count of its own: the pass keeps one beside
    // it, which can run ahead by a send in flight, so it is left out.
    let counted = QueueKind::value_variants()
        .iter()
        .filter(|&&q| q != QueueKind::Std);
    for &queue in counted {
        let (_, lines) = traced(Config {
            meals: 30,
            capacity: 3,
            cook_scale: 0.0,
            eat_scale: 0.002,
            queue,
            ..Config::default()
        });
        // Each printed count was read under the queue's own lock (or
        // from the channel's own count): never above the capacity.
        let counts = lines.iter().map(|l| crate::common::parse(l).qsize);
        assert!(counts.clone().all(|n| n <= 3), "--queue {queue}");
        assert!(counts.max() == Some(3), "--queue {queue}: never full");
    }
}

#[test]
fn with_slow_eaters_cooks_are_seen_blocked_on_a_full_queue() {
    for &queue in QueueKind::value_variants() {
        let (snap, _) = traced(Config {
            meals: 24,
            capacity: 2,
            cook_scale: 0.0,
            eat_scale: 0.003,
            queue,
            ..Config::default()
        });
        // A `full` span starts only when a try-put found the queue full.
        let full = spans(&snap, &COOKS, State::Blocked, "full");
        assert!(full > 0, "--queue {queue}: no cook waited");
        assert_eq!(spans(&snap, &EATERS, State::Blocked, "full"), 0);
    }
}

#[test]
fn with_slow_cooks_eaters_are_seen_waiting_on_an_empty_queue() {
    for &queue in QueueKind::value_variants() {
        let (snap, _) = traced(Config {
            meals: 12,
            cook_scale: 0.004,
            eat_scale: 0.0,
            queue,
            ..Config::default()
        });
        let empty = spans(&snap, &EATERS, State::Waiting, "empty");
        assert!(empty > 0, "--queue {queue}: no eater waited");
        assert_eq!(spans(&snap, &COOKS, State::Waiting, "empty"), 0);
    }
}

#[test]
fn join_returns_only_after_the_last_task_done() {
    for _ in 0..5 {
        let (snap, _) = traced(Config {
            meals: 12,
            cook_scale: 0.0,
            eat_scale: 0.002,
            ..Config::default()
        });
        let join = snap.spans_on("main").find(|s| s.label == "join").unwrap();
        let last_done = snap
            .marks()
            .filter(|m| m.label.starts_with("done #"))
            .map(|m| m.start)
            .max()
            .unwrap();
        assert_eq!(numbers(&snap, "done #").len(), 12);
        assert!(join.end() >= last_done, "join ended before the last meal");
    }
}

#[test]
fn bad_configs_are_errors_not_panics() {
    for config in [
        Config {
            meals: 0,
            ..Config::default()
        },
        Config {
            cooks: 0,
            ..Config::default()
        },
        Config {
            eaters: 0,
            ..Config::default()
        },
        Config {
            capacity: 0,
            ..Config::default()
        },
        Config {
            eat_scale: -1.0,
            ..Config::default()
        },
    ] {
        assert!(run(&config).is_err(), "{config:?}");
    }
}
