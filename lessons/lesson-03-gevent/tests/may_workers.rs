//! may configured with TWO worker threads. A test binary of its own, and
//! not a module of `tests/it`: may's worker count is global and fixed
//! when its scheduler starts, once per process, and `tests/it` runs may
//! on one worker, gevent's shape (`it/may_one_worker.rs`).
//!
//! With two workers the schedule is no longer one sequence: tests check
//! what must still hold (each task's own lines in order, every line
//! printed) and what the second worker buys (a blocked worker no longer
//! stalls everyone). They take `SERIAL` so a blocking test does not take
//! a worker from another test.

#[path = "it/common.rs"]
mod common;

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use lesson_03_gevent::{TaskError, TasksConfig, on_may};
use shared::{State, Trace, Transcript};

const WORKERS: usize = 2;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    on_may::start(WORKERS).unwrap();
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

fn five_tasks() -> TasksConfig {
    common::five_tasks(WORKERS)
}

#[test]
fn two_workers_print_the_same_lines_each_task_in_its_order() {
    let _serial = serial();
    let (out, trace) = (Transcript::quiet(), Trace::new());
    on_may::gevent_demo(common::scale(0.01), WORKERS, &out, &trace).unwrap();
    common::check_six_lines_per_task(&out.lines());
}

#[test]
fn async_sleeps_overlap_on_two_workers_too() {
    let _serial = serial();
    let (out, trace) = (Transcript::quiet(), Trace::new());
    let report = on_may::tasks_demo(&five_tasks(), &out, &trace).unwrap();
    common::check_five_tasks(&out.lines(), &trace.snapshot(), &report, false);
}

#[test]
fn a_second_worker_runs_tasks_while_one_is_blocked() {
    let _serial = serial();
    let (out, trace) = (Transcript::quiet(), Trace::new());
    let config = TasksConfig {
        blocking: true,
        ..five_tasks()
    };
    on_may::tasks_demo(&config, &out, &trace).unwrap();
    let snap = trace.snapshot();
    let blocked: Vec<_> = snap.spans_in(State::Blocked).collect();
    assert_eq!(blocked.len(), 1);
    assert_eq!(snap.lane_name(blocked[0].lane), "task 0");
    // The fix for the pitfall: while task 0 holds one worker, the other
    // runs (at least) task 1, which may queued on it, so some sleeps
    // overlap the blocking call.
    let overlapping = snap
        .spans_in(State::Waiting)
        .filter(|s| s.overlaps(blocked[0]))
        .count();
    assert!(overlapping >= 1, "no task ran beside the blocked one");
}

#[test]
fn ten_thousand_tasks_on_two_workers_all_return_their_results() {
    let _serial = serial();
    let spawner = on_may::Spawner::new(WORKERS).unwrap();
    let results = spawner.spawn_join(10_000, Duration::ZERO).unwrap();
    let expected: Vec<Result<u64, TaskError>> = (0..10_000).map(Ok).collect();
    assert_eq!(results, expected);
}

#[test]
fn a_panic_on_one_worker_leaves_the_other_tasks_alone() {
    let _serial = serial();
    let tasks: Vec<_> = (0..6u32)
        .map(|pid| {
            // SAFETY: may's caveats, checked for this body: no
            // thread-local storage, a tiny stack, no blocking call.
            unsafe {
                on_may::spawn(format!("task {pid}"), move || {
                    on_may::sleep(Duration::from_millis(2));
                    assert!(pid != 3, "task {pid} dropped the tray");
                    pid
                })
            }
        })
        .collect();
    let results = on_may::joinall(tasks);
    for (pid, result) in results.into_iter().enumerate() {
        match result {
            Ok(value) => assert_eq!(value as usize, pid),
            Err(TaskError::Panicked { task, message }) => {
                assert_eq!((pid, task.as_str()), (3, "task 3"));
                assert_eq!(message, "task 3 dropped the tray");
            }
            Err(other) => panic!("{other}"),
        }
    }
}

#[test]
fn one_worker_cannot_be_asked_for_after_two() {
    let _serial = serial();
    let error = on_may::start(1).unwrap_err().to_string();
    assert!(error.contains("already runs 2 worker"), "{error}");
    let (out, trace) = (Transcript::quiet(), Trace::new());
    assert!(on_may::gevent_demo(common::scale(0.01), 1, &out, &trace).is_err());
}
