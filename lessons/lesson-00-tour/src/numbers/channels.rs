//! `channels.csv`: one ping-pong round trip over each kind of channel: a
//! message to an echo and its answer back, one message in flight at a
//! time, so the figure is the cost of waking the other side twice.
//!
//! - `std_mpsc`: `std::sync::mpsc::channel`, two OS threads;
//! - `crossbeam`: `crossbeam::channel::bounded(1)`, two OS threads;
//! - `tokio_mpsc`: `tokio::sync::mpsc::channel(1)`, two tasks on one
//!   current-thread runtime;
//! - `may_mpsc`: `may::sync::mpsc::channel`, two may coroutines.
//!
//! Why bounded(1) and not bounded(0)? A ping-pong never has more than one
//! message in flight, so a capacity of one never makes a sender wait: the
//! figure is the receiver's wake-up, as with an unbounded channel.
//! bounded(0) is a rendezvous, where every send also waits for the
//! receiver to arrive: a second hand-off per message, which would measure
//! the rendezvous rather than the channel. (std's `channel` is unbounded,
//! the one most programs use; since Rust 1.67 it is crossbeam's code
//! inside, so the two thread rows should be close.)
//!
//! The thread rows pay for OS hand-offs, where the scheduler puts a
//! thread to sleep and wakes it; the tokio and may rows switch between
//! tasks on one thread, without the kernel. The two threads are not
//! pinned: where they run is the scheduler's choice, as in a real
//! program, so their figure lands between `switch.csv`'s
//! `thread_same_core` and `thread_cross_core` (both channels also spin a
//! little before they sleep, which helps when the answer is quick).

use std::time::Instant;

use super::{Csv, Mode, Progress, cell};

/// The channels, in the contract's names.
pub const CHANNELS: [&str; 4] =
    ["std_mpsc", "crossbeam", "tokio_mpsc", "may_mpsc"];

/// `(round trips between threads, between tasks, rounds)`.
fn sizes(mode: Mode) -> (u64, u64, usize) {
    match mode {
        Mode::Tiny => (100, 1_000, 1),
        Mode::Quick => (2_000, 100_000, 3),
        Mode::Full => (10_000, 500_000, 5),
    }
}

/// How many steps the progress bar counts for this part.
pub fn steps(_mode: Mode) -> usize {
    CHANNELS.len()
}

/// Every channel's round trip.
pub fn csv(mode: Mode, progress: &Progress) -> shared::Result<Csv> {
    let (thread_trips, task_trips, rounds) = sizes(mode);
    let mut csv = Csv::new("channels.csv", &["channel", "ns_per_round_trip"]);
    for channel in CHANNELS {
        progress.step(format!("channels: {channel} ping-pong"));
        let ns = match channel {
            "std_mpsc" => std_mpsc_ns(thread_trips, rounds),
            "crossbeam" => crossbeam_ns(thread_trips, rounds),
            "tokio_mpsc" => tokio_mpsc_ns(task_trips, rounds)?,
            _ => may_mpsc_ns(task_trips, rounds)?,
        };
        csv.push(vec![channel.to_owned(), cell(ns)]);
        progress.done();
    }
    Ok(csv)
}

/// Round trips over `std::sync::mpsc` between this thread and an echo.
pub fn std_mpsc_ns(trips: u64, rounds: usize) -> f64 {
    let (to_echo, echo_in) = std::sync::mpsc::channel::<u64>();
    let (echo_out, back) = std::sync::mpsc::channel::<u64>();
    std::thread::scope(|s| {
        // The echo ends when `to_echo` drops, at the end of the scope's
        // closure.
        s.spawn(move || {
            for v in echo_in {
                if echo_out.send(v).is_err() {
                    break;
                }
            }
        });
        let ns = shared::ns_per_iter(rounds, trips, |n| {
            for i in 0..n {
                to_echo.send(i).expect("the echo is alive");
                back.recv().expect("the echo is alive");
            }
        });
        drop(to_echo);
        ns
    })
}

/// Round trips over `crossbeam::channel::bounded(1)` (see the module's
/// note on the capacity).
pub fn crossbeam_ns(trips: u64, rounds: usize) -> f64 {
    let (to_echo, echo_in) = crossbeam::channel::bounded::<u64>(1);
    let (echo_out, back) = crossbeam::channel::bounded::<u64>(1);
    std::thread::scope(|s| {
        s.spawn(move || {
            for v in echo_in {
                if echo_out.send(v).is_err() {
                    break;
                }
            }
        });
        let ns = shared::ns_per_iter(rounds, trips, |n| {
            for i in 0..n {
                to_echo.send(i).expect("the echo is alive");
                back.recv().expect("the echo is alive");
            }
        });
        drop(to_echo);
        ns
    })
}

/// Round trips over `tokio::sync::mpsc::channel(1)` between two tasks on
/// a current-thread runtime: each `recv().await` that finds nothing
/// returns `Pending` to the runtime, which polls the other task.
pub fn tokio_mpsc_ns(trips: u64, rounds: usize) -> shared::Result<f64> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| format!("cannot start tokio: {e}"))?;
    let trips = trips.max(1);
    runtime.block_on(async move {
        let (to_echo, mut echo_in) = tokio::sync::mpsc::channel::<u64>(1);
        let (echo_out, mut back) = tokio::sync::mpsc::channel::<u64>(1);
        let echo = tokio::spawn(async move {
            while let Some(v) = echo_in.recv().await {
                if echo_out.send(v).await.is_err() {
                    break;
                }
            }
        });
        let pinger = tokio::spawn(async move {
            let mut samples = Vec::new();
            for _ in 0..rounds.max(1) {
                let start = Instant::now();
                for i in 0..trips {
                    to_echo.send(i).await.map_err(|_| "the echo stopped")?;
                    back.recv().await.ok_or("the echo stopped")?;
                }
                samples.push(start.elapsed().as_nanos() as f64 / trips as f64);
            }
            Ok::<f64, shared::Error>(shared::median(samples))
        });
        let ns = pinger.await.map_err(|e| format!("the ping task: {e}"))??;
        echo.await.map_err(|e| format!("the echo task: {e}"))?;
        Ok(ns)
    })
}

/// Round trips over `may::sync::mpsc::channel` between two coroutines.
/// may's worker count is fixed per process: one unless this process
/// started may already; on one worker the two coroutines take turns on
/// one thread, like the tokio pair.
pub fn may_mpsc_ns(trips: u64, rounds: usize) -> shared::Result<f64> {
    let workers = lesson_03_gevent::on_may::workers().unwrap_or(1);
    lesson_03_gevent::on_may::start(workers)?;
    let (to_echo, echo_in) = may::sync::mpsc::channel::<u64>();
    let (echo_out, back) = may::sync::mpsc::channel::<u64>();
    // SAFETY: `go!` is may's `unsafe fn spawn`. Its contract: no
    // reference into thread-local storage held across a park (these
    // coroutines hold channel ends and a clock, no thread-locals), and
    // the code fits may's 32 KiB stack (a few hundred bytes here).
    let echo = may::go!(move || {
        while let Ok(v) = echo_in.recv() {
            if echo_out.send(v).is_err() {
                break;
            }
        }
    });
    // SAFETY: as above: a loop over two channel ends and the clock.
    let pinger = may::go!(move || {
        let ns = shared::ns_per_iter(rounds, trips, |n| {
            for i in 0..n {
                to_echo.send(i).expect("the echo is alive");
                back.recv().expect("the echo is alive");
            }
        });
        // Dropping `to_echo` ends the echo's loop.
        drop(to_echo);
        ns
    });
    let ns = pinger
        .join()
        .map_err(|_| "the may ping coroutine panicked")?;
    echo.join().map_err(|_| "the may echo coroutine panicked")?;
    Ok(ns)
}
