//! Lesson 03's integration tests, one binary: the CLI, each runtime, and
//! a panic in a task reaching its parent. Two kinds of test need a process
//! of their own and are binaries beside this one: `may_workers.rs` (may's
//! worker count is fixed per process, and here it is one) and
//! `memory.rs` (resident memory is measured for the whole process).

mod cli;
mod common;
mod hub;
mod may_one_worker;
mod panics;
mod tokio;
