//! Lesson 08's integration tests, one binary: the command line, the
//! printed lines, facts from traced runs, and the queue under shuttle.

mod cli;
mod common;
mod restaurant;
mod shuttle;
mod transcript;
