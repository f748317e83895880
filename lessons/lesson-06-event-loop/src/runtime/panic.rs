//! Lesson 06: what happens when a task panics.
//!
//! A task is polled by the executor, so a panic inside it unwinds into the
//! executor's loop, not into the code that spawned it. Left alone it would
//! unwind out of `block_on` and take every other task with it. The
//! executor catches it instead, drops the task, and hands a [`Panicked`]
//! (the task's name and the panic's message) to the task's
//! [`JoinHandle`](super::JoinHandle): the parent learns which task failed
//! and why when it joins, as with tokio's `JoinError` or gevent's
//! `greenlet.exception`.

use std::any::Any;
use std::cell::Cell;
use std::fmt;

/// A task that panicked: its name and its panic's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Panicked {
    /// The name it was spawned with (`"task"` for [`spawn`](super::spawn)).
    pub task: String,
    /// What it panicked with, if that was a string.
    pub message: String,
}

impl Panicked {
    pub(crate) fn new(task: &str, payload: &(dyn Any + Send)) -> Panicked {
        let message = if let Some(text) = payload.downcast_ref::<&str>() {
            (*text).to_owned()
        } else if let Some(text) = payload.downcast_ref::<String>() {
            text.clone()
        } else {
            "a value that is not a string".to_owned()
        };
        Panicked {
            task: task.to_owned(),
            message,
        }
    }
}

impl fmt::Display for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {} panicked: {}", self.task, self.message)
    }
}

impl std::error::Error for Panicked {}

thread_local! {
    static POLLING_TASK: Cell<bool> = const { Cell::new(false) };
}

/// Whether this thread is polling a spawned task right now: for a panic
/// hook that leaves the report of a task's panic to whoever joins it.
pub fn in_task() -> bool {
    POLLING_TASK.with(Cell::get)
}

/// Marks this thread as polling a task until dropped (also when the poll
/// unwinds).
pub(crate) struct Polling {
    was: bool,
}

impl Polling {
    pub(crate) fn start() -> Polling {
        Polling {
            was: POLLING_TASK.with(|p| p.replace(true)),
        }
    }
}

impl Drop for Polling {
    fn drop(&mut self) {
        POLLING_TASK.with(|p| p.set(self.was));
    }
}
