//! Lesson 03 (`lesson-03-gevent`): what spawning a task and joining it
//! costs, per task, on our hub of greenlets, on may, on tokio's two
//! runtimes, and on OS threads; and how close gevent's `tasks` demo comes
//! to one sleep.
//!
//! Each group runs N = 1,000, 10,000 and 100,000 tasks that each yield
//! once; the per-task cost should stay flat as N grows. Resident memory
//! per live task is not timed here: `cargo run --release -p
//! lesson-03-gevent -- measure` reports it as `task_bytes_*`. For scale,
//! gevent 26.9 (greenlet 3.5.6, CPython 3.11) measured 16–23 µs per
//! spawned and joined greenlet and 4.4–8.3 KiB per live one on the
//! course's 2-core machine (November 2026). An OS thread is measured at
//! N = 1,000 only: a hundred thousand threads is a way to meet the
//! kernel's limits, not a benchmark.
//!
//! What each runtime's N means: the hub and tokio hold all N tasks alive
//! at once; may holds at most `on_may::MAX_LIVE` (1,000, its stack pool)
//! and joins the oldest before spawning more, because every may
//! coroutine past its pool maps (and later unmaps) a stack of its own,
//! microseconds each. The hub's stacks come from lesson 02's pool, which
//! `hub::Spawner` sizes to N: warm iterations reuse them (the first,
//! cold run maps them: about 3 µs per task).
//!
//! The allocator matters: `spawn_mimalloc.rs` runs the same groups with
//! mimalloc instead of glibc's malloc.
//!
//! `tasks/*`: 10 tasks that each sleep 500 ms, spawned and joined: the
//! total comes out a little over 500 ms (the sleeps overlap; what is left
//! is the timer's slack and the cost of ten spawns).
//!
//! Each runtime's `Spawner` is built once, outside the timed loop (worker
//! threads started, stacks mapped), so an iteration times only
//! `spawn_join(N)`: N spawns, N joins, and the results vector. Criterion
//! reports it per task (`Throughput::Elements(N)`: read the `thrpt` line
//! as tasks per second, or the time divided by N).
//!
//! ```text
//! cargo bench -p benches --bench spawn
//! cargo bench -p benches --bench spawn -- --warm-up-time 1 --measurement-time 2
//! cargo bench -p benches --bench spawn -- 'spawn/tokio_ct'
//! ```
//!
//! The whole file runs in about two minutes: five groups of a few seconds
//! per N, then the `tasks` group, ten half-second iterations per runtime.

use benches::spawn::{spawn, tasks};
use criterion::{Criterion, criterion_group, criterion_main};

fn spawn_system(c: &mut Criterion) {
    spawn(c, "spawn");
}

criterion_group! {
    name = benches;
    config = benches::criterion();
    targets = spawn_system, tasks
}
criterion_main!(benches);
