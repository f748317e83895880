//! Lesson 02: the contrast. Two OS threads taking turns, the way two
//! greenlets do, but through the kernel: one thread wakes the other and
//! goes to sleep until it is woken back. A round trip costs two trips
//! through the kernel's scheduler (and, when the other core is idle, an
//! inter-processor interrupt to wake it), where a greenlet switch never
//! leaves the function that called it.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc;
use std::thread;

/// How two OS threads hand a turn back and forth, for contrast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handoff {
    /// `std::sync::mpsc` channels, one each way.
    Mpsc,
    /// `crossbeam::channel` channels, one each way.
    Crossbeam,
    /// A shared turn flag and `thread::park` / `Thread::unpark`.
    Park,
}

impl Handoff {
    /// All three.
    pub const ALL: [Handoff; 3] =
        [Handoff::Mpsc, Handoff::Crossbeam, Handoff::Park];

    /// Its name in figures: `mpsc`, `crossbeam`, `park`.
    pub fn name(self) -> &'static str {
        match self {
            Handoff::Mpsc => "mpsc",
            Handoff::Crossbeam => "crossbeam",
            Handoff::Park => "park",
        }
    }
}

/// Median ns per round trip between this thread and an echo thread over
/// `rounds` rounds of `trips` round trips. The echo thread is spawned once
/// and joined at the end.
pub fn thread_round_trip_ns(how: Handoff, trips: u64, rounds: usize) -> f64 {
    thread::scope(|s| match how {
        Handoff::Mpsc => {
            let (to_echo, echo_in) = mpsc::channel::<u64>();
            let (echo_out, back) = mpsc::channel::<u64>();
            s.spawn(move || {
                for v in echo_in {
                    if echo_out.send(v).is_err() {
                        break;
                    }
                }
            });
            shared::ns_per_iter(rounds, trips, |n| {
                for i in 0..n {
                    to_echo.send(i).expect("echo is alive");
                    back.recv().expect("echo is alive");
                }
            })
        }
        Handoff::Crossbeam => {
            let (to_echo, echo_in) = crossbeam::channel::unbounded::<u64>();
            let (echo_out, back) = crossbeam::channel::unbounded::<u64>();
            s.spawn(move || {
                for v in echo_in {
                    if echo_out.send(v).is_err() {
                        break;
                    }
                }
            });
            shared::ns_per_iter(rounds, trips, |n| {
                for i in 0..n {
                    to_echo.send(i).expect("echo is alive");
                    back.recv().expect("echo is alive");
                }
            })
        }
        Handoff::Park => park_round_trip_ns(s, trips, rounds),
    })
}

/// The park/unpark hand-off: a turn flag says whose turn it is (0 main,
/// 1 echo, 2 stop); each side sets it for the other, unparks it, and parks
/// until the turn comes back. `park` can wake spuriously, hence the loops.
fn park_round_trip_ns<'s>(
    s: &'s thread::Scope<'s, '_>,
    trips: u64,
    rounds: usize,
) -> f64 {
    let turn = std::sync::Arc::new(AtomicU8::new(0));
    let main = thread::current();
    let echo = {
        let turn = turn.clone();
        s.spawn(move || {
            loop {
                match turn.load(Ordering::Acquire) {
                    1 => {
                        turn.store(0, Ordering::Release);
                        main.unpark();
                    }
                    2 => return,
                    _ => thread::park(),
                }
            }
        })
    };
    let ns = shared::ns_per_iter(rounds, trips, |n| {
        for _ in 0..n {
            turn.store(1, Ordering::Release);
            echo.thread().unpark();
            while turn.load(Ordering::Acquire) != 0 {
                thread::park();
            }
        }
    });
    turn.store(2, Ordering::Release);
    echo.thread().unpark();
    ns
}
