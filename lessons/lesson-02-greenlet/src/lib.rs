//! Lesson 02: greenlets, functions that switch to each other by hand, on
//! stackful coroutines; and the switch itself, written in assembly.
//!
//! **Python original.** `../shared/seeds/004_ef699e389cc80635.txt` (and
//! `002_4a3846ad69afcffc.txt`, which adds a `time.sleep(1)` to `test1`):
//! two greenlets, `gr1 = greenlet(test1)` and `gr2 = greenlet(test2)`.
//! `test1` prints `12`, switches to `gr2`, prints `34`, switches to `gr2`;
//! `test2` prints `56`, switches to `gr1`, prints `78`. The main program
//! does `gr1.switch()`, and the output is `12`, `56`, `34`, `78`.
//!
//! **Rust mapping.**
//!
//! | Python | Rust |
//! |---|---|
//! | `greenlet(run)` | [`Greenlet::new`], or [`Greenlet::builder`] for a name, stack size or parent |
//! | `g.switch(v)` | [`Greenlet::switch`], returning `Result<V, GreenletError>` |
//! | `greenlet.getcurrent()` | [`Greenlet::current`] |
//! | `g.parent` | [`Greenlet::parent`] |
//! | `g.dead` | [`Greenlet::is_dead`] |
//! | an exception in `run`, raised in the parent | [`GreenletError::Panicked`], returned by the parent's `switch` |
//! | `GreenletExit` thrown into a collected greenlet | dropping the last handle unwinds its stack |
//! | the C stack switch inside greenlet | [`bare::switch`] (x86_64 Linux) |
//!
//! ```
//! use lesson_02_greenlet::Greenlet;
//!
//! // A greenlet that adds up what it is sent until it is sent 0.
//! let adder = Greenlet::<u64>::new(|first| {
//!     let main = Greenlet::main();
//!     let mut total = first;
//!     loop {
//!         // Hand the running total to main; wait for the next number.
//!         match main.switch(total).expect("main is alive") {
//!             0 => return total, // to our parent, main
//!             n => total += n,
//!         }
//!     }
//! });
//! assert_eq!(adder.switch(5)?, 5); // starts it: `first` is 5
//! assert_eq!(adder.switch(10)?, 15); // its `main.switch` returns 10
//! assert_eq!(adder.switch(0)?, 15); // it returns: the value comes back
//! assert!(adder.switch(1).is_err()); // dead: an error, not a panic
//! # Ok::<(), shared::Error>(())
//! ```
//!
//! - [`Greenlet`] is the symmetric switch built on corosensei's asymmetric
//!   coroutines with a trampoline: the main greenlet runs a driver loop,
//!   and a greenlet that switches suspends to the driver with "switch to
//!   X, carrying v". See the [`greenlet`] module.
//! - [`stack`] is the memory a greenlet runs on: one mapping with a
//!   guard page, reused from a per-thread pool when freed, so that
//!   creating greenlets by the hundred thousand (lesson 03's hub) costs no
//!   system call.
//! - [`bare`] is the switch with nothing underneath: a dozen instructions
//!   of assembly that save six registers and swap stack pointers, and a
//!   `Fiber` built on them that runs the same demo.
//!
//! **Values are typed.** A `Greenlet<V>` switches values of one type `V`
//! (default `()`), shared by every greenlet it switches to; Python's
//! `switch(*args)` is dynamic. Why: a typed value moves through a switch
//! in registers or on the stack, with no allocation and no check, which is
//! what keeps a switch at a few nanoseconds. A `Box<dyn Any>` would cost
//! an allocation per non-empty value and a downcast that can fail at run
//! time. A hub that schedules thousands of tasks (lesson 03) needs no
//! values at all: `V = ()`. Greenlets that need several kinds of value
//! switch an enum.
//!
//! **Why `switch` is inlined, and the coroutine never moves.** The CPU
//! predicts each `ret` from a small stack of the return addresses its
//! `call`s pushed. A resumed greenlet continues inside `switch`; if
//! `switch` were a function of its own, its `ret` would go to a caller
//! whose `call` was made before the stack changed, and be mispredicted,
//! every switch. So [`Greenlet::switch`] is `#[inline(always)]`: the
//! greenlet resumes in its caller's own frame. corosensei pairs its
//! `call`s and `ret`s across stacks for the same reason, and [`bare`]
//! shows the effect on its own (`switch_ns_bare_naked`). And the
//! coroutine stays in place in its `RefCell` (borrowed while it runs)
//! instead of being moved out and back on every switch: copying those
//! few dozen bytes through memory the CPU had just written cost more
//! than the switch. With `switch` out of line and the moves, a switch
//! between two greenlets cost 31 ns on the course machine; without
//! them, 7.5.
//!
//! **Run it.**
//!
//! ```text
//! cargo run -p lesson-02-greenlet                     # 12 56 34 78
//! cargo run -p lesson-02-greenlet -- --impl bare      # the same, by hand
//! cargo run -p lesson-02-greenlet -- --sleep-ms 300 --timeline
//! cargo run --release -p lesson-02-greenlet -- measure
//! ```
//!
//! **What to notice.**
//!
//! - A switch is a function call that returns somewhere else. `test1`'s
//!   `gr2.switch()` does not return until somebody switches back to
//!   `gr1`; in between, `test2` ran on its own stack, and `test1`'s locals
//!   sat untouched on `gr1`'s.
//! - Nothing switches by itself. `--sleep-ms 300` puts the seed's
//!   `time.sleep` in `test1`: the thread sleeps, and `gr2` and main with
//!   it; the timeline shows nothing else running during the sleep. A
//!   greenlet only switches where its code says `switch`. Switching *on
//!   every wait*, automatically, is what gevent's hub adds (lesson 03).
//! - `measure`: a greenlet switch is a few nanoseconds, the hand-written
//!   one about one, a round trip between two OS threads microseconds:
//!   hundreds to thousands of times more, for the same "let the other
//!   one run".
//! - `test1` never finishes: after its second switch, `gr2` returns to
//!   main and nobody switches to `gr1` again. When the demo drops it,
//!   its stack is unwound, so its destructors run (Python throws
//!   `GreenletExit` into it when it is collected). The bare fiber cannot
//!   do that, and is leaked instead.

pub mod greenlet;
pub mod stack;

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub mod bare;

use std::cell::{Cell, OnceCell};
use std::fmt;
use std::io;
use std::rc::Rc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use corosensei::Coroutine;
use shared::{Figure, State, Trace, Transcript};

pub use greenlet::{Builder, DEFAULT_STACK_SIZE, Greenlet, GreenletError};
pub use stack::GreenletStack;

/// Whether this build has the hand-written switch ([`bare`]).
pub const BARE_AVAILABLE: bool =
    cfg!(all(target_arch = "x86_64", target_os = "linux"));

// ANCHOR: greenlet_demo
/// The seed's program on [`Greenlet`]: prints `12`, `56`, `34`, `78`.
/// With a `sleep`, `test1` blocks the thread after printing `12`, as the
/// seed's `time.sleep(1)` does.
pub fn greenlet_demo(out: &Transcript, trace: &Trace, sleep: Duration) {
    let main = trace.lane("main");
    let (lane1, lane2) = (trace.lane("gr1"), trace.lane("gr2"));
    let setup = main.span(State::Running, "main");
    // Python's test1 looks `gr2` up by name when it runs, long after both
    // greenlets exist. A Rust closure captures what it uses when it is
    // created, before gr2 exists; so each function gets a cell that main
    // fills once both exist: Python's module globals, made explicit.
    let (gr1_cell, gr2_cell) =
        (Rc::new(OnceCell::new()), Rc::new(OnceCell::new()));

    let test1 = {
        let (out, lane, gr2) = (out.clone(), lane1.clone(), gr2_cell.clone());
        move |()| {
            let gr2: &Greenlet = gr2.get().expect("main set gr2");
            out.say(&lane, "12");
            if !sleep.is_zero() {
                // time.sleep(1): the whole thread stops, not just us.
                let _blocked = lane.span(State::Blocked, "time.sleep");
                thread::sleep(sleep);
            }
            gr2.switch(()).expect("gr2 is alive");
            out.say(&lane, "34");
            gr2.switch(()).expect("gr2 is alive");
            // Never reached: gr2 returns to main, and nobody switches
            // back to us. Dropping gr1 unwinds from that switch.
        }
    };
    let test2 = {
        let (out, lane, gr1) = (out.clone(), lane2.clone(), gr1_cell.clone());
        move |()| {
            let gr1: &Greenlet = gr1.get().expect("main set gr1");
            out.say(&lane, "56");
            gr1.switch(()).expect("gr1 is alive");
            out.say(&lane, "78");
            // Returning switches to our parent, main, with `()`.
        }
    };

    // gr1 = greenlet(test1); gr2 = greenlet(test2)
    let gr1 = Greenlet::builder().name("gr1").trace(lane1);
    let gr1 = gr1.build(test1).expect("map gr1's stack");
    let gr2 = Greenlet::builder().name("gr2").trace(lane2);
    let gr2 = gr2.build(test2).expect("map gr2's stack");
    let _ = gr1_cell.set(gr1.clone());
    let _ = gr2_cell.set(gr2.clone());
    drop(setup);

    // gr1.switch(): returns when test2 returns to its parent, us.
    gr1.switch(()).expect("test1 and test2 do not panic");
    main.mark("back in main");
}
// ANCHOR_END: greenlet_demo

// ANCHOR: bare_demo
/// The same program on hand-written switches ([`bare::Fiber`]).
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub fn bare_demo(
    out: &Transcript,
    trace: &Trace,
    sleep: Duration,
) -> io::Result<()> {
    use bare::Fiber;

    let main = trace.lane("main");
    let (lane1, lane2) = (trace.lane("gr1"), trace.lane("gr2"));
    let (gr1_cell, gr2_cell) =
        (Rc::new(OnceCell::new()), Rc::new(OnceCell::new()));

    let test1 = {
        let (out, lane, gr2) = (out.clone(), lane1.clone(), gr2_cell.clone());
        move || {
            let gr2: &Fiber = gr2.get().expect("main set gr2");
            out.say(&lane, "12");
            if !sleep.is_zero() {
                let _blocked = lane.span(State::Blocked, "time.sleep");
                thread::sleep(sleep);
            }
            gr2.switch().expect("gr2 is alive");
            out.say(&lane, "34");
            gr2.switch().expect("gr2 is alive");
        }
    };
    let test2 = {
        let (out, lane, gr1) = (out.clone(), lane2.clone(), gr1_cell.clone());
        move || {
            let gr1: &Fiber = gr1.get().expect("main set gr1");
            out.say(&lane, "56");
            gr1.switch().expect("gr1 is alive");
            out.say(&lane, "78");
        }
    };

    let gr1 = Fiber::new("gr1", DEFAULT_STACK_SIZE, test1)?;
    let gr2 = Fiber::new("gr2", DEFAULT_STACK_SIZE, test2)?;
    let _ = gr1_cell.set(gr1.clone());
    let _ = gr2_cell.set(gr2.clone());
    gr1.switch().map_err(io::Error::other)?;
    main.mark("back in main");
    Ok(())
}
// ANCHOR_END: bare_demo

/// Which switch runs the demo.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Impl {
    // Plain text, not doc links, in these two: clap prints them in
    // `--help`.
    /// `Greenlet`, on corosensei.
    #[default]
    Greenlet,
    /// `bare`: the hand-written switch (x86_64 Linux only).
    Bare,
}

impl Impl {
    /// Both, in the order the lesson presents them.
    pub const ALL: [Impl; 2] = [Impl::Greenlet, Impl::Bare];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Impl::Greenlet => "greenlet",
            Impl::Bare => "bare",
        }
    }
}

impl fmt::Display for Impl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One run of the demo. The default is the seed: greenlets, no sleep,
/// quiet and untraced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Greenlet or bare.
    pub implementation: Impl,
    /// Milliseconds `test1` blocks after printing 12 (`time.sleep`).
    pub sleep_ms: u64,
    /// Print the transcript to stdout (else only keep it).
    pub echo: bool,
    /// Record a trace for `--timeline` / `--svg`.
    pub trace: bool,
}

/// What a run leaves behind: the lines it said and what ran when.
#[derive(Debug)]
pub struct Run {
    /// Every line said, in order.
    pub transcript: Transcript,
    /// The trace (empty unless `Config::trace`).
    pub trace: Trace,
}

/// Runs the demo with the chosen switch.
///
/// Fails if a stack cannot be mapped, or if `bare` is asked for on a
/// platform other than x86_64 Linux.
pub fn run(config: &Config) -> shared::Result<Run> {
    let trace = Trace::recording(config.trace);
    let out = if config.echo {
        Transcript::stdout()
    } else {
        Transcript::quiet()
    };
    let sleep = Duration::from_millis(config.sleep_ms);
    match config.implementation {
        Impl::Greenlet => greenlet_demo(&out, &trace, sleep),
        Impl::Bare => run_bare(&out, &trace, sleep)?,
    }
    Ok(Run {
        transcript: out,
        trace,
    })
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn run_bare(
    out: &Transcript,
    trace: &Trace,
    sleep: Duration,
) -> io::Result<()> {
    bare_demo(out, trace, sleep)
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
fn run_bare(_: &Transcript, _: &Trace, _: Duration) -> io::Result<()> {
    Err(io::Error::other(
        "--impl bare is not available on this platform: its switch is \
         x86_64 Linux assembly",
    ))
}

// ANCHOR: ping_pong
/// Two greenlets switching to each other: the measured loop of
/// `switch_ns_greenlet`. `ping` does `n` round trips with `pong` (2n
/// one-way switches, each child to child through the driver), then
/// switches back to main.
pub struct PingPong {
    ping: Greenlet<u64>,
    pong: Greenlet<u64>,
}

impl PingPong {
    /// Creates both, with small stacks.
    pub fn new() -> io::Result<PingPong> {
        let pong_cell: Rc<OnceCell<Greenlet<u64>>> = Rc::default();
        let cell = pong_cell.clone();
        let ping = Greenlet::builder().name("ping").stack_size(64 * 1024);
        let ping = ping.build(move |mut round_trips| {
            let pong = cell.get().expect("pong is set").clone();
            let main = Greenlet::main();
            loop {
                for i in 0..round_trips {
                    pong.switch(i).expect("pong loops forever");
                }
                round_trips = main.switch(0).expect("main is alive");
            }
        })?;
        let back = ping.clone();
        let pong = Greenlet::builder().name("pong").stack_size(64 * 1024);
        let pong = pong.build(move |_| {
            loop {
                let i = back.switch(0).expect("ping loops forever");
                std::hint::black_box(i);
            }
        })?;
        let _ = pong_cell.set(pong.clone());
        Ok(PingPong { ping, pong })
    }

    /// `round_trips` round trips between ping and pong.
    pub fn run(&self, round_trips: u64) {
        self.ping.switch(round_trips).expect("ping does not panic");
    }
}

/// Each holds the other on its stack: kill both to break the cycle.
impl Drop for PingPong {
    fn drop(&mut self) {
        let _ = self.ping.kill();
        let _ = self.pong.kill();
    }
}
// ANCHOR_END: ping_pong

/// A greenlet that bounces every switch straight back to main: the
/// measured loop of `switch_ns_greenlet_main`, one stack switch each way.
pub struct Bounce {
    child: Greenlet<u64>,
}

impl Bounce {
    /// Creates the child, with a small stack.
    pub fn new() -> io::Result<Bounce> {
        let child = Greenlet::builder().name("bounce").stack_size(64 * 1024);
        let child = child.build(|mut v| {
            let main = Greenlet::main();
            loop {
                v = main.switch(v).expect("main is alive");
            }
        })?;
        Ok(Bounce { child })
    }

    /// `round_trips` switches main to child and back.
    pub fn run(&self, round_trips: u64) {
        for i in 0..round_trips {
            let back = self.child.switch(i).expect("bounce loops forever");
            std::hint::black_box(back);
        }
    }
}

/// A raw corosensei coroutine that suspends forever: the measured loop of
/// `resume_suspend_ns_corosensei`.
pub struct RawCoroutine {
    co: Coroutine<u64, u64, ()>,
}

impl RawCoroutine {
    /// Creates it.
    pub fn new() -> io::Result<RawCoroutine> {
        let stack = corosensei::stack::DefaultStack::new(64 * 1024)?;
        let co = Coroutine::with_stack(stack, |yielder, mut v| {
            loop {
                v = yielder.suspend(v);
            }
        });
        Ok(RawCoroutine { co })
    }

    /// `n` resumes, each answered by a suspend.
    pub fn run(&mut self, n: u64) {
        for i in 0..n {
            std::hint::black_box(self.co.resume(i));
        }
    }
}

/// A bare fiber that bounces every switch straight back to main: the
/// measured loop of `switch_ns_bare`.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub struct BareBounce {
    fiber: bare::Fiber,
    stop: Rc<Cell<bool>>,
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
impl BareBounce {
    /// Creates the fiber, with a small stack.
    pub fn new() -> io::Result<BareBounce> {
        let stop = Rc::new(Cell::new(false));
        let flag = stop.clone();
        let fiber = bare::Fiber::new("bounce", 64 * 1024, move || {
            let main = bare::Fiber::main();
            while !flag.get() {
                main.switch().expect("main is alive");
            }
        })?;
        Ok(BareBounce { fiber, stop })
    }

    /// `round_trips` switches main to fiber and back.
    pub fn run(&self, round_trips: u64) {
        for _ in 0..round_trips {
            self.fiber.switch().expect("the fiber loops until stopped");
        }
    }
}

/// Lets the fiber's loop end, so it finishes and its stack is freed (a
/// bare fiber that never finishes is leaked).
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
impl Drop for BareBounce {
    fn drop(&mut self) {
        self.stop.set(true);
        let _ = self.fiber.switch();
    }
}

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

/// The costs the lesson compares, as `name=value unit` figures:
///
/// - `switch_ns_greenlet`: one switch between two greenlets (through the
///   driver: two stack switches), over `switches / 2` round trips;
/// - `switch_ns_greenlet_main`: one switch between main and a greenlet
///   (one stack switch);
/// - `resume_suspend_ns_corosensei`: a raw corosensei resume plus the
///   suspend that answers it;
/// - `switch_ns_bare`: one hand-written switch (x86_64 Linux only);
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

    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    {
        use bare::{RawBounce, RawSwitch};
        for (name, how) in [
            ("switch_ns_bare", RawSwitch::Jump),
            ("switch_ns_bare_naked", RawSwitch::Naked),
        ] {
            let mut raw = RawBounce::new(how).expect("map a small stack");
            let ns = shared::ns_per_iter(rounds, trips, |n| raw.run(n));
            figures.push(Figure::new(name, ns / 2.0, "ns"));
        }
        let bounce = BareBounce::new().expect("map a small stack");
        let ns = shared::ns_per_iter(rounds, trips, |n| bounce.run(n));
        figures.push(Figure::new("switch_ns_bare_fiber", ns / 2.0, "ns"));
    }

    let thread_trips = (switches / 1000).max(100);
    for how in Handoff::ALL {
        let ns = thread_round_trip_ns(how, thread_trips, rounds);
        let name = format!("round_trip_ns_thread_{}", how.name());
        figures.push(Figure::new(name, ns, "ns"));
    }
    figures
}
