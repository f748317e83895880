//! Lesson 06's integration tests, in one binary (one link on two cores):
//! a module per area.

mod cli;
mod echo;
mod fds;
mod limits;
mod runtime;
mod transcript;
