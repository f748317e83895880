//! may configured with ONE worker thread: gevent's shape. may's worker
//! count is global and fixed when its scheduler starts, so this whole
//! test binary runs may on one worker (nothing else in it starts may);
//! `tests/may_workers.rs`, a binary of its own, has several workers.
//!
//! The tests of this module share that one worker, so each takes
//! `SERIAL` first: a test that blocks the worker on purpose must not stall another
//! test's coroutines (with one worker, it would).

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use lesson_03_gevent::{Scale, TaskError, TasksConfig, on_may, task_name};
use shared::{State, Trace, Transcript};

use crate::common;

static SERIAL: Mutex<()> = Mutex::new(());

/// One test at a time on may's one worker; a failed test does not stop
/// the others.
fn serial() -> MutexGuard<'static, ()> {
    on_may::start(1).unwrap();
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Five tasks of 20 ms, on one worker.
fn five_tasks() -> TasksConfig {
    common::five_tasks(1)
}

#[test]
fn one_worker_prints_exactly_what_gevent_prints() {
    let _serial = serial();
    let (out, trace) = (Transcript::quiet(), Trace::new());
    // 0.05, not less: func3 must be back from its yield before bar's
    // timer (50 ms) fires, even on a loaded machine.
    on_may::gevent_demo(common::scale(0.05), 1, &out, &trace).unwrap();
    common::check_six_lines_in_order(&out.lines(), &trace.snapshot());
    // Each sleep is labelled as such: foo 100 ms, bar 50 ms, func3 a yield.
    let snap = trace.snapshot();
    for lane in ["foo", "bar", "func3"] {
        assert_eq!(snap.spans_on(lane).next().unwrap().label, "sleep");
    }
}

#[test]
fn async_sleeps_overlap_and_sync_ones_do_not() {
    let _serial = serial();
    let (out, trace) = (Transcript::quiet(), Trace::new());
    let report = on_may::tasks_demo(&five_tasks(), &out, &trace).unwrap();
    common::check_five_tasks(&out.lines(), &trace.snapshot(), &report, false);
}

#[test]
fn a_blocking_sleep_stalls_every_task_on_the_one_worker() {
    let _serial = serial();
    let (out, trace) = (Transcript::quiet(), Trace::new());
    let config = TasksConfig {
        blocking: true,
        ..five_tasks()
    };
    on_may::tasks_demo(&config, &out, &trace).unwrap();
    // Task 0 ran first and held the worker: it finished first.
    assert_eq!(out.lines()[6], "Task 0 done");

    let snap = trace.snapshot();
    let blocked: Vec<_> = snap.spans_in(State::Blocked).collect();
    assert_eq!(blocked.len(), 1);
    assert_eq!(snap.lane_name(blocked[0].lane), "task 0");
    assert_eq!(blocked[0].label, "thread::sleep");
    // Nobody else even started waiting while task 0 blocked the worker.
    let (_, asynchronous) = common::sleeps_by_phase(&snap);
    assert_eq!(asynchronous.len(), 4);
    assert!(asynchronous.iter().all(|s| !s.overlaps(blocked[0])));
}

#[test]
fn ten_thousand_tasks_all_return_their_results() {
    let _serial = serial();
    let spawner = on_may::Spawner::new(1).unwrap();
    let results = spawner.spawn_join(10_000, Duration::ZERO).unwrap();
    let expected: Vec<Result<u64, TaskError>> = (0..10_000).map(Ok).collect();
    assert_eq!(results, expected);
    // With a sleep, past the window of live coroutines, too.
    let sleepy = spawner
        .spawn_join(on_may::MAX_LIVE + 10, Duration::from_millis(1))
        .unwrap();
    assert!(sleepy.iter().enumerate().all(|(i, r)| r == &Ok(i as u64)));
}

#[test]
fn a_panicking_task_is_reported_and_the_others_finish() {
    let _serial = serial();
    // SAFETY: may's caveats, checked for these bodies: no thread-local
    // storage, tiny stacks, no blocking call (the sleeps are may's).
    let tasks = unsafe {
        vec![
            on_may::spawn(task_name(0), || {
                on_may::sleep(Duration::from_millis(5));
                0
            }),
            on_may::spawn(task_name(1), || -> u32 {
                on_may::sleep(Duration::ZERO);
                panic!("task 1 broke its baozi")
            }),
            on_may::spawn(task_name(2), || {
                on_may::sleep(Duration::from_millis(5));
                2
            }),
        ]
    };
    let results = on_may::joinall(tasks);
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

#[test]
fn the_worker_count_is_fixed_once_may_has_started() {
    let _serial = serial();
    assert_eq!(on_may::workers(), Some(1));
    assert!(on_may::start(1).is_ok());
    let error = on_may::start(2).unwrap_err().to_string();
    assert!(error.contains("already runs 1 worker"), "{error}");
    assert!(on_may::Spawner::new(2).is_err());
    let config = TasksConfig {
        workers: 2,
        ..five_tasks()
    };
    let (out, trace) = (Transcript::quiet(), Trace::new());
    assert!(on_may::tasks_demo(&config, &out, &trace).is_err());
}

#[test]
fn bad_configurations_are_clear_errors() {
    let _serial = serial();
    let (out, trace) = (Transcript::quiet(), Trace::new());
    let cases = [
        (
            TasksConfig {
                count: 0,
                ..five_tasks()
            },
            "count",
        ),
        (
            TasksConfig {
                count: 100_001,
                ..five_tasks()
            },
            "count",
        ),
        (
            TasksConfig {
                delay: Duration::from_secs(61),
                ..five_tasks()
            },
            "delay",
        ),
        (
            TasksConfig {
                workers: 0,
                ..five_tasks()
            },
            "workers",
        ),
        (
            TasksConfig {
                blocking: true,
                spawn_blocking: true,
                ..five_tasks()
            },
            "spawn_blocking",
        ),
    ];
    for (config, word) in cases {
        let error = on_may::tasks_demo(&config, &out, &trace).unwrap_err();
        assert!(error.to_string().contains(word), "{word}: {error}");
    }
    assert!(Scale::new(-1.0).is_err(), "a negative scale");
    assert!(Scale::new(f64::NAN).is_err(), "not a number");
    assert!(out.lines().is_empty(), "nothing printed before the checks");
}
