//! What recording on a `shared::Trace` costs (the figure quoted in the
//! doc of `shared::trace`): a mark, a span, and a mark on a disabled
//! trace (which should cost next to nothing). (That no event is lost when
//! eight threads record at once is a test in `shared`, not a bench.)

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use shared::{State, Trace};

fn record(c: &mut Criterion) {
    let mut group = c.benchmark_group("trace");

    // The trace grows with every iteration; criterion runs millions of
    // them, so start a fresh trace per batch to keep memory flat.
    group.bench_function("mark", |b| {
        b.iter_batched_ref(
            || Trace::new().lane("c1"),
            |lane| lane.mark(black_box("print")),
            criterion::BatchSize::NumIterations(100_000),
        )
    });
    group.bench_function("span", |b| {
        b.iter_batched_ref(
            || Trace::new().lane("c1"),
            |lane| drop(lane.span(State::Running, black_box("eat"))),
            criterion::BatchSize::NumIterations(100_000),
        )
    });
    group.bench_function("mark_disabled", |b| {
        let lane = Trace::disabled().lane("c1");
        b.iter(|| lane.mark(black_box("print")))
    });

    group.finish();
}

criterion_group! {
    name = benches;
    config = benches::criterion();
    targets = record
}
criterion_main!(benches);
