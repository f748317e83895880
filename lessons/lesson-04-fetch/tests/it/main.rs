//! Lesson 04's integration tests, one binary: the command line, failures
//! per URL, hostile peers, requests in flight, and the default transcript.

mod cli;
mod common;
mod errors;
mod hostile;
mod peaks;
mod transcript;
