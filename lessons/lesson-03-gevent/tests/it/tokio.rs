//! The course's gevent programs on tokio: the current-thread runtime
//! (gevent's shape: one thread runs every task and the timers) and the
//! multi-thread one. Each demo builds its own runtime, so unlike may the
//! worker count can change from test to test.

use std::time::Duration;

use lesson_03_gevent::{Scale, TaskError, TasksConfig, on_tokio, task_name};
use shared::{Snapshot, State, Trace, Transcript};

use crate::common;

fn five_tasks(workers: usize) -> TasksConfig {
    common::five_tasks(workers)
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
    let (_, asynchronous) = common::sleeps_by_phase(snap);
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
    on_tokio::gevent_demo(common::scale(0.05), 1, &out, &trace).unwrap();
    common::check_six_lines_in_order(&out.lines(), &trace.snapshot());
}

#[test]
fn multi_thread_prints_the_same_lines_each_task_in_its_order() {
    let (out, trace) = (Transcript::quiet(), Trace::new());
    on_tokio::gevent_demo(common::scale(0.01), 2, &out, &trace).unwrap();
    common::check_six_lines_per_task(&out.lines());
}

#[test]
fn async_sleeps_overlap_and_sync_ones_do_not() {
    for workers in [1, 2] {
        let (out, trace) = (Transcript::quiet(), Trace::new());
        let report =
            on_tokio::tasks_demo(&five_tasks(workers), &out, &trace).unwrap();
        let snap = trace.snapshot();
        common::check_five_tasks(&out.lines(), &snap, &report, workers == 1);
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
    assert!(Scale::new(-1.0).is_err(), "a negative scale");
    assert!(
        on_tokio::gevent_demo(common::scale(0.01), 0, &out, &trace).is_err()
    );
    assert!(on_tokio::Spawner::new(0).is_err());
    assert!(out.lines().is_empty(), "nothing printed before the checks");
}
