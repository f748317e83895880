//! What recording on a `shared::Trace` costs (the figure quoted in the
//! doc of `shared::trace`): a mark, a span, and a mark on a disabled
//! trace (which should cost next to nothing). (That no event is lost when
//! eight threads record at once is a test in `shared`, not a bench.)
//!
//! ```text
//! cargo bench -p benches --bench trace -- --warm-up-time 1 --measurement-time 2
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use shared::{Lane, State, Trace};

/// Times `iters` recordings on a fresh trace. A fresh trace per sample
/// keeps memory flat (a trace never forgets an event, and criterion runs
/// millions of iterations), and `iter_custom` keeps the trace's creation
/// and drop out of the timing.
fn on_fresh_trace(
    iters: u64,
    trace: fn() -> Trace,
    record: impl Fn(&Lane),
) -> Duration {
    let lane = trace().lane("c1");
    let start = Instant::now();
    for _ in 0..iters {
        record(&lane);
    }
    start.elapsed()
}

fn record(c: &mut Criterion) {
    let mut group = c.benchmark_group("trace");
    group.bench_function("mark", |b| {
        b.iter_custom(|iters| {
            on_fresh_trace(iters, Trace::new, |lane| {
                lane.mark(black_box("print"))
            })
        })
    });
    group.bench_function("span", |b| {
        b.iter_custom(|iters| {
            on_fresh_trace(iters, Trace::new, |lane| {
                drop(lane.span(State::Running, black_box("eat")))
            })
        })
    });
    group.bench_function("mark_disabled", |b| {
        b.iter_custom(|iters| {
            on_fresh_trace(iters, Trace::disabled, |lane| {
                lane.mark(black_box("print"))
            })
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = benches::criterion();
    targets = record
}
criterion_main!(benches);
