//! `switch.csv`: what it costs to go from one flow of control to another,
//! by mechanism, in nanoseconds, one way.
//!
//! | mechanism | what is timed | from |
//! |---|---|---|
//! | `state_machine` | one `send` into lesson 01's hand-written state machine: a method call, no switch at all | lesson 01 `measure`, `send_ns_state_machine` |
//! | `corosensei` | one resume or suspend of a raw corosensei coroutine (a resume + suspend pair, halved) | lesson 02 `measure`, `resume_suspend_ns_corosensei` / 2 |
//! | `greenlet` | one `Greenlet::switch` between two greenlets | lesson 02, `switch_ns_greenlet` |
//! | `bare` | one hand-written register switch (x86_64 Linux only) | lesson 02, `switch_ns_bare` |
//! | `may_yield` | one `may::coroutine::yield_now()` of the only coroutine: to may's scheduler and back | here |
//! | `tokio_yield_now` | one `tokio::task::yield_now().await` of the only task on a current-thread runtime | here |
//! | `thread_same_core` | half a park/unpark round trip between two OS threads pinned to the same core | here |
//! | `thread_cross_core` | the same, the two threads pinned to different cores | here |
//!
//! Two rows are not like the others, and the chapter says so:
//! `state_machine` is a *send* (there is nothing to switch: the state
//! machine's "resume" is a call that returns), and the two `yield` rows
//! are a round trip through a scheduler (yield, the scheduler picks the
//! same task again, resume). Lesson 01's other send, into a corosensei
//! generator (`send_ns_coroutine`, a resume and a suspend plus the
//! generator's bookkeeping), is printed in the table's notes, not in the
//! CSV: `corosensei` above is the bare switch.

use std::sync::atomic::{AtomicU8, Ordering};
use std::thread;

use super::{Csv, Mode, Progress, cell};
use crate::figure;

/// The mechanisms, in the contract's names, cheapest kind first.
pub const MECHANISMS: [&str; 8] = [
    "state_machine",
    "corosensei",
    "greenlet",
    "bare",
    "may_yield",
    "tokio_yield_now",
    "thread_same_core",
    "thread_cross_core",
];

/// Iterations per round and rounds: `(switches, rounds, thread round
/// trips)`.
fn sizes(mode: Mode) -> (u64, usize, u64) {
    match mode {
        Mode::Tiny => (2_000, 1, 50),
        Mode::Quick => (200_000, 3, 1_000),
        Mode::Full => (1_000_000, 5, 3_000),
    }
}

/// How many steps the progress bar counts for this part.
pub fn steps(_mode: Mode) -> usize {
    // Lesson 01, lesson 02, may, tokio, two pinned pairs.
    6
}

/// Every mechanism measured; `bare` only on x86_64 Linux, the pinned
/// pairs only where the process may pin (and `thread_cross_core` only with
/// two cores or more): a mechanism that cannot run here leaves no row and
/// a note says why.
pub fn csv(mode: Mode, progress: &Progress) -> shared::Result<Csv> {
    let (switches, rounds, trips) = sizes(mode);
    let mut rows: Vec<(&str, f64)> = Vec::new();

    progress.step("switch: lesson 01's sends");
    let l01 = lesson_01_yield::measure(switches, rounds);
    rows.push(("state_machine", figure(&l01, "send_ns_state_machine")?));
    progress.note(format!(
        "switch: (note) a send into lesson 01's corosensei generator costs \
         {} ns: a resume and a suspend, plus the generator's bookkeeping",
        cell(figure(&l01, "send_ns_coroutine")?)
    ));
    progress.done();

    progress.step("switch: lesson 02's greenlets");
    let l02 = lesson_02_greenlet::measure(switches, rounds);
    let pair = figure(&l02, "resume_suspend_ns_corosensei")?;
    rows.push(("corosensei", pair / 2.0));
    rows.push(("greenlet", figure(&l02, "switch_ns_greenlet")?));
    if let Ok(bare) = figure(&l02, "switch_ns_bare") {
        rows.push(("bare", bare));
    }
    progress.done();

    progress.step("switch: may's yield_now");
    rows.push(("may_yield", may_yield_ns(switches / 2, rounds)?));
    progress.done();

    progress.step("switch: tokio's yield_now");
    rows.push(("tokio_yield_now", tokio_yield_ns(switches / 2, rounds)?));
    progress.done();

    // The cores to pin to are the first two this process may run on: not
    // always 0 and 1 (a container or `taskset` can hand it cores 2 and 3).
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let allowed = allowed_cpus(cores);
    for (name, other) in [("thread_same_core", 0), ("thread_cross_core", 1)] {
        progress.step(format!("switch: {name}"));
        let pair = allowed.first().zip(allowed.get(other));
        match pair.filter(|_| other < cores) {
            None => progress.note(format!(
                "switch: {name} skipped: this process may run on one core \
                 only"
            )),
            Some((&ping, &pong)) => {
                match pinned_round_trip_ns(ping, pong, trips, rounds) {
                    // One way is half a round trip: ping, then pong.
                    Ok(ns) => rows.push((name, ns / 2.0)),
                    Err(e) => {
                        progress.note(format!("switch: {name} skipped: {e}"))
                    }
                }
            }
        }
        progress.done();
    }

    let mut csv = Csv::new("switch.csv", &["mechanism", "ns"]);
    for (name, ns) in rows {
        csv.push(vec![name.to_owned(), cell(ns)]);
    }
    Ok(csv)
}

/// ns per `may::coroutine::yield_now()` of a lone coroutine. may's worker
/// count is fixed once per process: one worker unless something in this
/// process started may already (then whatever it chose; a lone coroutine
/// runs on one worker either way).
pub fn may_yield_ns(yields: u64, rounds: usize) -> shared::Result<f64> {
    let workers = lesson_03_gevent::on_may::workers().unwrap_or(1);
    lesson_03_gevent::on_may::start(workers)?;
    // SAFETY: `go!` is may's `unsafe fn spawn`. Its contract: the
    // coroutine holds no reference into thread-local storage across a
    // yield (it holds none at all, only a counter and the clock), and
    // fits its stack (may's 32 KiB set by `on_may::start`; this uses a
    // few hundred bytes).
    let coroutine = may::go!(move || {
        shared::ns_per_iter(rounds, yields, |n| {
            for _ in 0..n {
                // Back to may's scheduler, which finds this coroutine the
                // only one ready and resumes it: two switches and a queue.
                may::coroutine::yield_now();
            }
        })
    });
    coroutine
        .join()
        .map_err(|_| "the may coroutine panicked".into())
}

/// ns per `tokio::task::yield_now().await` of a lone task on a
/// current-thread runtime: the task returns `Pending` to the runtime,
/// which polls it again at once.
pub fn tokio_yield_ns(yields: u64, rounds: usize) -> shared::Result<f64> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| format!("cannot start tokio: {e}"))?;
    let yields = yields.max(1);
    Ok(runtime.block_on(async move {
        // A spawned task, not `block_on`'s own future: that is what a
        // tokio program's code runs in.
        let task = tokio::spawn(async move {
            let mut samples = Vec::with_capacity(rounds);
            for _ in 0..rounds.max(1) {
                let start = std::time::Instant::now();
                for _ in 0..yields {
                    tokio::task::yield_now().await;
                }
                samples.push(start.elapsed().as_nanos() as f64 / yields as f64);
            }
            shared::median(samples)
        });
        task.await.unwrap_or(f64::NAN)
    }))
}

/// Pins the calling thread to `cpu`: it may run on that core only.
#[cfg(target_os = "linux")]
fn pin_to(cpu: usize) -> shared::Result<()> {
    let mut set = rustix::thread::CpuSet::new();
    set.set(cpu);
    // `None`: the calling thread.
    rustix::thread::sched_setaffinity(None, &set)
        .map_err(|e| format!("cannot pin a thread to core {cpu}: {e}").into())
}

#[cfg(not(target_os = "linux"))]
fn pin_to(_cpu: usize) -> shared::Result<()> {
    Err("pinning threads is done on Linux only".into())
}

/// The cores this process may run on, lowest first: its affinity mask,
/// or the first `cores` where that cannot be read.
#[cfg(target_os = "linux")]
fn allowed_cpus(cores: usize) -> Vec<usize> {
    use rustix::thread::{CpuSet, sched_getaffinity};
    sched_getaffinity(None).map_or_else(
        |_| (0..cores).collect(),
        |set| {
            (0..CpuSet::MAX_CPU)
                .filter(|&cpu| set.is_set(cpu))
                .collect()
        },
    )
}

#[cfg(not(target_os = "linux"))]
fn allowed_cpus(cores: usize) -> Vec<usize> {
    (0..cores).collect()
}

/// Median ns per round trip between two OS threads, one pinned to core
/// `ping_cpu`, the other to `pong_cpu`, handing a turn back and forth with
/// `thread::park` / `Thread::unpark` (a futex wait and wake: what every
/// blocking channel and mutex does underneath).
///
/// Why pin? Unpinned, the scheduler chooses, and the figure is a mix of
/// two very different costs. On the same core, a hand-off is a context
/// switch on that core: the waker makes the other thread runnable and
/// soon parks, and the core switches to it. Across cores, the waker must
/// interrupt the other core (an inter-processor interrupt) and that core
/// must wake from its idle state first, which on a virtual machine costs
/// an exit to the hypervisor: often ten times more.
pub fn pinned_round_trip_ns(
    ping_cpu: usize,
    pong_cpu: usize,
    trips: u64,
    rounds: usize,
) -> shared::Result<f64> {
    // Whose turn it is: PING or PONG; STOP ends the echo thread.
    const PING: u8 = 0;
    const PONG: u8 = 1;
    const STOP: u8 = 2;
    let turn = AtomicU8::new(PING);
    let turn = &turn;
    thread::scope(|s| {
        let ping = s.spawn(move || -> shared::Result<f64> {
            pin_to(ping_cpu)?;
            let me = thread::current();
            let pong = s.spawn(move || -> shared::Result<()> {
                if let Err(e) = pin_to(pong_cpu) {
                    // Say so to the other thread, which stops at once.
                    turn.store(STOP, Ordering::Release);
                    me.unpark();
                    return Err(e);
                }
                loop {
                    match turn.load(Ordering::Acquire) {
                        PONG => {
                            turn.store(PING, Ordering::Release);
                            me.unpark();
                        }
                        STOP => return Ok(()),
                        // Not our turn: sleep until unparked. A spurious
                        // wake-up just loops to look again.
                        _ => thread::park(),
                    }
                }
            });
            let echo = pong.thread().clone();
            let trip = || -> bool {
                // Only from PING: a STOP from a failed echo must stay.
                if turn
                    .compare_exchange(
                        PING,
                        PONG,
                        Ordering::AcqRel,
                        Ordering::Acquire,
                    )
                    .is_err()
                {
                    return false;
                }
                echo.unpark();
                loop {
                    match turn.load(Ordering::Acquire) {
                        PING => return true,
                        STOP => return false,
                        _ => thread::park(),
                    }
                }
            };
            // One trip unmeasured: the echo thread is alive and pinned.
            let mut alive = trip();
            let ns = shared::ns_per_iter(rounds, trips, |n| {
                for _ in 0..n {
                    alive = alive && trip();
                }
            });
            turn.store(STOP, Ordering::Release);
            echo.unpark();
            pong.join().map_err(|_| "the echo thread panicked")??;
            if alive {
                Ok(ns)
            } else {
                Err("the echo thread stopped early".into())
            }
        });
        ping.join().map_err(|_| "the pinged thread panicked")?
    })
}
