//! Lesson 09: messages per second drained from a Redis list, four ways:
//! one `BRPOP` per message, `RPOP key 1000`, the reliable take and ack one
//! message at a time (`BLMOVE` + `LREM`), and the reliable take and ack
//! batched in pipelines of 100.
//!
//! The figure to read is the ratio of each to one `BRPOP` per message, in
//! one run: a round trip per message is what a drain costs, and batching
//! divides it. Criterion prints each as `thrpt: … Kelem/s`, one element
//! being one message.
//!
//! ```text
//! cargo xtask services up        # prints REDIS_URL=...; export it
//! cargo bench -p benches --bench redis
//! ```
//!
//! It needs a Redis server: the one at `REDIS_URL`, or a private one
//! started for the run when `redis-server` is on `PATH`. Without either it
//! prints one line saying so and exits with status 0, so `cargo bench`
//! runs on a machine with no Redis. Each iteration pushes
//! `REDIS_BENCH_MESSAGES` messages (10,000 by default; not timed) and
//! drains them (timed). 100,000 messages per drain:
//! `cargo run --release -p lesson-09-redis -- measure`.

use std::time::{Duration, Instant};

use criterion::Throughput;
use lesson_09_redis::Drain;
use lesson_09_redis::measure::push;
use lesson_09_redis::reliable::Queue;
use shared::services::RedisServer;

fn messages() -> usize {
    std::env::var("REDIS_BENCH_MESSAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000)
}

fn main() {
    let redis = match RedisServer::connect_or_start() {
        Ok(redis) => redis,
        Err(e) => {
            println!("redis bench skipped: no Redis server ({e})");
            return;
        }
    };
    let mut connection = redis::Client::open(redis.url())
        .and_then(|c| c.get_connection())
        .expect("the server answered PING a moment ago");
    let queue = Queue::named("lesson09:bench:drain");
    let count = messages();
    let mut criterion = benches::criterion();
    let mut group = criterion.benchmark_group("redis_drain");
    group.throughput(Throughput::Elements(count as u64));
    for drain in Drain::ALL {
        group.bench_function(drain.name(), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    push(&mut connection, &queue, count).expect("pushed");
                    let start = Instant::now();
                    let drained = drain
                        .run(&mut connection, &queue, count)
                        .expect("drained");
                    total += start.elapsed();
                    assert_eq!(drained, count);
                }
                total
            });
        });
    }
    group.finish();
    criterion.final_summary();
}
