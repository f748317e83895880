//! Lesson 08: a bounded queue between threads, ours against std's,
//! crossbeam's, may's and tokio's.
//!
//! Two groups, the same functions `lesson-08-queue measure` prints:
//!
//! - `queue/restaurant/<queue>`: 3 cooks put 10,000 numbers into a queue
//!   of 10 and 2 eaters take them out, no sleeps, no prints; criterion
//!   prints `thrpt: … Kelem/s`, one element being one item.
//! - `queue/handoff/<queue>`: one round trip of a ping-pong between two
//!   threads (coroutines, tasks) over two queues of one: two handoffs.
//!
//! ```text
//! cargo bench -p benches --bench queue -- --warm-up-time 1 --measurement-time 2
//! cargo bench -p benches --bench queue -- restaurant/crossbeam
//! ```
//!
//! The figures to read are ratios within one run: ours against crossbeam,
//! and the handoff against the restaurant's time per item (a busy queue
//! rarely puts anyone to sleep; a ping-pong always does).

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lesson_08_queue::{QueueKind, handoff_ns, items_per_sec};

/// Items per restaurant run: a few milliseconds each.
const ITEMS: u64 = 10_000;

fn restaurant(c: &mut Criterion) {
    let mut group = c.benchmark_group("queue/restaurant");
    group.throughput(Throughput::Elements(ITEMS));
    for kind in QueueKind::ALL {
        group.bench_function(kind.to_string(), |b| {
            b.iter_custom(|runs| {
                // Each run starts its own threads: only the moving of the
                // items is timed inside `items_per_sec`, and summed here.
                (0..runs)
                    .map(|_| {
                        let per_sec = items_per_sec(kind, ITEMS);
                        Duration::from_secs_f64(ITEMS as f64 / per_sec)
                    })
                    .sum()
            })
        });
    }
    group.finish();
}

fn handoff(c: &mut Criterion) {
    let mut group = c.benchmark_group("queue/handoff");
    for kind in QueueKind::ALL {
        group.bench_function(kind.to_string(), |b| {
            b.iter_custom(|round_trips| {
                let ns = handoff_ns(kind, round_trips) * 2.0;
                Duration::from_secs_f64(ns * round_trips as f64 / 1e9)
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = benches::criterion();
    targets = restaurant, handoff
}
criterion_main!(benches);
