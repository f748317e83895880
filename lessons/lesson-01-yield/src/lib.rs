//! Lesson 01: a consumer that pauses at `yield`, built three ways.
//!
//! **Python original.** The course's baozi demo (and its variant with
//! `time.sleep(1)` in the consumer): the generator `consumer(name)` prints
//! `--->starting eating baozi...` and then loops on `new_baozi = yield`,
//! printing `[c1] is eating baozi 3` for every baozi it is sent;
//! `producer()` primes `con` and `con2` with `__next__()`, then for `n` in
//! 1..=5 does `con.send(n)`, `con2.send(n)` and prints the green
//! `[producer] is making baozi n`.
//!
//! **Rust mapping.** Python's generator is a function that can stop in the
//! middle and be resumed later, with its locals intact. Rust has three
//! honest ways to get that, and this lesson builds all three behind one
//! [`Consumer`] trait so that they print the same transcript:
//!
//! | Python | Rust |
//! |---|---|
//! | `con = consumer("c1")` | [`Variant::build`]: created, nothing run yet |
//! | `next(con)` | [`Consumer::start`] (the priming resume) |
//! | `con.send(n)` | [`Consumer::send`] |
//! | `new_baozi = yield` | [`Co::yield_`], a `return`, or a blocked `recv` |
//! | `StopIteration` | the value [`GeneratorError::Finished`] |
//! | an exception in the body | the value [`GeneratorError::Panicked`] |
//!
//! The generator on its own, with Python's rules about the first resume
//! and a finished generator:
//!
//! ```
//! use lesson_01_yield::{Generator, GeneratorError, Resumed};
//!
//! // def doubler(): x = yield "ready"; return x * 2
//! let mut doubler = Generator::<u32, &str, u32>::new("doubler", |co| {
//!     let x = co.yield_("ready");
//!     x * 2
//! })?;
//! let early = doubler.send(1);
//! assert!(matches!(early, Err(GeneratorError::NotStarted { .. })));
//! assert_eq!(doubler.start()?, Resumed::Yielded("ready")); // next(d)
//! assert_eq!(doubler.send(21)?, Resumed::Returned(42)); // StopIteration(42)
//! let late = doubler.send(1);
//! assert!(matches!(late, Err(GeneratorError::Finished { .. })));
//! # Ok::<(), shared::Error>(())
//! ```
//!
//! One file per idea:
//!
//! - `generator.rs`: [`Generator`], a stackful coroutine (corosensei) with
//!   Python's `next`/`send` rules; `error.rs`: [`GeneratorError`].
//! - `consumer.rs`: the [`Eater`] (what a consumer does) and the
//!   [`Consumer`] (how it pauses) traits.
//! - `coroutine.rs`: [`CoroutineConsumer`], the consumer on its own stack.
//! - `state_machine.rs`: [`StateMachineConsumer`], the same consumer as the
//!   enum and `match` that rustc makes of a generator or an `async fn`. No
//!   stack of its own, no switch: a `resume` is a function call.
//! - `thread.rs`: [`ThreadConsumer`], an OS thread and two rendezvous
//!   channels: the way without coroutines, and what it costs (two kernel
//!   wake-ups per baozi).
//! - `producer.rs`: the course's [`producer`], which drives any of them.
//! - `run.rs`: one run of the demo ([`run`], [`Config`], [`Variant`]);
//!   `measure.rs`: the cost of one send ([`measure`]).
//!
//! **Run it.**
//!
//! ```text
//! cargo run -p lesson-01-yield                       # the Python output
//! cargo run -p lesson-01-yield -- --eat-ms 200 --timeline
//! cargo run -p lesson-01-yield -- --variant thread   # same lines, threads
//! cargo run -p lesson-01-yield -- --consumers 3 --baozi 7
//! cargo run --release -p lesson-01-yield -- measure  # cost of one send
//! ```
//!
//! **What to notice.**
//!
//! - The order of the lines is the whole lesson: `c1` eats, then `c2`, then
//!   the producer makes the next baozi. Nothing runs "at the same time";
//!   each `send` runs the consumer up to its next `yield` and comes back.
//!   That is cooperative multitasking with one thread and no locks.
//! - `--eat-ms 200` is the course's `time.sleep(1)`: a *blocking* sleep
//!   inside a generator stops the producer and every other consumer too,
//!   because they all share one thread. The timeline shows the `eat` spans
//!   one after another, never overlapping. A `yield` is not an IO
//!   scheduler; lesson 03 (gevent) adds the part that switches away
//!   *while* waiting.
//! - `measure`: a send to the coroutine costs a few nanoseconds (a stack
//!   switch there and back), to the state machine a fraction of one (it is
//!   a plain call that inlines into the producer's loop), to the thread
//!   microseconds (two trips through the kernel's scheduler, and more when
//!   the other thread sits on another, idle core that must be woken first;
//!   compare with `taskset -c 0`): three or more orders of magnitude apart,
//!   for the same transcript. `send_ns_bare_corosensei`, timed in the
//!   same rounds, is the bare resume + suspend under the coroutine's
//!   send: the two come out within noise of each other, because the
//!   send's value travels as a `MaybeUninit` (see [`Generator`]).
//! - Python insists that the first resume carries no value
//!   (`TypeError: can't send non-None value to a just-started generator`):
//!   the first resume runs the body from its first line to its first
//!   `yield`, and there is no `yield` yet to receive a value. Here that is
//!   a separate method, [`Generator::start`], and `send` before `start` is
//!   the error value [`GeneratorError::NotStarted`].

mod consumer;
mod coroutine;
mod error;
mod generator;
mod measure;
mod producer;
mod run;
mod state_machine;
mod thread;

pub use consumer::{Consumer, Eater};
pub use coroutine::CoroutineConsumer;
pub use error::GeneratorError;
pub use generator::{Co, Generator, Resumed, STACK_SIZE};
pub use measure::{measure, nibble, send_many};
pub use producer::producer;
pub use run::{Config, Run, Table, Variant, run};
pub use state_machine::StateMachineConsumer;
pub use thread::ThreadConsumer;
