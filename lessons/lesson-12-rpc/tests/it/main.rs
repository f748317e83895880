//! Lesson 12's integration tests, in one binary: a module per area. Every
//! test that needs RabbitMQ is ignored by a plain `cargo test` and run by
//! `cargo xtask test` (or with `AMQP_URL` set and `--include-ignored`).

mod common;
mod console;
mod errors;
mod exec;
mod prompt;
mod session;
mod tasks;
