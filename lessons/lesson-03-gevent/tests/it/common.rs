//! What every runtime's tests check the same way: the `tasks` demo's
//! transcript and trace, and the six gevent lines when several threads
//! may reorder them. Each test module (`hub`, `may_one_worker`, `tokio`,
//! and the `may_workers` binary) runs the demo on its runtime and hands
//! the outcome to these.

#![allow(dead_code, reason = "each test binary uses only some of these")]

use std::collections::BTreeSet;
use std::time::Duration;

use lesson_03_gevent::{Scale, TasksConfig, TasksReport};
use shared::{Event, Snapshot, State};

/// The course's six lines, from the file lesson 06's tests read too.
pub(crate) fn gevent_lines() -> Vec<&'static str> {
    shared::course::lines(shared::course::GEVENT_FOO_BAR)
}

/// `factor` as a [`Scale`], for a factor the test knows is in range.
pub(crate) fn scale(factor: f64) -> Scale {
    Scale::new(factor).unwrap()
}

/// Five tasks of 20 ms on `workers` threads: quick, and long enough that
/// the sleeps are what the trace shows.
pub(crate) fn five_tasks(workers: usize) -> TasksConfig {
    TasksConfig {
        count: 5,
        delay: Duration::from_millis(20),
        workers,
        ..TasksConfig::default()
    }
}

/// The `sleep` spans of the task lanes, split into the synchronous run
/// and the asynchronous one by the moment `Asynchronous:` was printed.
pub(crate) fn sleeps_by_phase(snap: &Snapshot) -> (Vec<&Event>, Vec<&Event>) {
    let split = snap
        .marks()
        .find(|m| m.label == "Asynchronous:")
        .expect("the demo prints Asynchronous:")
        .start;
    snap.spans_in(State::Waiting)
        .filter(|e| e.label == "sleep")
        .filter(|e| snap.lane_name(e.lane).starts_with("task "))
        .partition(|e| e.start < split)
}

/// The `tasks` demo of [`five_tasks`]: the course's lines (the synchronous
/// half in order; the asynchronous half in spawn order when `in_order`,
/// as one thread runs it, else as a set), and in the trace the four
/// synchronous sleeps one after another and the five asynchronous ones
/// all at once.
pub(crate) fn check_five_tasks(
    lines: &[String],
    snap: &Snapshot,
    report: &TasksReport,
    in_order: bool,
) {
    assert_eq!((report.sync_tasks, report.async_tasks), (4, 5));
    let mut expected = vec!["Synchronous:".to_owned()];
    expected.extend((1..5).map(|pid| format!("Task {pid} done")));
    expected.push("Asynchronous:".to_owned());
    assert_eq!(lines[..6], expected[..], "{lines:?}");
    let done: Vec<String> = (0..5).map(|p| format!("Task {p} done")).collect();
    if in_order {
        assert_eq!(lines[6..], done[..], "{lines:?}");
    } else {
        let printed: BTreeSet<_> = lines[6..].iter().collect();
        assert_eq!(printed, done.iter().collect(), "{lines:?}");
    }

    let (sync, asynchronous) = sleeps_by_phase(snap);
    assert_eq!((sync.len(), asynchronous.len()), (4, 5));
    assert_eq!(snap.peak_overlap(sync), 1, "sync sleeps one after another");
    assert_eq!(snap.peak_overlap(asynchronous), 5, "async sleeps at once");
}

/// gevent's six lines from a run on one thread: exactly the transcript,
/// in order, and in the trace each of foo, bar and func3 waited once, as
/// a `Waiting` span on its own lane.
pub(crate) fn check_six_lines_in_order(lines: &[String], snap: &Snapshot) {
    assert_eq!(lines, gevent_lines());
    for lane in ["foo", "bar", "func3"] {
        let sleeps: Vec<_> = snap.spans_on(lane).collect();
        assert_eq!(sleeps.len(), 1, "{lane}");
        assert_eq!(sleeps[0].state(), Some(State::Waiting), "{lane}");
    }
}

/// gevent's six lines from a run on several threads: every line once,
/// and each task's own two lines in its order (foo's first before its
/// last, and so on); the order between tasks is the threads' business.
pub(crate) fn check_six_lines_per_task(lines: &[String]) {
    let printed: BTreeSet<_> = lines.iter().map(String::as_str).collect();
    let expected = gevent_lines();
    assert_eq!(printed, expected.iter().copied().collect());
    assert_eq!(lines.len(), 6);
    let at = |line: &str| lines.iter().position(|l| l == line).unwrap();
    for (first, second) in [(0, 5), (1, 4), (2, 3)] {
        assert!(at(expected[first]) < at(expected[second]), "{lines:?}");
    }
}
