//! Lesson 06: the course's gevent demo on our runtime.
//!
//! The course's gevent demo spawns `foo` (`gevent.sleep(2)`), `bar`
//! (`gevent.sleep(1)`) and `func3` (`gevent.sleep(0)`), joins them, and
//! prints six lines. Here each is an `async fn` spawned on
//! [`Runtime`](crate::runtime::Runtime): the three sleeps are entries in
//! the timer heap, and the one thread waits for the earliest in
//! `epoll_wait`, so the run takes 2 s, not 3.

use std::fmt;
use std::time::Duration;

use shared::{Lane, Trace, Transcript};

use crate::runtime::{self, JoinHandle};

/// What the demo's sleeps are multiplied by: a number from 0.001 to 100
/// (1: the course's 2 s and 1 s). Checked once, where it is made, so the
/// demo never sees a scale it cannot sleep.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale(f64);

impl Scale {
    /// The course's own timings.
    pub const ONE: Scale = Scale(1.0);

    /// `factor`, if it is between 0.001 and 100.
    pub fn new(factor: f64) -> Result<Scale, String> {
        if (0.001..=100.0).contains(&factor) {
            Ok(Scale(factor))
        } else {
            Err("the scale must be between 0.001 and 100".to_owned())
        }
    }

    /// `--scale`'s parser: a number, in range, or clap's one-line error
    /// (which quotes the text as typed, never a 309-digit expansion).
    pub fn parse(text: &str) -> Result<Scale, String> {
        let factor = text.parse().map_err(|_| "not a number".to_owned())?;
        Scale::new(factor)
    }

    /// `duration`, scaled.
    pub fn of(self, duration: Duration) -> Duration {
        duration.mul_f64(self.0)
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

// ANCHOR: gevent_tasks
/// The course's `foo`: says it runs, sleeps 2 s (scaled), says it is back.
pub async fn foo(out: Transcript, lane: Lane, scale: Scale) {
    out.say(&lane, "Running in foo");
    runtime::sleep(scale.of(Duration::from_secs(2))).await;
    out.say(&lane, "Explicit context switch to foo again");
}

/// The course's `bar`: the same with 1 s.
pub async fn bar(out: Transcript, lane: Lane, scale: Scale) {
    out.say(&lane, "Explicit context to bar");
    runtime::sleep(scale.of(Duration::from_secs(1))).await;
    out.say(&lane, "Implicit context switch back to bar");
}

/// The course's `func3`: `gevent.sleep(0)`, which only gives way once.
pub async fn func3(out: Transcript, lane: Lane) {
    out.say(&lane, "running func3");
    runtime::sleep(Duration::ZERO).await;
    out.say(&lane, "running func3 again");
}

// ANCHOR_END: gevent_tasks

/// `gevent.joinall([gevent.spawn(foo), gevent.spawn(bar),
/// gevent.spawn(func3)])` on our runtime. A task that panics is reported
/// by name, as an error.
pub fn gevent_demo(
    scale: Scale,
    out: &Transcript,
    trace: &Trace,
) -> shared::Result<()> {
    run(scale, out, trace, None)
}

fn run(
    scale: Scale,
    out: &Transcript,
    trace: &Trace,
    panic_in: Option<&str>,
) -> shared::Result<()> {
    // ANCHOR: gevent_join
    let rt = runtime::Runtime::traced(trace.clone())?;
    let (foo_lane, bar_lane, func3_lane) =
        (trace.lane("foo"), trace.lane("bar"), trace.lane("func3"));
    rt.block_on(async {
        let tasks = [
            spawn("foo", foo(out.clone(), foo_lane, scale), panic_in),
            spawn("bar", bar(out.clone(), bar_lane, scale), panic_in),
            spawn("func3", func3(out.clone(), func3_lane), panic_in),
        ];
        // joinall: await each in turn; they all run meanwhile.
        for task in tasks {
            task.join().await?;
        }
        Ok(())
    })
}
// ANCHOR_END: gevent_join

/// `gevent.spawn`: `task` as a task called `name`, which panics where it
/// would have finished if `name` is `panic_in` (the CLI's hidden
/// `--panic-in`, which shows how a task's panic reaches `joinall`).
fn spawn(
    name: &'static str,
    task: impl Future<Output = ()> + 'static,
    panic_in: Option<&str>,
) -> JoinHandle<()> {
    let panics = panic_in == Some(name);
    runtime::spawn_named(name, async move {
        task.await;
        if panics {
            panic!("asked to by --panic-in {name}");
        }
    })
}

/// [`gevent_demo`] with task `panic_in` panicking at its end: how a
/// task's panic reaches the code that joins it. The CLI's hidden
/// `--panic-in` flag.
#[doc(hidden)]
pub fn gevent_demo_panicking(
    scale: Scale,
    out: &Transcript,
    trace: &Trace,
    panic_in: &str,
) -> shared::Result<()> {
    run(scale, out, trace, Some(panic_in))
}
