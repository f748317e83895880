//! The recorded trace: a blocking sleep in one greenlet stops everyone.

use clap::ValueEnum;
use lesson_02_greenlet::{BARE_AVAILABLE, Config, Impl, run};
use shared::{Snapshot, State};

/// The course's `time.sleep(1)`, shortened: a real blocking sleep, short
/// enough for a test.
const SLEEP_MS: u64 = 5;

fn traced(implementation: Impl, sleep_ms: u64) -> Snapshot {
    let config = Config {
        implementation,
        sleep_ms,
        trace: true,
        ..Config::default()
    };
    run(&config).unwrap().trace.snapshot()
}

#[test]
fn nothing_else_runs_during_the_sleep() {
    for implementation in Impl::value_variants().iter().copied() {
        if implementation == Impl::Bare && !BARE_AVAILABLE {
            continue;
        }
        let snap = traced(implementation, SLEEP_MS);
        let sleeps: Vec<_> = snap.spans_in(State::Blocked).collect();
        assert_eq!(sleeps.len(), 1, "{implementation:?}");
        let sleep = sleeps[0];
        assert_eq!(snap.lane_name(sleep.lane), "gr1");
        assert_eq!(sleep.label, "time.sleep");
        // No span of another lane overlaps it, and nothing else was
        // printed or marked while it lasted.
        for event in &snap.events {
            if event.lane == sleep.lane {
                continue;
            }
            let lane = snap.lane_name(event.lane);
            assert!(
                !event.overlaps(sleep),
                "{implementation:?}: {lane} {:?} ran during the sleep",
                event.label
            );
            assert!(
                event.start <= sleep.start || event.start >= sleep.end(),
                "{implementation:?}: {lane} {:?} happened during the sleep",
                event.label
            );
        }
        // And the next line, gr2's 56, comes after it.
        let after: Vec<_> = snap
            .marks()
            .filter(|m| m.start >= sleep.end())
            .map(|m| m.label.as_ref())
            .collect();
        assert_eq!(after[..3], ["56", "34", "78"], "{implementation:?}");
    }
}

#[test]
fn the_greenlets_take_turns_and_never_overlap() {
    let snap = traced(Impl::Greenlet, 0);
    let on_cpu: Vec<_> = snap.spans_in(State::Running).collect();
    assert_eq!(snap.peak_overlap(on_cpu.iter().copied()), 1);
    // Who had the CPU, in order: main sets up, then gr1 (12), gr2 (56),
    // gr1 (34), gr2 (78), and gr2's return hands it back to main.
    let order: Vec<_> = on_cpu.iter().map(|s| snap.lane_name(s.lane)).collect();
    assert_eq!(order, ["main", "gr1", "gr2", "gr1", "gr2"]);
    // Each print is inside a stretch on its own lane.
    for mark in snap.marks().filter(|m| m.label.len() == 2) {
        assert!(
            on_cpu.iter().any(|s| s.lane == mark.lane
                && s.start <= mark.start
                && mark.start <= s.end()),
            "{} printed off the CPU",
            mark.label
        );
    }
}

#[test]
fn an_untraced_run_records_nothing() {
    let snap = run(&Config::default()).unwrap().trace.snapshot();
    assert!(snap.events.is_empty());
}
