//! Lesson 02: the figures of `measure`, one `name=value unit` each: the
//! cost of one switch on each mechanism, and of a round trip between two
//! OS threads, for scale.

use shared::Figure;

use crate::handoff::{Handoff, thread_round_trip_ns};
use crate::loops::{Bounce, PingPong, RawCoroutine};

/// The costs the lesson compares, as `name=value unit` figures:
///
/// - `switch_ns_greenlet`: one switch between two greenlets (through the
///   driver: two stack switches), over `switches / 2` round trips;
/// - `switch_ns_greenlet_main`: one switch between main and a greenlet
///   (one stack switch);
/// - `resume_suspend_ns_corosensei`: a raw corosensei resume plus the
///   suspend that answers it;
/// - `switch_ns_bare`, `switch_ns_bare_naked`, `switch_ns_bare_fiber`:
///   one hand-written switch, left by `jmp`, left by `ret`, and through a
///   `Fiber` (x86_64 Linux only);
/// - `round_trip_ns_thread_mpsc`, `_crossbeam`, `_park`: a round trip
///   between two OS threads, over `switches / 1000` (at least 100)
///   round trips per round, since each is thousands of times slower.
///
/// Each figure is the median of `rounds` rounds. Nothing is printed.
pub fn measure(switches: u64, rounds: usize) -> Vec<Figure> {
    let trips = (switches / 2).max(1);
    let mut figures = Vec::new();

    let pair = PingPong::new().expect("map two small stacks");
    let ns = shared::ns_per_iter(rounds, trips, |n| pair.run(n));
    figures.push(Figure::new("switch_ns_greenlet", ns / 2.0, "ns"));
    drop(pair);

    let bounce = Bounce::new().expect("map a small stack");
    let ns = shared::ns_per_iter(rounds, trips, |n| bounce.run(n));
    figures.push(Figure::new("switch_ns_greenlet_main", ns / 2.0, "ns"));
    drop(bounce);

    let mut raw = RawCoroutine::new().expect("map a small stack");
    let ns = shared::ns_per_iter(rounds, trips, |n| raw.run(n));
    figures.push(Figure::new("resume_suspend_ns_corosensei", ns, "ns"));
    drop(raw);

    // x86_64 Linux only: an empty list elsewhere.
    figures.extend(crate::arch::bare_figures(trips, rounds));

    let thread_trips = (switches / 1000).max(100);
    for how in Handoff::ALL {
        let ns = thread_round_trip_ns(how, thread_trips, rounds);
        let name = format!("round_trip_ns_thread_{}", how.name());
        figures.push(Figure::new(name, ns, "ns"));
    }
    figures
}
