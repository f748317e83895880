//! Lesson 11's integration tests: one binary, a module per area.

mod cli;
mod common;
mod fds;
mod refusals;
mod trace;
mod transcript;
mod transfers;
