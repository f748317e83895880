//! Lesson 03: the course's two gevent programs, on whichever runtime.
//!
//! The course's gevent demo spawns `foo`, `bar` and `func3`, which print,
//! `gevent.sleep` 2 s, 1 s and 0 s, and print again, and joins them: six
//! lines ([`GEVENT_TRANSCRIPT`]). Its second program times `task(pid)`,
//! half a second of `gevent.sleep`, run one after another by
//! `synchronous()` and spawned and joined by `asynchronous()`. This file
//! holds what the runtimes share for both, and one entry point per
//! program that checks its input once and hands it to the runtime:
//! [`gevent_demo`] and [`tasks_demo`].
//!
//! What they cost: nothing but their sleeps. The six lines take the
//! course's 3 s times [`Scale`]; the `tasks` demo sleeps `count - 1`
//! delays one after another, then about one delay for all of them.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use shared::{Trace, Transcript};

use crate::{Runtime, hub, on_may, on_tokio};

/// What the course's gevent demo prints, in order: every runtime must
/// print exactly this with one thread (the same lines as
/// `shared::course::GEVENT_FOO_BAR`, which the tests compare with).
pub const GEVENT_TRANSCRIPT: [&str; 6] = [
    "Running in foo",
    "Explicit context to bar",
    "running func3",
    "running func3 again",
    "Implicit context switch back to bar",
    "Explicit context switch to foo again",
];

/// How much the gevent demo's sleeps are multiplied by: 0.001 to 100,
/// checked once, when it is made (`--scale` builds one with
/// [`FromStr`]). [`Scale::ONE`] is the course's 2 s and 1 s.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Scale(f64);

impl Scale {
    /// The course's own sleeps.
    pub const ONE: Scale = Scale(1.0);
    /// The smallest scale: the demo's 3 s in 3 ms.
    pub const MIN: f64 = 0.001;
    /// The largest scale: the demo's 3 s in 5 minutes.
    pub const MAX: f64 = 100.0;

    /// `factor` as a scale, or why it is not one.
    pub fn new(factor: f64) -> Result<Scale, String> {
        if (Scale::MIN..=Scale::MAX).contains(&factor) {
            Ok(Scale(factor))
        } else {
            Err(format!("must be between {} and {}", Scale::MIN, Scale::MAX))
        }
    }

    /// The factor.
    pub fn get(self) -> f64 {
        self.0
    }

    /// `seconds` of the course's program, scaled.
    pub fn seconds(self, seconds: f64) -> Duration {
        Duration::from_secs_f64(seconds * self.0)
    }
}

impl FromStr for Scale {
    type Err = String;

    fn from_str(text: &str) -> Result<Scale, String> {
        let factor: f64 =
            text.parse().map_err(|_| "not a number".to_owned())?;
        Scale::new(factor)
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How the `tasks` demo runs: the course's `task(pid)` sleeping `delay`,
/// first one after another (`synchronous()`), then spawned and joined
/// (`asynchronous()`).
#[derive(Clone, Debug, PartialEq)]
pub struct TasksConfig {
    /// The course's 10. Faithful to the course's quirk, the synchronous
    /// loop runs `range(1, count)` (tasks 1 to count-1, so 9 by default)
    /// and the asynchronous one spawns `range(count)` (tasks 0 to
    /// count-1).
    pub count: u32,
    /// How long each task sleeps: the course's 0.5 s.
    pub delay: Duration,
    /// OS threads the runtime may use: 1 is gevent's shape (may: one
    /// worker; tokio: the current-thread runtime). The hub only has 1.
    pub workers: usize,
    /// The pitfall: task 0 calls `std::thread::sleep` instead of the
    /// runtime's sleep, which stalls every task on its thread.
    pub blocking: bool,
    /// tokio's fix for the pitfall: run the blocking call on the blocking
    /// pool with `spawn_blocking`. Only the tokio runtime has it.
    pub spawn_blocking: bool,
}

impl Default for TasksConfig {
    fn default() -> Self {
        TasksConfig {
            count: 10,
            delay: Duration::from_millis(500),
            workers: 1,
            blocking: false,
            spawn_blocking: false,
        }
    }
}

/// The most tasks of a `tasks` run, and the longest sleep of one.
pub const MAX_TASKS: u32 = 100_000;
/// The longest sleep of one task of a `tasks` run.
pub const MAX_DELAY: Duration = Duration::from_secs(60);

impl TasksConfig {
    /// Refuses a configuration no runtime runs: a count or a delay out
    /// of range, or a synchronous half that would sleep longer than
    /// [`MAX_ASLEEP`].
    fn check(&self) -> shared::Result<()> {
        if !(1..=MAX_TASKS).contains(&self.count) {
            return Err(format!(
                "count must be 1 to {MAX_TASKS}, not {}",
                self.count
            )
            .into());
        }
        if self.delay > MAX_DELAY {
            return Err(format!(
                "delay must be at most {} s, not {:?}",
                MAX_DELAY.as_secs(),
                self.delay
            )
            .into());
        }
        let sync_tasks = self.count.saturating_sub(1) as usize;
        check_asleep("the synchronous loop", sync_tasks, self.delay)
    }
}

/// What the `tasks` demo measured.
#[derive(Clone, Debug, PartialEq)]
pub struct TasksReport {
    /// Tasks the synchronous loop ran (`count - 1`: the course's quirk).
    pub sync_tasks: u32,
    /// Wall time of the synchronous loop.
    pub sync_total: Duration,
    /// Tasks spawned and joined (`count`).
    pub async_tasks: u32,
    /// Wall time of spawn + joinall.
    pub async_total: Duration,
}

impl TasksReport {
    /// How many times faster the asynchronous run was.
    pub fn speedup(&self) -> f64 {
        self.sync_total.as_secs_f64() / self.async_total.as_secs_f64()
    }
}

/// The longest a run of `tasks` or `spawn` may spend asleep: ten minutes.
/// Each flag has its own range, but their product does not: 100,000 tasks
/// of 60 s one after another would sleep for 69 days.
pub const MAX_ASLEEP: Duration = Duration::from_secs(600);

/// Refuses a run that would sleep `times` × `each` in all, past
/// [`MAX_ASLEEP`], naming `what` sleeps.
pub(crate) fn check_asleep(
    what: &str,
    times: usize,
    each: Duration,
) -> shared::Result<()> {
    let times32 = u32::try_from(times).unwrap_or(u32::MAX);
    let asleep = each.saturating_mul(times32);
    if asleep <= MAX_ASLEEP {
        return Ok(());
    }
    Err(format!(
        "{what} would sleep {times} × {} ms = {} s, more than {} s: ask for \
         fewer tasks or a shorter sleep",
        each.as_millis(),
        asleep.as_secs(),
        MAX_ASLEEP.as_secs()
    )
    .into())
}

/// The course's `joinall([spawn(foo), spawn(bar), spawn(func3)])` on
/// `runtime`: prints [`GEVENT_TRANSCRIPT`] through `out`, with the
/// course's sleeps of 2 s and 1 s multiplied by `scale`.
pub fn gevent_demo(
    runtime: Runtime,
    scale: Scale,
    workers: usize,
    out: &Transcript,
    trace: &Trace,
) -> shared::Result<()> {
    match runtime {
        Runtime::Hub => hub::gevent_demo(scale, workers, out, trace),
        Runtime::May => on_may::gevent_demo(scale, workers, out, trace),
        Runtime::Tokio => on_tokio::gevent_demo(scale, workers, out, trace),
    }
}

/// The course's sync-versus-async `task(pid)` demo on `runtime`. Each
/// runtime refuses, with the same check, a configuration out of range
/// and a synchronous half that would sleep longer than [`MAX_ASLEEP`].
pub fn tasks_demo(
    runtime: Runtime,
    config: &TasksConfig,
    out: &Transcript,
    trace: &Trace,
) -> shared::Result<TasksReport> {
    match runtime {
        Runtime::Hub => hub::tasks_demo(config, out, trace),
        Runtime::May => on_may::tasks_demo(config, out, trace),
        Runtime::Tokio => on_tokio::tasks_demo(config, out, trace),
    }
}

/// What each runtime's `tasks_demo` checks before it prints anything:
/// the workers for `runtime`, then the configuration.
pub(crate) fn check_tasks(
    runtime: Runtime,
    config: &TasksConfig,
) -> shared::Result<()> {
    runtime.check_workers(config.workers)?;
    config.check()
}
