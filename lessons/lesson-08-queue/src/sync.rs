//! Lesson 08: the synchronisation types the shipped [`crate::Queue`] is
//! built on: the standard library's.
//!
//! `queue.rs` names its `Mutex` and `Condvar` through `super::sync`, never
//! `std::sync` directly. Here they resolve to `std`; in [`crate::checked`]
//! the same file is compiled a second time next to a `sync` that resolves
//! to shuttle's, whose every lock, wait and notify is a point where
//! shuttle's scheduler chooses which thread runs next. So the queue shuttle
//! tests is the queue the demo ships, line for line, and nothing in it
//! pays for the testing.

pub(crate) use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
pub(crate) use std::thread;
