//! The hub: the course's transcript, what the trace shows about overlapping
//! and blocked sleeps, ten thousand tasks, panics, ordering by deadline,
//! teardown, and the stacks' mappings.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use lesson_03_gevent::hub::{self, Builder, Spawner, Task};
use lesson_03_gevent::{TaskError, TasksConfig};
use shared::{State, Trace, Transcript};

use crate::common;

#[test]
fn gevent_demo_prints_the_six_lines_in_order() {
    let (out, trace) = (Transcript::quiet(), Trace::new());
    hub::gevent_demo(common::scale(0.01), 1, &out, &trace).unwrap();
    let snap = trace.snapshot();
    common::check_six_lines_in_order(&out.lines(), &snap);
    // foo's and bar's sleeps were waited out together.
    let (foo, bar) =
        (&snap.spans_on("foo").next(), &snap.spans_on("bar").next());
    assert!(foo.unwrap().overlaps(bar.unwrap()));
}

#[test]
fn the_hub_has_exactly_one_worker() {
    let (out, trace) = (Transcript::quiet(), Trace::new());
    let error =
        hub::gevent_demo(common::scale(0.01), 2, &out, &trace).unwrap_err();
    assert!(error.to_string().contains("one OS thread"), "{error}");
    let config = TasksConfig {
        workers: 4,
        ..small_tasks()
    };
    assert!(hub::tasks_demo(&config, &out, &trace).is_err());
    assert!(Spawner::new(2).is_err());
    let config = TasksConfig {
        spawn_blocking: true,
        ..small_tasks()
    };
    let error = hub::tasks_demo(&config, &out, &trace).unwrap_err();
    assert!(error.to_string().contains("tokio"), "{error}");
}

fn small_tasks() -> TasksConfig {
    common::five_tasks(1)
}

#[test]
fn tasks_demo_overlaps_async_sleeps_and_not_sync_ones() {
    let (out, trace) = (Transcript::quiet(), Trace::new());
    let report = hub::tasks_demo(&small_tasks(), &out, &trace).unwrap();
    common::check_five_tasks(&out.lines(), &trace.snapshot(), &report, true);
}

#[test]
fn a_blocking_sleep_stalls_every_other_task() {
    let config = TasksConfig {
        blocking: true,
        ..small_tasks()
    };
    let (out, trace) = (Transcript::quiet(), Trace::new());
    hub::tasks_demo(&config, &out, &trace).unwrap();
    let snap = trace.snapshot();
    let blocked: Vec<_> = snap.spans_in(State::Blocked).collect();
    assert_eq!(blocked.len(), 1);
    assert_eq!(snap.lane_name(blocked[0].lane), "task 0");
    assert_eq!(blocked[0].label, "thread::sleep");
    // While task 0 held the thread, nobody else even started to wait.
    let (_, asynchronous) = common::sleeps_by_phase(&snap);
    assert_eq!(asynchronous.len(), 4);
    for wait in &asynchronous {
        assert!(!wait.overlaps(blocked[0]), "{wait:?} ran during the block");
    }
    // After it, the other four waited together.
    assert_eq!(snap.peak_overlap(asynchronous), 4);
}

#[test]
fn ten_thousand_tasks_all_finish_with_their_results() {
    let spawner = Spawner::new(1).unwrap();
    let results = spawner.spawn_join(10_000, Duration::ZERO).unwrap();
    let expected: Vec<Result<u64, TaskError>> = (0..10_000).map(Ok).collect();
    assert_eq!(results, expected);
}

#[test]
fn all_tasks_are_alive_at_once() {
    // Each task yields once: none finishes before the last has started.
    let (alive, peak) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
    hub::run(|| {
        let tasks: Vec<Task<()>> = (0..2_000)
            .map(|_| {
                let (alive, peak) = (alive.clone(), peak.clone());
                hub::spawn(move || {
                    alive.set(alive.get() + 1);
                    peak.set(peak.get().max(alive.get()));
                    hub::sleep(Duration::ZERO);
                    alive.set(alive.get() - 1);
                })
            })
            .collect();
        hub::joinall(&tasks);
    });
    assert_eq!(peak.get(), 2_000);
}

#[test]
fn a_panicking_task_is_reported_and_the_others_finish() {
    let results = hub::run(|| {
        let tasks = [
            hub::spawn(|| {
                hub::sleep(Duration::ZERO);
                1
            }),
            hub::spawn(|| -> i32 { panic!("boom") }),
            hub::spawn(|| {
                hub::sleep(Duration::from_millis(1));
                3
            }),
        ];
        hub::joinall(&tasks)
    });
    assert_eq!(
        results,
        [
            Ok(1),
            Err(TaskError::Panicked {
                task: "task 1".into(),
                message: "boom".into()
            }),
            Ok(3)
        ]
    );
}

#[test]
fn sleepers_wake_in_deadline_order() {
    let woke = Rc::new(RefCell::new(Vec::new()));
    hub::run(|| {
        let tasks: Vec<Task<()>> = [30, 10, 20, 0]
            .into_iter()
            .map(|ms| {
                let woke = woke.clone();
                hub::spawn(move || {
                    hub::sleep(Duration::from_millis(ms));
                    woke.borrow_mut().push(ms);
                })
            })
            .collect();
        hub::joinall(&tasks);
    });
    assert_eq!(*woke.borrow(), [0, 10, 20, 30]);
}

#[test]
fn joinall_reports_loop_exit_as_unfinished() {
    let results = hub::run(|| {
        let cell: Rc<RefCell<Option<Task<()>>>> = Rc::default();
        let inside = cell.clone();
        let waiter = Builder::new().name("waiter").spawn(move || {
            // Waits for a task that waits for it: a deadlock.
            hub::sleep(Duration::ZERO);
            let other = inside.borrow_mut().take().unwrap();
            hub::joinall(&[other]);
        });
        let waiter = Rc::new(waiter);
        let w = waiter.clone();
        let other = Builder::new().name("other").spawn(move || {
            hub::joinall(std::slice::from_ref(&*w));
        });
        *cell.borrow_mut() = Some(other);
        hub::joinall(std::slice::from_ref(&*waiter))
    });
    assert_eq!(
        results,
        [Err(TaskError::Unfinished {
            task: "waiter".into(),
            reason: "nothing left could wake it (gevent's LoopExit)".into()
        })]
    );
}

/// Counts its drop.
struct Flag(Rc<Cell<bool>>);

impl Drop for Flag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

#[test]
fn run_kills_unfinished_tasks_and_their_destructors_run() {
    let dropped = Rc::new(Cell::new(false));
    let inside = dropped.clone();
    hub::run(move || {
        let _sleeper = hub::spawn(move || {
            let _flag = Flag(inside);
            hub::sleep(Duration::from_secs(3600));
        });
        hub::sleep(Duration::ZERO); // it starts, and sleeps for an hour
    });
    assert!(dropped.get(), "its stack was unwound");
}

/// A destructor that waits on the hub: `sleep(0)`, then joins a task.
struct WaitOnDrop {
    other: Option<Task<()>>,
    joined: Rc<RefCell<Vec<Result<(), TaskError>>>>,
}

impl Drop for WaitOnDrop {
    fn drop(&mut self) {
        hub::sleep(Duration::ZERO);
        let other = self.other.take().expect("dropped once");
        *self.joined.borrow_mut() = hub::joinall(&[other]);
    }
}

#[test]
fn a_destructor_run_by_the_teardown_cannot_restart_the_hub() {
    let trace = Trace::new();
    let hub_lane = trace.lane("hub");
    let config = hub::Config {
        trace: Some(hub_lane),
        ..hub::Config::default()
    };
    let joined = Rc::new(RefCell::new(Vec::new()));
    let (inside, clock) = (joined.clone(), trace.clone());
    let closed_at = hub::run_with(config, move || {
        // Short sleeps, so that if the teardown did restart the hub, this
        // test would fail (an `idle` mark) rather than hang.
        let nap = Duration::from_millis(100);
        let other = hub::spawn(move || hub::sleep(nap));
        let _waiter = hub::spawn(move || {
            let _wait = WaitOnDrop {
                other: Some(other),
                joined: inside,
            };
            hub::sleep(nap);
        });
        // Both start and sleep; we are next in the same round, before the
        // hub looks at any timer, so both are still asleep when we return.
        hub::sleep(Duration::ZERO);
        clock.now()
    });
    // The join in the destructor gave up at once ...
    assert_eq!(joined.borrow().len(), 1);
    assert!(matches!(
        joined.borrow()[0],
        Err(TaskError::Unfinished { .. })
    ));
    // ... and the hub never went idle again to wait for a dead task's
    // timer: it did not run at all after `run`'s closure returned.
    let snap = trace.snapshot();
    let late: Vec<_> = snap.marks().filter(|m| m.start > closed_at).collect();
    assert!(late.is_empty(), "the hub ran during teardown: {late:?}");
}

#[test]
#[should_panic(expected = "hub::spawn called outside hub::run")]
fn spawn_outside_run_says_so() {
    hub::spawn(|| ());
}

#[test]
fn main_sleeps_on_the_hub_too() {
    let order = Rc::new(RefCell::new(Vec::new()));
    hub::run(|| {
        let o = order.clone();
        let task = hub::spawn(move || o.borrow_mut().push("task"));
        hub::sleep(Duration::from_millis(1));
        order.borrow_mut().push("main");
        hub::joinall(&[task]);
    });
    assert_eq!(*order.borrow(), ["task", "main"]);
}

/// Lines of `/proc/self/maps`: the process's mappings.
fn mappings() -> usize {
    std::fs::read_to_string("/proc/self/maps")
        .map(|maps| maps.lines().count())
        .unwrap_or(0)
}

#[test]
fn a_thousand_stacks_do_not_cost_two_thousand_mappings() {
    use lesson_02_greenlet::stack::{GuardKind, guard_kind};
    use lesson_02_greenlet::{Greenlet, GreenletStack};
    let _probe = GreenletStack::new(4096).unwrap();
    let before = mappings();
    let greenlets: Vec<Greenlet> = (0..1_000)
        .map(|_| {
            Greenlet::builder()
                .stack_size(16 * 1024)
                .build(|()| ())
                .unwrap()
        })
        .collect();
    let added = mappings().saturating_sub(before);
    drop(greenlets);
    match guard_kind() {
        // Guards in the page tables: the stacks merge into a few mappings
        // (other tests' threads may add a few of their own meanwhile).
        GuardKind::Madvise => assert!(added < 100, "{added} mappings"),
        // An older kernel: two per stack, at most.
        _ => assert!(added <= 2_100, "{added} mappings"),
    }
}

/// The idle-waiter hook: when nothing is ready the hub hands its wait to
/// the waiter, with the next timer's distance as the timeout, and a task
/// parked until the waiter wakes it runs again.
#[test]
fn an_idle_waiter_gets_the_wait_and_can_wake_a_parked_task() {
    let timeouts = Rc::new(RefCell::new(Vec::new()));
    let parked: Rc<RefCell<Option<hub::Waker>>> = Rc::default();
    let order = Rc::new(RefCell::new(Vec::new()));
    hub::run(|| {
        let (seen, to_wake) = (Rc::clone(&timeouts), Rc::clone(&parked));
        hub::set_idle_waiter(Box::new(move |timeout| {
            seen.borrow_mut().push(timeout);
            match to_wake.borrow_mut().take() {
                Some(waker) => {
                    waker.wake();
                    true
                }
                None => false,
            }
        }));
        let (slot, log) = (Rc::clone(&parked), Rc::clone(&order));
        let waiter = hub::spawn(move || {
            *slot.borrow_mut() = Some(hub::Waker::current());
            hub::park();
            log.borrow_mut().push("woken");
        });
        let log = Rc::clone(&order);
        let sleeper = hub::spawn(move || {
            hub::sleep(Duration::from_millis(20));
            log.borrow_mut().push("slept");
        });
        hub::joinall(&[waiter, sleeper]);
    });
    assert_eq!(*order.borrow(), ["woken", "slept"]);
    let timeouts = timeouts.borrow();
    // The first idle wait had a timer pending: a timeout of at most 20 ms.
    let first = timeouts.first().copied().flatten().expect("a timeout");
    assert!(first <= Duration::from_millis(20), "{timeouts:?}");
}
