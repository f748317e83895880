//! Lesson 07: round trips per second at 100 clients for the course's
//! gevent server (the corrected handler, quiet) on each runtime: the hub,
//! may, tokio current-thread, and a thread per connection. The clients are
//! the lesson's `load`: a thread per connection, every echo checked.
//!
//! ```text
//! cargo bench -p benches --bench many_sockets -- --warm-up-time 1 --measurement-time 2
//! ```
//!
//! Each iteration starts the runtime's server, connects 100 clients and
//! has each do 100 round trips, then stops the server: criterion's
//! `thrpt` is round trips per second, connects and start-up included (the
//! lesson's `measure` does 100 × 1,000). gevent's server, measured by the
//! same client, is `sh lessons/lesson-07-many-sockets/gevent/measure.sh`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lesson_07_many_sockets::Runtime;
use lesson_07_many_sockets::measure::round_trips;

const CLIENTS: usize = 100;
const MESSAGES: usize = 100;

fn many_sockets(c: &mut Criterion) {
    let mut group = c.benchmark_group("many_sockets");
    group.sample_size(10);
    group.throughput(Throughput::Elements((CLIENTS * MESSAGES) as u64));
    for runtime in Runtime::ALL {
        group.bench_function(runtime.name(), |b| {
            b.iter(|| {
                round_trips(runtime, CLIENTS, MESSAGES).expect("a load run")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, many_sockets);
criterion_main!(benches);
