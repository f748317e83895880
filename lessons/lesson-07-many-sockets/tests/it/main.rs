//! Lesson 07's integration tests: one binary, a module per area.

mod cli;
mod common;
mod lanes;
mod reliability;
mod transcript;
