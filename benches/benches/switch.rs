//! Lesson 02 (`lesson-02-greenlet`): nanoseconds per switch, for the
//! greenlet built on corosensei, raw corosensei, the hand-written switch,
//! and, for contrast, a hand-off between two OS threads.
//!
//! A `Greenlet` switch between two greenlets goes through the driver (two
//! stack switches), so it costs a few times a `bare` switch. For scale: a
//! Python greenlet one-way switch measured 212 ns on the course's 2-core
//! machine (pip `greenlet` 3, best of 5 × 1,000,000 round trips, November
//! 2026); a hand-written C switch entered by `call` and left by `ret`
//! measured about 2.3 ns there; an OS-thread hand-off between cores takes
//! microseconds.
//!
//! Every bench times the lesson's own measured loop (the one `measure`
//! and the tour use) with `iter_custom`, and reports it per *one-way*
//! switch (`…/switch/…`) or per round trip (`…/round_trip/…`), dividing
//! criterion's time by the switches each iteration makes.
//!
//! ```text
//! cargo bench -p benches --bench switch
//! cargo bench -p benches --bench switch -- --warm-up-time 1 --measurement-time 2
//! ```

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use lesson_02_greenlet::{
    Bounce, Handoff, PingPong, RawCoroutine, thread_round_trip_ns,
};

/// Times `round(n)` for criterion's `iters`, where each unit of `n` is
/// `per_unit` of the things the bench is named after: the reported time
/// is per one-way switch.
fn per_switch(
    iters: u64,
    per_unit: u32,
    mut round: impl FnMut(u64),
) -> Duration {
    let start = Instant::now();
    round(iters);
    start.elapsed() / per_unit
}

fn switch(c: &mut Criterion) {
    // Two greenlets switching to each other: each round trip is two
    // one-way switches, each through the driver.
    let pair = PingPong::new().expect("map two small stacks");
    c.bench_function("switch/greenlet", |b| {
        b.iter_custom(|iters| per_switch(iters, 2, |n| pair.run(n)))
    });
    drop(pair);

    // Main and one greenlet: one stack switch each way.
    let bounce = Bounce::new().expect("map a small stack");
    c.bench_function("switch/greenlet_main", |b| {
        b.iter_custom(|iters| per_switch(iters, 2, |n| bounce.run(n)))
    });
    drop(bounce);

    // corosensei with nothing on top: one resume and the suspend that
    // answers it.
    let mut raw = RawCoroutine::new().expect("map a small stack");
    c.bench_function("resume_suspend/corosensei", |b| {
        b.iter_custom(|iters| per_switch(iters, 1, |n| raw.run(n)))
    });
    drop(raw);

    bare(c);
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn bare(c: &mut Criterion) {
    use lesson_02_greenlet::BareBounce;
    use lesson_02_greenlet::bare::{RawBounce, RawSwitch};

    for (id, how) in [
        ("switch/bare", RawSwitch::Jump),
        ("switch/bare_naked", RawSwitch::Naked),
    ] {
        let mut raw = RawBounce::new(how).expect("map a small stack");
        c.bench_function(id, |b| {
            b.iter_custom(|iters| per_switch(iters, 2, |n| raw.run(n)))
        });
    }
    let fiber = BareBounce::new().expect("map a small stack");
    c.bench_function("switch/bare_fiber", |b| {
        b.iter_custom(|iters| per_switch(iters, 2, |n| fiber.run(n)))
    });
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
fn bare(_: &mut Criterion) {}

fn round_trip(c: &mut Criterion) {
    // Each measurement spawns the echo thread once and does `iters`
    // round trips with it; the spawn (tens of µs) is shared by thousands
    // of trips.
    for how in Handoff::ALL {
        let id = format!("round_trip/thread_{}", how.name());
        c.bench_function(&id, |b| {
            b.iter_custom(|iters| {
                let ns = thread_round_trip_ns(how, iters, 1);
                Duration::from_secs_f64(ns * iters as f64 / 1e9)
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = benches::criterion();
    targets = switch, round_trip
}
criterion_main!(benches);
