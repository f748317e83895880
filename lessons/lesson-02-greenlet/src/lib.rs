//! Lesson 02: greenlets, functions that switch to each other by hand, on
//! stackful coroutines; and the switch itself, written in assembly.
//!
//! **Python original.** The course's greenlet demo (and its second
//! version, which adds a `time.sleep(1)` to `test1`): two greenlets, `gr1 = greenlet(test1)` and `gr2 = greenlet(test2)`.
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
//!   X, carrying v". A dead greenlet's memory can build the next one
//!   ([`Greenlet::into_shell`], [`Builder::build_in`]): no allocation.
//! - [`stack`] is the memory a greenlet runs on: one mapping with a
//!   guard page, reused from a per-thread pool when freed, so that
//!   creating greenlets by the hundred thousand (lesson 03's hub) costs no
//!   system call.
//! - [`bare`] is the switch with nothing underneath: a dozen instructions
//!   of assembly that save six registers and swap stack pointers, and a
//!   `Fiber` built on them that runs the same demo.
//! - [`demo`] is the course's program on greenlets, [`run`](mod@run) runs
//!   it as the binary and the tests ask, and [`measure`](mod@measure)
//!   times the loops of [`loops`] and, for contrast, the OS-thread
//!   hand-offs of [`handoff`]. What differs by platform is in one
//!   private module, `arch`.
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
//! than the switch. Marking `switch` `#[inline(never)]` instead makes a
//! switch between two greenlets about four times dearer: `measure` gave
//! 105 to 126 ns against 29 to 32 ns, three runs each way side by side
//! on the busy course machine (2026-12-04).
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
//! - Nothing switches by itself. `--sleep-ms 300` puts the course's
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

#[macro_use]
mod arch;

pub mod demo;
pub mod greenlet;
pub mod handoff;
pub mod loops;
pub mod measure;
pub mod run;
pub mod stack;

bare_only! {
    pub mod bare;
    pub use bare::{BareBounce, bare_demo};
}

pub use arch::BARE_AVAILABLE;
pub use demo::{Who, greenlet_demo};
pub use greenlet::{
    Builder, DEFAULT_STACK_SIZE, Greenlet, GreenletError, Shell,
};
pub use handoff::{Handoff, thread_round_trip_ns};
pub use loops::{Bounce, PingPong, RawCoroutine};
pub use measure::measure;
pub use run::{Config, Impl, Run, run};
pub use stack::GreenletStack;
