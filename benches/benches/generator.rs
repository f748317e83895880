//! Lesson 01 (`lesson-01-yield`): nanoseconds per `send` into a consumer,
//! for the three ways the lesson pauses one.
//!
//! The corosensei coroutine costs a stack switch there and back
//! (nanoseconds), the hand-written state machine a call that inlines into
//! the loop (well under a nanosecond), and the thread pretending to be a
//! generator, shown for contrast, two trips through the kernel's
//! scheduler (microseconds). For scale, CPython 3.11's generator `send`
//! measured 22 ns on the course's 2-core machine (`timeit` of `send(1)`
//! into a bare `x = yield` loop, best of 5 × 2,000,000, November 2026).
//!
//! ```text
//! cargo bench -p benches --bench generator
//! cargo bench -p benches --bench generator -- --warm-up-time 1 --measurement-time 2
//! ```

use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use lesson_01_yield::{
    Consumer, CoroutineConsumer, StateMachineConsumer, ThreadConsumer, nibble,
    send_many,
};

/// Benches `send` on one started consumer, timing the lesson's own
/// measured loop (`send_many`, the one `measure` and the tour use) rather
/// than criterion's per-iteration closure: the closure's call and the
/// `black_box` of its result cost more than a state-machine send, and
/// would be measured instead of it.
fn bench_send<C: Consumer>(c: &mut Criterion, id: &str, mut consumer: C) {
    consumer.start().expect("a nibbling consumer starts");
    c.bench_function(id, |b| {
        b.iter_custom(|sends| {
            let start = Instant::now();
            send_many(&mut consumer, sends);
            start.elapsed()
        })
    });
}

fn send(c: &mut Criterion) {
    let coroutine =
        CoroutineConsumer::new("c1", nibble).expect("map one coroutine stack");
    bench_send(c, "generator/send/coroutine", coroutine);

    let machine = StateMachineConsumer::new("c1", nibble);
    bench_send(c, "generator/send/state_machine", machine);

    let thread = ThreadConsumer::new("c1", nibble).expect("spawn one thread");
    bench_send(c, "generator/send/thread", thread);
}

criterion_group! {
    name = benches;
    config = benches::criterion();
    targets = send
}
criterion_main!(benches);
