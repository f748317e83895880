//! Lesson 08: the same [`Queue`] and the same naive queues, compiled a
//! second time on shuttle's `Mutex`, `Condvar` and threads.
//!
//! Shuttle runs a test body many times, each time choosing at every lock,
//! wait and notify which thread goes next: at random
//! (`shuttle::check_random`) or with PCT, which gives threads priorities
//! and changes them at a few random points, the way most real races need
//! only one or two unlucky switches (`shuttle::check_pct`). When every
//! thread is blocked it reports a deadlock; when the body panics it prints
//! the schedule that got there, which `shuttle::replay` runs again, step
//! for step.
//!
//! These types work only inside a shuttle run: outside one, their first
//! lock panics. The demo and the benches use the crate's root [`Queue`]
//! (`crate::Queue`), on `std`.

/// The synchronisation types of this module's queues: shuttle's.
mod sync {
    pub(crate) use shuttle::sync::{Condvar, Mutex, MutexGuard};
    pub(crate) use shuttle::thread;
    pub(crate) use std::sync::PoisonError;
}

// The point of this module: the very file the shipped queue is built
// from, compiled a second time against the `sync` above.
#[allow(
    clippy::duplicate_mod,
    reason = "queue.rs is compiled twice on purpose: on std and on shuttle"
)]
#[path = "queue.rs"]
mod queue;

#[path = "naive.rs"]
pub mod naive;

pub use queue::{Empty, Full, Queue, TaskDoneTooOften};
