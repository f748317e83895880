//! Lesson 03: gevent's `spawn`/`joinall` — our own hub on lesson 02's
//! greenlets, then the same programs on `may` and on tokio.
//!
//! **Python original.** The course's gevent demo: `foo`, `bar` and
//! `func3` each print, `gevent.sleep` 2 s, 1 s and 0 s, and print again,
//! run by `gevent.joinall([gevent.spawn(foo), gevent.spawn(bar),
//! gevent.spawn(func3)])`; they print the six lines of
//! [`GEVENT_TRANSCRIPT`]. Then `task(pid)`, which does `gevent.sleep(0.5)`
//! and prints `Task {pid} done`, run by `synchronous()` one after another
//! (the course's `range(1, 10)`: nine tasks, a quirk we keep) and by
//! `asynchronous()` as ten spawned greenlets joined with `joinall`.
//! Further down, the course's `monkey.patch_all()` turns the standard
//! library's blocking calls into ones that switch, for a socket server
//! that a later lesson builds; the programs here only sleep.
//!
//! **Rust mapping.** The same two programs on three runtimes, chosen with
//! [`Runtime`] (`--runtime hub|may|tokio`):
//!
//! | gevent | [`hub`] (ours) | [`on_may`] | [`on_tokio`] |
//! |---|---|---|---|
//! | the hub: libev's loop in a greenlet | [`hub::run`]: a greenlet with a ready queue and a timer heap | may's scheduler: worker threads and a timer thread | a runtime: [`on_tokio::runtime`] |
//! | `gevent.spawn(f)` | [`hub::spawn`]: a greenlet | [`on_may::spawn`]: a coroutine (`go!`) | [`on_tokio::spawn`]: a task (`tokio::spawn`) |
//! | `gevent.joinall(gs)` | [`hub::joinall`] | [`on_may::joinall`] | [`on_tokio::joinall`] (`join_all`) |
//! | `gevent.sleep(d)` | [`hub::sleep`]: a timer, then switch to the hub | [`on_may::sleep`] | [`on_tokio::sleep`]`(d).await` |
//! | `gevent.sleep(0)` | [`hub::sleep`]`(ZERO)`: back of the ready queue | `yield_now` | `yield_now().await` |
//! | `monkey.patch_all()` | none: call [`hub::sleep`], never `thread::sleep` | none: call may's own sleep, or add workers | none: `.await` tokio's calls; `spawn_blocking` for the rest |
//! | an exception in a greenlet | [`TaskError::Panicked`] from `joinall` | the same | the same |
//!
//! The hub is gevent's own design, small enough to read in one sitting:
//! one OS thread, every task a greenlet (lesson 02), and the hub the only
//! place that waits; a finished task's greenlet and record are built into
//! the next task's, so a warm hub spawns without allocating. may is the same idea industrialised: stackful
//! coroutines, but on several worker threads if asked. tokio has no
//! stacks at all: a task is a future, a state machine the compiler wrote,
//! and it can only pause at an `.await`.
//!
//! The course's first program, on each runtime, in a thousandth of its
//! time:
//!
//! ```
//! use clap::ValueEnum;
//! use lesson_03_gevent::{GEVENT_TRANSCRIPT, Runtime, Scale, gevent_demo};
//! use shared::{Trace, Transcript};
//!
//! for &runtime in Runtime::value_variants() {
//!     let out = Transcript::quiet();
//!     let scale = Scale::new(0.001)?;
//!     gevent_demo(runtime, scale, 1, &out, &Trace::disabled())?;
//!     assert_eq!(out.lines(), GEVENT_TRANSCRIPT);
//! }
//! # Ok::<(), shared::Error>(())
//! ```
//!
//! **The files.** [`Runtime`] and [`TaskError`] (`runtime.rs`) are what
//! the three runtimes share; the course's two programs and their one
//! check of the input are in `demo.rs` ([`gevent_demo`], [`tasks_demo`],
//! [`Scale`], [`TasksConfig`]); [`hub`], [`on_may`] and [`on_tokio`] run
//! them. Spawning many tasks and what one costs is `spawning.rs`
//! ([`Contender`], [`AnySpawner`], [`spawn_report`], with OS [`threads`]
//! as the control group and [`memory`] reading the kernel's figures);
//! [`sweep`] runs it against the number of tasks, [`measure()`] prints
//! every figure, and [`run`] is what the binary's commands print.
//! [`panic_in`] makes a task panic on purpose, to show where its panic
//! goes.
//!
//! **Run it.**
//!
//! ```text
//! cargo run -p lesson-03-gevent                          # gevent's six lines (3 s)
//! cargo run -p lesson-03-gevent -- --runtime tokio --scale 0.1 --timeline
//! cargo run -p lesson-03-gevent -- tasks                 # sync 4.5 s, async 0.5 s
//! cargo run -p lesson-03-gevent -- tasks --blocking --timeline
//! cargo run -p lesson-03-gevent -- tasks --runtime may --workers 2 --blocking
//! cargo run -p lesson-03-gevent -- tasks --runtime tokio --blocking --spawn-blocking
//! cargo run --release -p lesson-03-gevent -- spawn --count 100000 --runtime tokio
//! cargo run --release -p lesson-03-gevent -- spawn --count 1000 --os-threads
//! cargo run --release -p lesson-03-gevent -- sweep --svg sweep.svg
//! cargo run --release -p lesson-03-gevent -- measure     # every figure
//! ```
//!
//! `--runtime` and `--workers` go before or after the subcommand; with
//! `--workers 2`, may and tokio run on two OS threads (tokio's
//! multi-thread runtime) and the six lines may come out in another order.
//!
//! **What to notice.**
//!
//! - The six lines come out in the same order on every runtime with one
//!   thread: `foo` sleeps first, so `bar` runs; `bar` sleeps, so `func3`
//!   runs; its `sleep(0)` only yields, and nothing else is ready, so it
//!   goes on. Every switch happens at a sleep; nothing is preempted.
//! - `tasks`: nine sleeps one after another take 4.5 s, ten at once take
//!   0.5 s, on one thread. Async wins on *waiting*, not on work: the ten
//!   sleeps overlap on the timeline (`--timeline`) and the CPU is idle.
//! - `tasks --blocking`: one task calls `std::thread::sleep` and every
//!   other task on its thread waits behind it (the async total doubles).
//!   That is why gevent needs `monkey.patch_all()`: a call that does not
//!   switch to the hub blocks the hub. The fixes are the runtime's own
//!   sleep, tokio's `spawn_blocking`, or more may/tokio workers.
//! - `spawn`: spawning and joining a task costs a few hundred
//!   nanoseconds to a microsecond on each runtime, an OS thread about
//!   90 µs. In memory, a hub greenlet costs about 4.5 KiB resident (one
//!   touched page of its 32 KiB stack, and its bookkeeping), a may
//!   coroutine about 9.5 KiB (two pages of its stack, and may's
//!   bookkeeping), an OS thread about 9.5 KiB resident (of 2 MiB of
//!   stack reserved, and kernel memory that `VmRSS` does not show), and a
//!   tokio task about 460 B: its future's state machine and a header, no
//!   stack at all. Resident memory comes in whole pages, which is why
//!   stackful tasks cost pages and stackless ones bytes. For scale:
//!   gevent, measured on this machine, 16 to 23 µs per spawned and joined
//!   greenlet and 4.4 to 8.3 KiB per live one.

pub mod hub;
pub mod measure;
pub mod memory;
pub mod on_may;
pub mod on_tokio;
pub mod panic_in;
pub mod run;
pub mod sweep;
pub mod threads;

mod demo;
mod runtime;
mod spawning;

pub use demo::{
    GEVENT_TRANSCRIPT, MAX_ASLEEP, MAX_DELAY, MAX_TASKS, Scale, TasksConfig,
    TasksReport, gevent_demo, tasks_demo,
};
pub use measure::{Sizes, measure, spawn_figures};
pub use runtime::{MAX_WORKERS, Runtime, TaskError, task_name};
pub use spawning::{
    AnySpawner, Contender, SpawnReport, WARM_BATCHES, spawn_report,
    spawn_report_on,
};
