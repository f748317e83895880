//! Lesson 02's integration tests, in one binary: the printed transcript,
//! the binary's flags and errors, the greenlet's rules, the recorded
//! trace, where a panic goes, and the hand-written switch.

mod cli;
mod common;
mod greenlet;
mod output;
mod panic;
mod timeline;
mod transcript;

// The hand-written switch exists on x86_64 Linux only.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod bare;
