//! Lesson 08: races and deadlocks found on demand, with shuttle.
//!
//! A race shows up in a plain test once in a thousand runs, or never on
//! your machine and always on CI. Shuttle takes the choice of who runs
//! next away from the OS: the test body runs under its scheduler, on its
//! `Mutex`, `Condvar` and threads ([`crate::checked`]), and every lock,
//! wait and notify is a point where it picks the next thread, at random
//! or by PCT. A run that deadlocks or panics is reported with its
//! *schedule*, a short string that [`replay`] runs again, step for step.
//!
//! Each [`Scenario`] is a small restaurant: a few cooks, a few eaters, a
//! tiny queue. [`Scenario::LostWakeup`] and [`Scenario::Overfill`] use the
//! naive queues and fail; [`Scenario::Queue`] runs the shipped `Queue` in
//! both restaurants and must pass whatever the schedule.
//!
//! **Cost.** A shuttle iteration of these scenarios is tens of
//! microseconds in a release build: thousands of schedules per second,
//! where waiting for the OS to produce the one bad interleaving could
//! take hours.

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::ValueEnum;
use shuttle::scheduler::{PctScheduler, RandomScheduler, ReplayScheduler};
use shuttle::{Config, Runner};

use crate::checked::Queue;
use crate::checked::naive::{OneCondvarQueue, put_if_room};

/// Meals each cook makes (and each eater eats) in the scenarios: enough
/// for the bad interleavings to exist, few enough that one schedule is a
/// few dozen steps.
const MEALS: usize = 2;

/// Which restaurant to run under shuttle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// Two cooks, two eaters, room for one, on `OneCondvarQueue`:
    /// deadlocks.
    LostWakeup,
    /// Two cooks who check `qsize()` before putting on an unbounded
    /// queue, room for one: overfills.
    Overfill,
    /// Both restaurants on the shipped `Queue`: never fails.
    Queue,
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = self.to_possible_value().expect("no variant is hidden");
        f.write_str(value.get_name())
    }
}

// ANCHOR: lost_wakeup
/// Two cooks and two eaters on a [`OneCondvarQueue`] with room for one.
pub fn lost_wakeup() {
    let queue = Arc::new(OneCondvarQueue::new(1));
    let mut threads = Vec::new();
    for cook in 1..=2 {
        let queue = Arc::clone(&queue);
        threads.push(checked_spawn(format!("cook {cook}"), move || {
            for meal in 0..MEALS {
                queue.put(meal);
            }
        }));
    }
    for eater in 1..=2 {
        let queue = Arc::clone(&queue);
        threads.push(checked_spawn(format!("eater {eater}"), move || {
            for _ in 0..MEALS {
                queue.get();
            }
        }));
    }
    for thread in threads {
        thread.join().expect("a cook or an eater panicked");
    }
}
// ANCHOR_END: lost_wakeup

// ANCHOR: overfill
/// Two cooks who put only when `qsize()` says there is room for one, on an
/// unbounded queue, and one eater; the cook checks the count right after
/// its put.
pub fn overfill() {
    let max = 1;
    let queue = Arc::new(Queue::new(0));
    let mut threads = Vec::new();
    for cook in 1..=2 {
        let queue = Arc::clone(&queue);
        threads.push(checked_spawn(format!("cook {cook}"), move || {
            for meal in 0..MEALS {
                put_if_room(&queue, max, meal);
                let held = queue.qsize();
                assert!(
                    held <= max,
                    "overfilled: {held} meals, room for {max}"
                );
            }
        }));
    }
    // ANCHOR_END: overfill
    let eater = Arc::clone(&queue);
    threads.push(checked_spawn("eater 1".to_owned(), move || {
        for _ in 0..2 * MEALS {
            eater.get();
            crate::checked::naive::tell(|| "takes one".to_owned());
        }
    }));
    for thread in threads {
        thread.join().expect("a cook or an eater panicked");
    }
}

/// The same restaurant on the shipped [`Queue`], with room for one, and
/// `task_done` and `join` as the demo uses them: once the cooks are done,
/// `join` must return only after the last meal is marked eaten. Passes
/// under any schedule.
pub fn queue() {
    let max = 1;
    let queue = Arc::new(Queue::new(max));
    let eaten = Arc::new(AtomicUsize::new(0));
    let mut cooks = Vec::new();
    for cook in 1..=2 {
        let queue = Arc::clone(&queue);
        cooks.push(checked_spawn(format!("cook {cook}"), move || {
            for meal in 0..MEALS {
                queue.put(meal);
                let held = queue.qsize();
                assert!(
                    held <= max,
                    "overfilled: {held} meals, room for {max}"
                );
            }
        }));
    }
    let mut eaters = Vec::new();
    for eater in 1..=2 {
        let queue = Arc::clone(&queue);
        let eaten = Arc::clone(&eaten);
        eaters.push(checked_spawn(format!("eater {eater}"), move || {
            for _ in 0..MEALS {
                queue.get();
                eaten.fetch_add(1, Ordering::SeqCst);
                queue.task_done().expect("one task_done per get");
            }
        }));
    }
    for cook in cooks {
        cook.join().expect("a cook panicked");
    }
    queue.join();
    let after_join = eaten.load(Ordering::SeqCst);
    assert_eq!(
        after_join,
        2 * MEALS,
        "join returned before the last task_done"
    );
    for eater in eaters {
        eater.join().expect("an eater panicked");
    }
}

/// A thread under shuttle's scheduler (a real `std::thread` would run
/// outside it, and its first lock would panic).
fn checked_spawn(
    name: String,
    body: impl FnOnce() + Send + 'static,
) -> shuttle::thread::JoinHandle<()> {
    shuttle::thread::Builder::new()
        .name(name)
        .spawn(body)
        .expect("shuttle spawns a thread")
}

impl Scenario {
    /// The body shuttle runs once per schedule.
    pub fn body(self) -> fn() {
        match self {
            Scenario::LostWakeup => lost_wakeup,
            Scenario::Overfill => overfill,
            Scenario::Queue => queue,
        }
    }
}

/// How shuttle picks the next thread at each step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Strategy {
    /// Uniformly at random at every step (`shuttle::check_random`).
    #[default]
    Random,
    /// Probabilistic concurrency testing: random priorities, changed at
    /// 3 random points per run (`shuttle::check_pct`).
    Pct,
}

/// What a hunt found: the failure and the schedule that replays it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// Which schedule, counting from 1, failed.
    pub iteration: usize,
    /// Shuttle's first line: `deadlock! blocked tasks: [...]`, or `test
    /// panicked in task ...` and the assertion's message.
    pub failure: String,
    /// The encoded schedule, for [`replay`].
    pub schedule: String,
}

/// Runs `scenario` under `strategy` for up to `iterations` schedules,
/// the scheduler seeded with `seed` (the same seed finds the same
/// schedule). `None`: every schedule passed.
pub fn hunt(
    scenario: Scenario,
    strategy: Strategy,
    seed: u64,
    iterations: usize,
) -> Option<Found> {
    let tried = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&tried);
    let body = scenario.body();
    let run = move || {
        counter.fetch_add(1, Ordering::SeqCst);
        body();
    };
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| match strategy {
        Strategy::Random => {
            let scheduler = RandomScheduler::new_from_seed(seed, iterations);
            Runner::new(scheduler, Config::new()).run(run);
        }
        Strategy::Pct => {
            let scheduler = PctScheduler::new_from_seed(seed, 3, iterations);
            Runner::new(scheduler, Config::new()).run(run);
        }
    }));
    let payload = outcome.err()?;
    let text = shared::panic_message(payload.as_ref());
    Some(Found {
        iteration: tried.load(Ordering::SeqCst),
        failure: failure_lines(&text),
        schedule: schedule_in(&text).unwrap_or_default(),
    })
}

/// Runs `scenario` once on the given schedule: `Some` with the failure
/// when it fails again, as it does for a schedule [`hunt`] found.
pub fn replay(scenario: Scenario, schedule: &str) -> Option<String> {
    let body = scenario.body();
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        let scheduler = ReplayScheduler::new_from_encoded(schedule);
        Runner::new(scheduler, Config::new()).run(body);
    }));
    let payload = outcome.err()?;
    Some(failure_lines(&shared::panic_message(payload.as_ref())))
}

/// Replays `schedule` on `scenario` while the naive queues record what
/// each thread did: the failure (as [`replay`] returns it) and the
/// steps, one line each, `cook 1: full, waits`. The picture of the
/// interleaving shuttle found.
pub fn story(
    scenario: Scenario,
    schedule: &str,
) -> (Option<String>, Vec<String>) {
    crate::checked::naive::record_story();
    let failure = replay(scenario, schedule);
    (failure, crate::checked::naive::take_story())
}

/// Shuttle's message without the schedule: its first line, and the
/// original panic's message if there was one.
fn failure_lines(text: &str) -> String {
    let first = text.lines().next().unwrap_or_default();
    match text.split_once("original panic: ") {
        Some((_, original)) => format!("{first}: {}", original.trim()),
        None => first.to_owned(),
    }
}

/// The encoded schedule in shuttle's message, which prints it between two
/// lines holding only a quote mark.
fn schedule_in(text: &str) -> Option<String> {
    let (_, rest) = text.split_once("failing schedule:\n\"\n")?;
    let (schedule, _) = rest.split_once("\n\"")?;
    Some(schedule.trim().to_owned())
}
