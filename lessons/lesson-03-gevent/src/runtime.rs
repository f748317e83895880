//! Lesson 03: the three runtimes the course's gevent programs run on, and
//! what a task can end with instead of its value.
//!
//! gevent has one runtime, its hub. The lesson has three, chosen with
//! `--runtime`: [`Runtime::Hub`] (gevent's design on lesson 02's
//! greenlets), [`Runtime::May`] (stackful coroutines on a scheduler of
//! worker threads) and [`Runtime::Tokio`] (stackless futures). Each runs
//! the same two programs and reports a task's panic the same way, as a
//! [`TaskError`] from its `joinall`: gevent's greenlet keeps its exception
//! for whoever joins it, and so do these.

use std::fmt;

use clap::ValueEnum;

/// Which runtime runs the demos: `--runtime hub|may|tokio`. The list of
/// them is clap's [`ValueEnum::value_variants`], in the order the lesson
/// introduces them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ValueEnum)]
pub enum Runtime {
    /// Our hub: one OS thread, lesson 02's greenlets, a ready queue and a
    /// timer heap (gevent's design).
    Hub,
    /// `may`: stackful coroutines on may's own work-stealing scheduler.
    May,
    /// tokio: stackless tasks (futures) on a current-thread or a
    /// multi-thread runtime.
    Tokio,
}

/// The most OS threads a runtime is given (`--workers`).
pub const MAX_WORKERS: usize = 64;

impl Runtime {
    /// Refuses what this runtime cannot do before it starts: the hub is
    /// one OS thread, as gevent's is; may and tokio take 1 to
    /// [`MAX_WORKERS`].
    pub fn check_workers(self, workers: usize) -> shared::Result<()> {
        if self == Runtime::Hub && workers != 1 {
            return Err("the hub is one OS thread, like gevent's; use \
                        --runtime may or tokio for more workers"
                .into());
        }
        if !(1..=MAX_WORKERS).contains(&workers) {
            return Err(format!(
                "workers must be 1 to {MAX_WORKERS}, not {workers}"
            )
            .into());
        }
        Ok(())
    }
}

/// The name used on the command line (`hub`), as clap knows it.
impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_value_name(self, f)
    }
}

/// Writes a [`ValueEnum`] variant's command-line name.
pub(crate) fn write_value_name(
    value: &impl ValueEnum,
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    match value.to_possible_value() {
        Some(name) => f.write_str(name.get_name()),
        None => f.write_str("?"),
    }
}

/// What a spawned task can end with instead of its value, as `joinall`
/// reports it: the same for every runtime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskError {
    /// The task panicked; its message. The other tasks carry on.
    Panicked {
        /// The task's name (`task 3`, `foo`).
        task: String,
        /// The panic's message.
        message: String,
    },
    /// The runtime could not finish the task: nothing was left that could
    /// ever wake it (gevent's `LoopExit`), or the runtime shut down.
    Unfinished {
        /// The task's name.
        task: String,
        /// Why.
        reason: String,
    },
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Panicked { task, message } => {
                write!(f, "{task} panicked: {message}")
            }
            TaskError::Unfinished { task, reason } => {
                write!(f, "{task} did not finish: {reason}")
            }
        }
    }
}

impl std::error::Error for TaskError {}

/// The name of task `pid`'s lane on the timeline and in errors.
pub fn task_name(pid: u32) -> String {
    format!("task {pid}")
}
