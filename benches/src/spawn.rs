//! The body of lesson 03's spawn benches, shared by two bench binaries
//! that differ only in their global allocator: `benches/spawn.rs` (the
//! system allocator, glibc's malloc, what every Rust program gets) and
//! `benches/spawn_mimalloc.rs` (mimalloc). A tokio task is one heap
//! allocation of its future plus bookkeeping, so the allocator is a large
//! part of what a task costs; the two runs show how large.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use lesson_03_gevent::{Contender, TaskError, hub, on_may, on_tokio, threads};

/// The task counts: the per-task cost should stay flat as N grows.
const COUNTS: [usize; 3] = [1_000, 10_000, 100_000];

/// Panics unless every task `i` returned `i`: a bench of a broken runtime
/// is no figure.
fn check(results: shared::Result<Vec<Result<u64, TaskError>>>, n: usize) {
    let results = results.expect("spawn and join");
    assert_eq!(results.len(), n);
    for (i, result) in results.into_iter().enumerate() {
        assert_eq!(result, Ok(i as u64));
    }
}

/// A runtime's `spawn_join(n, 0)`, whichever runtime it is.
type SpawnJoin<'a> =
    &'a dyn Fn(usize) -> shared::Result<Vec<Result<u64, TaskError>>>;

/// One group per runtime: `{prefix}/{hub,may,tokio_ct,tokio_mt}/N`, then
/// `{prefix}/thread/1000`.
pub fn spawn(c: &mut Criterion, prefix: &str) {
    let hub = hub::Spawner::new(1).expect("the hub");
    let may = on_may::Spawner::new(1).expect("may with one worker");
    let tokio_ct = on_tokio::Spawner::new(1).expect("tokio current-thread");
    let tokio_mt = on_tokio::Spawner::new(2).expect("tokio multi-thread");
    let run: [(Contender, SpawnJoin<'_>); 4] = [
        (Contender::Hub, &|n| hub.spawn_join(n, Duration::ZERO)),
        (Contender::May, &|n| may.spawn_join(n, Duration::ZERO)),
        (Contender::TokioCt, &|n| {
            tokio_ct.spawn_join(n, Duration::ZERO)
        }),
        (Contender::TokioMt, &|n| {
            tokio_mt.spawn_join(n, Duration::ZERO)
        }),
    ];
    for (name, spawn_join) in run {
        // Sanity first, outside the timing: all of them come back.
        check(spawn_join(1_000), 1_000);
        let mut group = c.benchmark_group(format!("{prefix}/{name}"));
        // An iteration at N = 100,000 takes tens of milliseconds: flat
        // sampling with ten samples keeps each group to a few seconds.
        group.sampling_mode(SamplingMode::Flat).sample_size(10);
        for n in COUNTS {
            group.throughput(Throughput::Elements(n as u64));
            group.bench_with_input(
                BenchmarkId::from_parameter(n),
                &n,
                |b, &n| b.iter(|| spawn_join(n)),
            );
        }
        group.finish();
    }

    // OS threads: one `std::thread::spawn` + `join` per task, at the
    // smallest N only.
    let mut group = c.benchmark_group(format!("{prefix}/thread"));
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    let n = COUNTS[0];
    check(threads::spawn_join(n, Duration::ZERO), n);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
        b.iter(|| threads::spawn_join(n, Duration::ZERO))
    });
    group.finish();
}

/// The asynchronous half of the course's gevent timing demo: 10 tasks of
/// 500 ms, spawned and joined; the total is one sleep plus the slack.
pub fn tasks(c: &mut Criterion) {
    const DELAY: Duration = Duration::from_millis(500);
    let hub = hub::Spawner::new(1).expect("the hub");
    let may = on_may::Spawner::new(1).expect("may with one worker");
    let tokio_ct = on_tokio::Spawner::new(1).expect("tokio current-thread");
    let mut group = c.benchmark_group("tasks");
    // Every iteration sleeps half a second: ten of them per runtime, and
    // no more warm-up than one.
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    group.bench_function("hub/10x500ms", |b| {
        b.iter(|| hub.spawn_join(10, DELAY))
    });
    group.bench_function("may/10x500ms", |b| {
        b.iter(|| may.spawn_join(10, DELAY))
    });
    group.bench_function("tokio_ct/10x500ms", |b| {
        b.iter(|| tokio_ct.spawn_join(10, DELAY))
    });
    group.finish();
}
