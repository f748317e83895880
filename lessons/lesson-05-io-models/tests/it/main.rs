//! Lesson 05's integration tests, in one binary (one link instead of one
//! per file): one module per area, shared helpers in `common`.

mod cli;
mod common;
mod limits;
mod models;
mod output;
mod peers;
mod servers;
