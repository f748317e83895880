//! Lesson 03: a task that panics on purpose, to show where its panic goes.
//!
//! In gevent, an exception in a greenlet does not unwind into the code
//! that spawned it: the greenlet dies, keeps the exception, and
//! `joinall` (or `.get()`) hands it to whoever joins. Every runtime of
//! the lesson does the same with a panic: it is caught at the task's
//! edge and comes back from `joinall` as [`TaskError::Panicked`], with
//! the task's name.
//!
//! The binary's hidden `--panic-in NAME` flag calls [`arm`]: the task
//! called `NAME` (`foo`, `task 3`) then panics as it starts, on whichever
//! runtime runs it, and the run ends with one `error:` line naming it.
//! The panic is raised with [`std::panic::resume_unwind`], which skips
//! the panic hook, so the only report is the one that reached the
//! parent.
//!
//! [`TaskError::Panicked`]: crate::TaskError::Panicked

use std::sync::OnceLock;

/// The name of the task that panics, once armed.
static CHOSEN: OnceLock<String> = OnceLock::new();

/// Makes the task called `name` panic as it starts, for the rest of the
/// process. Arming twice keeps the first name.
pub fn arm(name: impl Into<String>) {
    let _ = CHOSEN.set(name.into());
}

/// Whether some task is to panic: one load, so that an unarmed run only
/// pays for this check, not for building task names.
pub(crate) fn armed() -> bool {
    CHOSEN.get().is_some()
}

/// Panics if `task` is the armed task: called first thing on the task's
/// own stack (or in its future), so the panic starts inside the task.
pub(crate) fn strike(task: &str) {
    if CHOSEN.get().is_some_and(|chosen| chosen == task) {
        std::panic::resume_unwind(Box::new(format!(
            "a panic on purpose (--panic-in {task})"
        )));
    }
}
