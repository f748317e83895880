//! The seed's gevent programs on tokio: the current-thread runtime
//! (gevent's shape: one thread runs every task and the timers) and the
//! multi-thread one. Each demo builds its own runtime, so unlike may the
//! worker count can change from test to test.

use std::collections::BTreeSet;
use std::time::Duration;

use lesson_03_gevent::{
    GEVENT_TRANSCRIPT, TaskError, TasksConfig, on_tokio, task_name,
};
use shared::{Event, Snapshot, State, Trace, Transcript};

fn five_tasks(workers: usize) -> TasksConfig {
    TasksConfig {
        count: 5,
        delay: Duration::from_millis(20),
        workers,
        ..TasksConfig::default()
    }
}

/// The `waiting` spans of the sync and of the async run, told apart by
/// the `Asynchronous:` line.
fn sleeps(snap: &Snapshot) -> (Vec<&Event>, Vec<&Event>) {
    let split = snap
        .marks()
        .find(|m| m.label == "Asynchronous:")
        .expect("the demo prints Asynchronous:")
        .start;
    snap.spans_in(State::Waiting).partition(|e| e.start < split)
}

/// Runs the tasks demo with task 0 blocking and returns the trace.
fn blocking_run(workers: usize, spawn_blocking: bool) -> Snapshot {
    let (out, trace) = (Transcript::quiet(), Trace::new());
    let config = TasksConfig {
        blocking: true,
        spawn_blocking,
        ..five_tasks(workers)
    };
    on_tokio::tasks_demo(&config, &out, &trace).unwrap();
    assert_eq!(out.lines().len(), 11);
    trace.snapshot()
}

/// How many other tasks' sleeps overlap task 0's one blocking call.
fn sleeps_beside_the_blocked_call(snap: &Snapshot) -> usize {
    let blocked: Vec<_> = snap.spans_in(State::Blocked).collect();
    assert_eq!(blocked.len(), 1);
    assert_eq!(snap.lane_name(blocked[0].lane), "task 0");
    assert_eq!(blocked[0].label, "thread::sleep");
    let (_, asynchronous) = sleeps(snap);
    assert_eq!(asynchronous.len(), 4);
    asynchronous
        .iter()
        .filter(|s| s.overlaps(blocked[0]))
        .count()
}

#[test]
fn current_thread_prints_exactly_what_gevent_prints() {
    let (out, trace) = (Transcript::quiet(), Trace::new());
    // 0.05, not less: func3 must be back from its yield before bar's
    // timer (50 ms) fires, even on a loaded machine.
    on_tokio::gevent_demo(0.05, 1, &out, &trace).unwrap();
    assert_eq!(out.lines(), GEVENT_TRANSCRIPT);
    let snap = trace.snapshot();
    for lane in ["foo", "bar", "func3"] {
        let spans: Vec<_> = snap.spans_on(lane).collect();
        assert_eq!(spans.len(), 1, "{lane}");
        assert_eq!(spans[0].state(), Some(State::Waiting));
    }
}

#[test]
fn multi_thread_prints_the_same_lines_each_task_in_its_order() {
    let (out, trace) = (Transcript::quiet(), Trace::new());
    on_tokio::gevent_demo(0.01, 2, &out, &trace).unwrap();
    let lines = out.lines();
    let printed: BTreeSet<_> = lines.iter().map(String::as_str).collect();
    assert_eq!(printed, BTreeSet::from(GEVENT_TRANSCRIPT));
    assert_eq!(lines.len(), 6);
    let at = |line: &str| lines.iter().position(|l| l == line).unwrap();
    for (first, second) in [(0, 5), (1, 4), (2, 3)] {
        assert!(
            at(GEVENT_TRANSCRIPT[first]) < at(GEVENT_TRANSCRIPT[second]),
            "{lines:?}"
        );
    }
}

#[test]
fn async_sleeps_overlap_and_sync_ones_do_not() {
    for workers in [1, 2] {
        let (out, trace) = (Transcript::quiet(), Trace::new());
        let report =
            on_tokio::tasks_demo(&five_tasks(workers), &out, &trace).unwrap();
        assert_eq!((report.sync_tasks, report.async_tasks), (4, 5));
        let lines = out.lines();
        assert_eq!(
            lines[..6],
            [
                "Synchronous:",
                "Task 1 done",
                "Task 2 done",
                "Task 3 done",
                "Task 4 done",
                "Asynchronous:"
            ]
        );
        let done: BTreeSet<_> = lines[6..].iter().cloned().collect();
        let expected: BTreeSet<_> =
            (0..5).map(|p| format!("Task {p} done")).collect();
        assert_eq!((lines.len(), done), (11, expected));

        let snap = trace.snapshot();
        let (sync, asynchronous) = sleeps(&snap);
        assert_eq!((sync.len(), asynchronous.len()), (4, 5));
        assert_eq!(snap.peak_overlap(sync), 1, "{workers} workers");
        assert_eq!(snap.peak_overlap(asynchronous), 5, "{workers} workers");
    }
}

#[test]
fn a_blocking_sleep_stalls_the_current_thread_runtime() {
    let snap = blocking_run(1, false);
    assert_eq!(sleeps_beside_the_blocked_call(&snap), 0);
}

#[test]
fn spawn_blocking_frees_the_thread_for_the_others() {
    let snap = blocking_run(1, true);
    assert!(sleeps_beside_the_blocked_call(&snap) >= 1);
}

#[test]
fn a_second_worker_runs_tasks_while_one_is_blocked() {
    let snap = blocking_run(2, false);
    assert!(sleeps_beside_the_blocked_call(&snap) >= 1);
}

#[test]
fn ten_thousand_tasks_all_return_their_results() {
    let expected: Vec<Result<u64, TaskError>> = (0..10_000).map(Ok).collect();
    for workers in [1, 2] {
        let spawner = on_tokio::Spawner::new(workers).unwrap();
        let results = spawner.spawn_join(10_000, Duration::ZERO).unwrap();
        assert_eq!(results, expected, "{workers} workers");
        let sleepy = spawner
            .spawn_join(10_000, Duration::from_millis(1))
            .unwrap();
        assert_eq!(sleepy, expected, "{workers} workers, sleeping");
    }
}

#[test]
fn a_panicking_task_is_reported_and_the_others_finish() {
    for workers in [1, 2] {
        let runtime = on_tokio::runtime(workers).unwrap();
        let results = runtime.block_on(async {
            let tasks = vec![
                on_tokio::spawn(task_name(0), async {
                    on_tokio::sleep(Duration::from_millis(5)).await;
                    0
                }),
                on_tokio::spawn(task_name(1), async {
                    on_tokio::sleep(Duration::ZERO).await;
                    panic!("task 1 broke its baozi")
                }),
                on_tokio::spawn(task_name(2), async {
                    on_tokio::sleep(Duration::from_millis(5)).await;
                    2
                }),
            ];
            on_tokio::joinall(tasks).await
        });
        assert_eq!(
            results,
            [
                Ok(0),
                Err(TaskError::Panicked {
                    task: "task 1".into(),
                    message: "task 1 broke its baozi".into(),
                }),
                Ok(2),
            ]
        );
    }
}

#[test]
fn bad_configurations_are_clear_errors() {
    let (out, trace) = (Transcript::quiet(), Trace::new());
    let cases = [
        (
            TasksConfig {
                count: 0,
                ..five_tasks(1)
            },
            "count",
        ),
        (
            TasksConfig {
                count: 100_001,
                ..five_tasks(1)
            },
            "count",
        ),
        (
            TasksConfig {
                delay: Duration::from_secs(61),
                ..five_tasks(1)
            },
            "delay",
        ),
        (five_tasks(0), "workers"),
        (five_tasks(65), "workers"),
    ];
    for (config, word) in cases {
        let error = on_tokio::tasks_demo(&config, &out, &trace).unwrap_err();
        assert!(error.to_string().contains(word), "{word}: {error}");
    }
    assert!(on_tokio::gevent_demo(-1.0, 1, &out, &trace).is_err());
    assert!(on_tokio::gevent_demo(0.01, 0, &out, &trace).is_err());
    assert!(on_tokio::Spawner::new(0).is_err());
    assert!(out.lines().is_empty(), "nothing printed before the checks");
}
