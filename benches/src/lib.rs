//! Criterion benches of the coroutine course: one file per area under
//! `benches/benches/`, each measuring what a lesson claims about cost.
//!
//! - `generator.rs` (lesson 01): ns per `send` into a consumer, as a
//!   corosensei coroutine, a hand-written state machine and a thread
//!   pretending to be a generator.
//! - `switch.rs` (lesson 02): one greenlet switch, raw corosensei, the
//!   hand-written `bare` switch, and OS-thread hand-offs.
//! - `spawn.rs` and `spawn_mimalloc.rs` (lesson 03): spawn + join per task
//!   at N = 1,000, 10,000 and 100,000 on the hub, may, tokio and OS
//!   threads, with the system allocator and with mimalloc (the shared
//!   body is [`spawn`]).
//! - `fetch.rs` (lesson 04): N URLs from the local delay server, sequential
//!   and async.
//! - `echo.rs` (lessons 05 and 06): echo round trips per second for each
//!   server model, ours and tokio's.
//! - `queue.rs` (lesson 08): items per second through a queue of 10
//!   with 3 cooks and 2 eaters, and one handoff, for our `Queue`, std,
//!   crossbeam, may and tokio.
//! - `ftp.rs` (lesson 11): aggregate download and upload throughput of
//!   the file server at 10 clients on the selector and the runtime,
//!   beside one loopback copy, and `sendfile` against `read` + `write`.
//! - `rpc.rs` (lesson 12): one task from a console to one and to three
//!   agents over RabbitMQ, until every reply is filed.
//! - `trace.rs` (`shared`): what recording one event on a trace costs, so
//!   the timelines can be trusted not to distort what they show.
//!
//! Run them all with `cargo bench -p benches`, or one quickly with
//! `cargo bench -p benches --bench generator -- --warm-up-time 1
//! --measurement-time 2`. Criterion keeps its reports in
//! `target/criterion/`. The same figures, measured briefly, are in the
//! tour (`cargo run --release -p lesson-00-tour`).
//!
//! This library only holds what the bench files share.

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

pub mod spawn;
