//! Lesson 04 (`lesson-04-fetch`): what a request costs when nothing waits,
//! and how long many requests take when each one waits 100 ms.
//!
//! - `fetch/0ms/...`: requests per second against `/delay/0`, so that only
//!   the client's and the server's own work is measured (connect once,
//!   then write, parse, answer, parse, on loopback): the sequential
//!   blocking client, one request at a time, against the async client
//!   with 64 requests in flight. Criterion prints the rate as
//!   `thrpt: ... Kelem/s` (one element is one request).
//! - `fetch/100ms/...`: the wall time of 20 and of 1,000 URLs of 100 ms
//!   each, all in flight at once with tokio.
//!
//! With every request in flight at once, N × 100 ms takes a little over
//! 100 ms until the client's own work per request shows (10,000 URLs are
//! `cargo run --release -p lesson-04-fetch -- measure`'s to time; at
//! over half a second a run it is too slow a sample for criterion). For
//! scale, the Python original's approach (`urlopen`, then gevent) took
//! 2.03 s for 20 × 100 ms sequentially and 0.110 s with gevent on the
//! course's 2-core machine (November 2026).
//!
//! ```text
//! cargo bench -p benches --bench fetch
//! cargo bench -p benches --bench fetch -- --warm-up-time 1 --measurement-time 3
//! ```

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lesson_04_fetch::{Fetch, Reporter, Strategy, delay_paths};
use shared::DelayServer;

const TIMEOUT: Duration = Duration::from_secs(10);

/// `n` URLs of `delay_ms` on `server`.
fn urls(server: &DelayServer, n: usize, delay_ms: u64) -> Vec<String> {
    delay_paths(n, delay_ms)
        .iter()
        .map(|p| server.url(p))
        .collect()
}

/// Benches `fetch_all` of `urls` with one built strategy, checking that
/// every fetch succeeded (a failing bench must not look fast).
/// Request-rate benches go in `fetch/0ms`, wall-time ones in `fetch/100ms`.
fn bench_fetch(
    c: &mut Criterion,
    id: &str,
    strategy: Strategy,
    concurrency: Option<usize>,
    urls: &[String],
    requests_per_second: bool,
    samples: usize,
) {
    let fetcher: Box<dyn Fetch> = strategy
        .build(TIMEOUT, concurrency)
        .expect("build the strategy's client");
    let report = Reporter::quiet(strategy);
    let group = if requests_per_second {
        "fetch/0ms"
    } else {
        "fetch/100ms"
    };
    let mut group = c.benchmark_group(group);
    group.sample_size(samples);
    if requests_per_second {
        group.throughput(Throughput::Elements(urls.len() as u64));
    }
    group.bench_function(id, |b| {
        b.iter(|| {
            let outcomes = fetcher.fetch_all(urls, &report);
            assert!(outcomes.iter().all(Result::is_ok), "a fetch failed");
        })
    });
    group.finish();
}

fn fetch(c: &mut Criterion) {
    let server = DelayServer::start(None).expect("start the delay server");
    // Pure overhead: 256 requests that do not wait, per iteration.
    let quick = urls(&server, 256, 0);
    bench_fetch(
        c,
        "sequential_blocking",
        Strategy::Sequential,
        None,
        &quick,
        true,
        20,
    );
    bench_fetch(
        c,
        "tokio_64_in_flight",
        Strategy::Tokio,
        Some(64),
        &quick,
        true,
        20,
    );
    // Waiting: everything in flight at once.
    bench_fetch(
        c,
        "tokio_20_urls",
        Strategy::Tokio,
        None,
        &urls(&server, 20, 100),
        false,
        10,
    );
    bench_fetch(
        c,
        "tokio_1000_urls",
        Strategy::Tokio,
        None,
        &urls(&server, 1000, 100),
        false,
        10,
    );
}

criterion_group! {
    name = benches;
    config = benches::criterion();
    targets = fetch
}
criterion_main!(benches);
