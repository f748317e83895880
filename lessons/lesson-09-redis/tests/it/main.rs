//! Lesson 09's integration tests, in one binary: a module per area. Every
//! test that needs Redis is ignored by a plain `cargo test` and run by
//! `cargo xtask test` (or with `REDIS_URL` set and `--ignored`).

mod common;
mod consume;
mod errors;
mod listen;
mod measure;
mod pitfalls;
mod reliable;
mod web;
