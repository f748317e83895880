//! Criterion benches of the coroutine course: one file per area under
//! `benches/benches/`, each measuring what a lesson claims about cost.
//!
//! - `generator.rs` (lesson 01): ns per `send` into a consumer, as a
//!   corosensei coroutine, a hand-written state machine and a thread
//!   pretending to be a generator.
//! - `trace.rs` (`shared`): what recording one event on a trace costs, so
//!   the timelines can be trusted not to distort what they show.
//!
//! Run them all with `cargo bench -p benches`, or one quickly with
//! `cargo bench -p benches --bench generator -- --warm-up-time 1
//! --measurement-time 2`. Criterion keeps its reports in
//! `target/criterion/`. The same figures, measured briefly, are in the
//! tour (`cargo run --release -p lesson-00-tour`).
//!
//! This library only holds the settings the bench files share.

use std::time::Duration;

use criterion::Criterion;

/// Criterion settings for this 2-core machine: short warm-up and
/// measurement by default (every figure here is nanoseconds, so a second
/// or two gives thousands of samples), overridable from the command line
/// (`-- --measurement-time 10`).
pub fn criterion() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args()
}
