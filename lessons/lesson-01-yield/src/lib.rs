//! Lesson 01: a consumer that pauses at `yield`, built three ways.
//!
//! **Python original.** `../shared/seeds/004_ef699e389cc80635.txt` (and the
//! `time.sleep(1)` variant in `002_4a3846ad69afcffc.txt`): the generator
//! `consumer(name)` prints `--->starting eating baozi...` and then loops on
//! `new_baozi = yield`, printing `[c1] is eating baozi 3` for every baozi it
//! is sent; `producer()` primes `con` and `con2` with `__next__()`, then for
//! `n` in 1..=5 does `con.send(n)`, `con2.send(n)` and prints the green
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
//! - [`Generator`] wraps a `corosensei::Coroutine`: a *stackful* coroutine
//!   with its own 1 MiB (virtual) stack. `yield` saves a handful of
//!   registers and switches the stack pointer; nothing else moves. This is
//!   what greenlet does for Python, and what lesson 02 builds on.
//! - [`StateMachineConsumer`] is the same consumer written by hand as an
//!   enum and a `match`: the shape the Rust compiler turns a generator or
//!   an `async fn` into. No stack of its own, no switch: a `resume` is a
//!   function call.
//! - [`ThreadConsumer`] pretends to be a generator with an OS thread and
//!   two rendezvous channels: the way you would do it without coroutines,
//!   and what it costs (two kernel wake-ups per baozi).
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
//! - `--eat-ms 200` is the seed's `time.sleep(1)`: a *blocking* sleep inside
//!   a generator stops the producer and every other consumer too, because
//!   they all share one thread. The timeline shows the `eat` spans one after
//!   another, never overlapping. A `yield` is not an IO scheduler; lesson 03
//!   (gevent) adds the part that switches away *while* waiting.
//! - `measure`: a send to the coroutine costs a few nanoseconds (a stack
//!   switch there and back), to the state machine a fraction of one (it is
//!   a plain call that inlines into the producer's loop), to the thread
//!   microseconds (two trips through the kernel's scheduler; tens of them
//!   when the other thread sits on another, idle core, a few under
//!   `taskset -c 0`): three or more orders of magnitude apart, for the
//!   same transcript.
//! - Python insists that the first resume carries no value
//!   (`TypeError: can't send non-None value to a just-started generator`):
//!   the first resume runs the body from its first line to its first
//!   `yield`, and there is no `yield` yet to receive a value. Here that is
//!   a separate method, [`Generator::start`], and `send` before `start` is
//!   the error value [`GeneratorError::NotStarted`].

use std::fmt;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult};
use shared::transcript::Colour;
use shared::{Figure, Lane, State, Trace, Transcript};

/// The stack each [`Generator`] gets: corosensei's default, 1 MiB of
/// address space. Only the pages the body touches become real memory (a
/// consumer touches a few KiB), so a thousand generators cost a few MiB,
/// not a GiB. Big enough that a panic inside the body can print its
/// message (and a backtrace, with `RUST_BACKTRACE=1`) without overflowing.
pub const STACK_SIZE: usize = 1024 * 1024;

// ANCHOR: generator
/// A Python-style generator: a body that runs on its own stack and stops
/// at every [`Co::yield_`] until it is resumed. `S` is what `send` passes
/// in (the value of Python's `yield` expression), `Y` what the body
/// yields out, `R` what it returns.
///
/// Dropping a generator that is paused at a `yield` unwinds its stack
/// from that `yield`, so the body's locals are dropped as if it had
/// returned there (Python's `gen.close()` raises `GeneratorExit` at the
/// `yield` for the same reason). A body must therefore not swallow panics
/// around a `yield` with `catch_unwind`: the unwind is how it is closed.
pub struct Generator<S, Y = (), R = ()> {
    name: String,
    // The input is `Option<S>` inside: corosensei hands the *first*
    // resume's input to the closure as its argument, but the first resume
    // is Python's `next()`, which has no value to give. `start` resumes
    // with `None` (dropped unread) and `send` with `Some`, so the body only
    // ever sees values, exactly as Python's `yield` only sees sent ones.
    coroutine: Coroutine<Option<S>, Y, R>,
}

/// The body's handle for suspending itself: Python's `yield` keyword, as
/// a method (`yield` is a reserved word in Rust).
pub struct Co<'a, S, Y> {
    yielder: &'a corosensei::Yielder<Option<S>, Y>,
}

impl<S, Y> Co<'_, S, Y> {
    /// Suspends the body, handing `value` to whoever resumed it, and
    /// returns the value of the next `send`: `new_baozi = yield`.
    ///
    /// Here the stack switches: corosensei saves the callee-saved registers
    /// on this stack, loads the resumer's stack pointer and returns into
    /// `resume` there. Our locals stay put on our stack until we come back.
    pub fn yield_(&self, value: Y) -> S {
        // Only `start` resumes with `None`, and only once, before the body
        // has reached any `yield`; every later resume is a `send`.
        self.yielder
            .suspend(value)
            .expect("only the first resume carries no value")
    }
}

impl<S: 'static, Y: 'static, R: 'static> Generator<S, Y, R> {
    /// Creates a suspended generator: like calling a Python generator
    /// function, nothing of `body` runs until [`Generator::start`].
    ///
    /// Fails only if the operating system will not map a new stack.
    pub fn new<F>(name: impl Into<String>, body: F) -> io::Result<Self>
    where
        F: FnOnce(Co<'_, S, Y>) -> R + 'static,
    {
        let name = name.into();
        let stack = DefaultStack::new(STACK_SIZE).map_err(|e| {
            io::Error::new(e.kind(), format!("no stack for {name}: {e}"))
        })?;
        let coroutine =
            Coroutine::with_stack(stack, move |yielder, first: Option<S>| {
                // The first input is `start`'s `None`: nothing to read.
                debug_assert!(first.is_none(), "start resumes with None");
                drop(first);
                body(Co { yielder })
            });
        Ok(Generator { name, coroutine })
    }

    /// Python's priming `next(gen)`: runs the body from its first line to
    /// its first `yield` (or to its end).
    pub fn start(&mut self) -> Result<Resumed<Y, R>, GeneratorError> {
        if self.coroutine.done() {
            return Err(self.finished());
        }
        if self.coroutine.started() {
            let name = self.name.clone();
            return Err(GeneratorError::AlreadyStarted { name });
        }
        self.resume(None)
    }

    /// Python's `gen.send(value)`: `value` becomes the result of the
    /// `yield` the body is stopped at, and the body runs to its next one.
    pub fn send(&mut self, value: S) -> Result<Resumed<Y, R>, GeneratorError> {
        if self.coroutine.done() {
            return Err(self.finished());
        }
        if !self.coroutine.started() {
            let name = self.name.clone();
            return Err(GeneratorError::NotStarted { name });
        }
        self.resume(Some(value))
    }

    /// The one place the producer's stack switches to the body's.
    fn resume(
        &mut self,
        input: Option<S>,
    ) -> Result<Resumed<Y, R>, GeneratorError> {
        // A panic in the body unwinds the body's stack (corosensei catches
        // it at the bottom of that stack), then is re-raised here, on ours.
        // We catch it again and return it as a value. `AssertUnwindSafe`:
        // after a panic the coroutine is done, and nothing it left
        // half-updated can be reached through `self` any more.
        let coroutine = &mut self.coroutine;
        match panic::catch_unwind(AssertUnwindSafe(|| coroutine.resume(input)))
        {
            Ok(CoroutineResult::Yield(value)) => Ok(Resumed::Yielded(value)),
            Ok(CoroutineResult::Return(value)) => Ok(Resumed::Returned(value)),
            Err(payload) => Err(GeneratorError::Panicked {
                name: self.name.clone(),
                message: shared::panic_message(payload.as_ref()),
            }),
        }
    }
}
// ANCHOR_END: generator

/// What went wrong when resuming a generator (or anything that pretends to
/// be one). Every variant names the generator, so a message that reaches
/// `main` says which consumer it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GeneratorError {
    /// `send` before `start`. Python: `TypeError: can't send non-None value
    /// to a just-started generator`.
    NotStarted {
        /// The generator's name.
        name: String,
    },
    /// `start` twice. (Python's `next()` on a running generator would
    /// send `None`; a typed generator has no `None` to send.)
    AlreadyStarted {
        /// The generator's name.
        name: String,
    },
    /// Resumed after its body returned or panicked. Python raises
    /// `StopIteration` again; we return this instead of panicking.
    Finished {
        /// The generator's name.
        name: String,
    },
    /// The body panicked. The panic was caught at the resume, so it
    /// reaches the caller as a value; the generator is finished after it.
    Panicked {
        /// The generator's name.
        name: String,
        /// The panic's message.
        message: String,
    },
}

/// What a resume gave back: Python's `yield value`, or `return value`
/// (which Python delivers as `StopIteration(value)`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resumed<Y, R> {
    /// The body stopped at a `yield` and can be resumed again.
    Yielded(Y),
    /// The body returned; the generator is finished.
    Returned(R),
}

impl<S, Y, R> Generator<S, Y, R> {
    fn finished(&self) -> GeneratorError {
        let name = self.name.clone();
        GeneratorError::Finished { name }
    }

    /// The name given to [`Generator::new`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether `start` has run (true also once finished).
    pub fn is_started(&self) -> bool {
        self.coroutine.started()
    }

    /// Whether the body returned or panicked: every resume is now an
    /// error.
    pub fn is_finished(&self) -> bool {
        self.coroutine.done()
    }
}

impl<S, Y, R> fmt::Debug for Generator<S, Y, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Generator")
            .field("name", &self.name)
            .field("started", &self.coroutine.started())
            .field("finished", &self.coroutine.done())
            .finish()
    }
}

impl fmt::Display for GeneratorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeneratorError::NotStarted { name } => write!(
                f,
                "{name} was sent a value before start() ran it to its \
                 first yield (Python: TypeError: can't send non-None value \
                 to a just-started generator)"
            ),
            GeneratorError::AlreadyStarted { name } => {
                write!(f, "{name} was started twice")
            }
            GeneratorError::Finished { name } => write!(
                f,
                "{name} has finished and cannot be resumed \
                 (Python: StopIteration)"
            ),
            GeneratorError::Panicked { name, message } => {
                write!(f, "{name} panicked: {message}")
            }
        }
    }
}

impl std::error::Error for GeneratorError {}

// ANCHOR: consumer_trait
/// What every consumer does at its two moments: once when it is started
/// (the lines before Python's `while True`), and with each baozi (the loop
/// body). All three variants run the same `Eater`, so they print the same
/// transcript; only *how they pause between baozi* differs.
pub trait Eater {
    /// Runs once, on `start`: Python's `print("--->starting eating
    /// baozi...")`. Does nothing unless overridden.
    fn sit_down(&mut self, name: &str) {
        let _ = name;
    }

    /// Runs for every baozi sent: the body of Python's `while True`.
    fn eat(&mut self, name: &str, baozi: u32);
}

/// Any `FnMut(name, baozi)` is an eater that sits down silently: what the
/// measurements (`std::hint::black_box`) and the tests (a consumer that
/// panics on baozi 3) use.
impl<F: FnMut(&str, u32)> Eater for F {
    fn eat(&mut self, name: &str, baozi: u32) {
        self(name, baozi)
    }
}

/// A consumer: anything that can be primed and then sent baozi, and
/// pauses in between. Python's generator object, as a trait.
pub trait Consumer {
    /// The consumer's name, `c1`, `c2`, ...
    fn name(&self) -> &str;

    /// Python's priming `next(con)`: runs the consumer up to its first
    /// `yield`.
    fn start(&mut self) -> Result<(), GeneratorError>;

    /// Python's `con.send(baozi)`: resumes the consumer with a baozi and
    /// returns when it is paused at its `yield` again.
    fn send(&mut self, baozi: u32) -> Result<(), GeneratorError>;
}
// ANCHOR_END: consumer_trait

/// A boxed consumer is a consumer, so [`producer`] takes a `&mut [C]` of
/// concrete consumers (monomorphised, as the measurements need) or of
/// `Box<dyn Consumer>` (mixed, as `run` builds them).
impl<C: Consumer + ?Sized> Consumer for Box<C> {
    fn name(&self) -> &str {
        (**self).name()
    }

    fn start(&mut self) -> Result<(), GeneratorError> {
        (**self).start()
    }

    fn send(&mut self, baozi: u32) -> Result<(), GeneratorError> {
        (**self).send(baozi)
    }
}

/// The demo's eater: says its lines through the [`Transcript`] on the
/// consumer's lane, and records each baozi as an `eat N` span.
#[derive(Clone, Debug)]
pub struct Table {
    out: Transcript,
    lane: Lane,
    eat_for: Duration,
}

impl Table {
    /// An eater that prints to `out`, records on `lane`, and takes
    /// `eat_for` over each baozi (zero: the seed without `time.sleep`).
    pub fn new(out: Transcript, lane: Lane, eat_for: Duration) -> Table {
        Table { out, lane, eat_for }
    }
}

impl Eater for Table {
    fn sit_down(&mut self, _name: &str) {
        self.out.say(&self.lane, "--->starting eating baozi...");
    }

    fn eat(&mut self, name: &str, baozi: u32) {
        // `thread::sleep` is the seed's `time.sleep(1)`: a *blocking* call.
        // The whole OS thread stops, and with it the producer and every
        // other consumer on it, hence `Blocked` and not `Waiting`.
        let state = if self.eat_for.is_zero() {
            State::Running
        } else {
            State::Blocked
        };
        let _eating = self.lane.span(state, format!("eat {baozi}"));
        self.out
            .say(&self.lane, format!("[{name}] is eating baozi {baozi}"));
        if !self.eat_for.is_zero() {
            thread::sleep(self.eat_for);
        }
    }
}

// ANCHOR: coroutine
/// The consumer as a stackful coroutine: the seed's generator almost line
/// for line, running on its own stack inside a [`Generator`].
pub struct CoroutineConsumer {
    generator: Generator<u32>,
}

impl CoroutineConsumer {
    /// Creates the consumer, suspended before its first line.
    pub fn new<E>(name: impl Into<String>, mut eater: E) -> io::Result<Self>
    where
        E: Eater + 'static,
    {
        let name = name.into();
        let me = name.clone();
        let generator = Generator::new(name, move |co: Co<'_, u32, ()>| {
            // def consumer(name):
            //     print("--->starting eating baozi...")
            eater.sit_down(&me);
            // while True:
            loop {
                // new_baozi = yield  -- the stack switch back to the
                // producer. `me`, `eater` and this loop stay on this stack.
                let new_baozi = co.yield_(());
                // print("[%s] is eating baozi %s" % (name, new_baozi))
                eater.eat(&me, new_baozi);
            }
        })?;
        Ok(CoroutineConsumer { generator })
    }
}

impl Consumer for CoroutineConsumer {
    fn name(&self) -> &str {
        self.generator.name()
    }

    fn start(&mut self) -> Result<(), GeneratorError> {
        self.generator.start().map(drop)
    }

    fn send(&mut self, baozi: u32) -> Result<(), GeneratorError> {
        self.generator.send(baozi).map(drop)
    }
}
// ANCHOR_END: coroutine

// ANCHOR: state_machine
/// Where a [`StateMachineConsumer`] is stopped. A compiler turns a
/// generator (or an `async fn`) into exactly this: one state per place
/// the body can be paused, plus "not started" and "done". rustc calls
/// them `Unresumed`, `Suspend0`, `Returned` and `Poisoned`.
///
/// ```text
///            start(): sit down           send(n): eat n
///   Created ──────────────────▶ AtYield ◀───────────┐
///                                  │  └─────────────┘
///                                  │ the eater panicked
///                                  ▼
///                               Finished
///
///   send before start, start twice, any resume once Finished:
///   an error value, and the state stays where it was.
/// ```
///
/// A state holds the locals that are alive across its pause. At the
/// seed's one `yield` those are `name` (and our eater); `new_baozi` is
/// born after the pause, so no state stores it. That is why a state
/// machine needs no stack of its own: the struct *is* the saved frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// Created, not started: no line of the body has run.
    Created,
    /// Paused at `new_baozi = yield`, waiting for a baozi.
    AtYield,
    /// Panicked (the seed's `while True` never returns).
    Finished,
}

/// The consumer as a hand-written state machine: no stack, no switch;
/// "resuming" is a function call that matches on the saved state.
#[derive(Debug)]
pub struct StateMachineConsumer<E> {
    name: String,
    eater: E,
    step: Step,
}

impl<E: Eater> StateMachineConsumer<E> {
    /// Creates the consumer in state `Created`.
    pub fn new(name: impl Into<String>, eater: E) -> Self {
        let name = name.into();
        StateMachineConsumer {
            name,
            eater,
            step: Step::Created,
        }
    }

    /// The generated `resume`: one arm per (state, input), each running
    /// the body from where the state says it stopped to the next pause.
    /// `None` is Python's `next()`, `Some(n)` its `send(n)`.
    fn resume(&mut self, input: Option<u32>) -> Result<(), GeneratorError> {
        let name = &self.name;
        let eater = &mut self.eater;
        let ran = match (self.step, input) {
            // From the top of the body to the first `yield`.
            (Step::Created, None) => {
                let ran = catch(|| eater.sit_down(name));
                self.step = Step::AtYield;
                ran
            }
            // From the `yield`, around the loop, back to the `yield`: the
            // state does not change, as the body stops at the same place.
            (Step::AtYield, Some(new_baozi)) => {
                catch(|| eater.eat(name, new_baozi))
            }
            (Step::Created, Some(_)) => {
                let name = name.clone();
                return Err(GeneratorError::NotStarted { name });
            }
            (Step::AtYield, None) => {
                let name = name.clone();
                return Err(GeneratorError::AlreadyStarted { name });
            }
            (Step::Finished, _) => {
                let name = name.clone();
                return Err(GeneratorError::Finished { name });
            }
        };
        ran.map_err(|message| {
            self.step = Step::Finished;
            let name = self.name.clone();
            GeneratorError::Panicked { name, message }
        })
    }
}

impl<E: Eater> Consumer for StateMachineConsumer<E> {
    fn name(&self) -> &str {
        &self.name
    }

    fn start(&mut self) -> Result<(), GeneratorError> {
        self.resume(None)
    }

    fn send(&mut self, baozi: u32) -> Result<(), GeneratorError> {
        self.resume(Some(baozi))
    }
}

/// Runs one step of the body, turning a panic into its message. When the
/// eater cannot panic (the measured `black_box`), the optimiser removes
/// the landing pad and this costs nothing.
fn catch(step: impl FnOnce()) -> Result<(), String> {
    panic::catch_unwind(AssertUnwindSafe(step))
        .map_err(|payload| shared::panic_message(payload.as_ref()))
}
// ANCHOR_END: state_machine

// ANCHOR: thread
/// The consumer as an OS thread pretending to be a generator: the way to
/// pause in the middle of a function when the language has no coroutines.
///
/// The "pause" is the thread blocking on a channel. Both channels are
/// rendezvous channels (`sync_channel(0)`: a send waits until the other
/// side receives), and `send` waits for the thread's "back at my yield"
/// reply, so exactly one of producer and consumer runs at a time and the
/// transcript is the same as the coroutine's. Why not an unbounded
/// channel? The producer would run ahead and print `making baozi 5` before
/// `c1` had eaten 1: that is a queue (the
/// producer/consumer queues lesson), not a generator.
pub struct ThreadConsumer {
    name: String,
    // `None` is Python's `next()`, `Some(n)` is `send(n)`. In an `Option`
    // so that `Drop` can hang up before joining.
    to_eater: Option<SyncSender<Option<u32>>>,
    back_at_yield: Receiver<()>,
    // `None` once joined: the thread is gone, and so is the generator.
    eater: Option<JoinHandle<()>>,
    started: bool,
}

impl ThreadConsumer {
    /// Spawns the thread, parked before the body's first line.
    pub fn new<E>(name: impl Into<String>, mut eater: E) -> io::Result<Self>
    where
        E: Eater + Send + 'static,
    {
        let name = name.into();
        let (to_eater, baozi_in) = sync_channel::<Option<u32>>(0);
        let (yielded, back_at_yield) = sync_channel::<()>(0);
        let me = name.clone();
        let body = move || {
            // Created: wait for `start` (an error: dropped unstarted).
            if baozi_in.recv().is_err() {
                return;
            }
            eater.sit_down(&me);
            loop {
                // `yield`: tell the producer we are paused, then block
                // until it sends the next baozi (or hangs up: we end).
                if yielded.send(()).is_err() {
                    return;
                }
                let Ok(Some(new_baozi)) = baozi_in.recv() else {
                    return;
                };
                eater.eat(&me, new_baozi);
            }
        };
        // A panic in the eater ends this thread; its channels close, the
        // producer's `recv` fails, and `join` hands us the panic.
        let eater = thread::Builder::new()
            .name(name.clone())
            .spawn(body)
            .map_err(|e| {
                io::Error::new(e.kind(), format!("cannot spawn {name}: {e}"))
            })?;
        Ok(ThreadConsumer {
            name,
            to_eater: Some(to_eater),
            back_at_yield,
            eater: Some(eater),
            started: false,
        })
    }

    /// Hands `input` over and blocks until the thread is back at `yield`.
    fn resume(&mut self, input: Option<u32>) -> Result<(), GeneratorError> {
        let to_eater = self.to_eater.as_ref().expect("open until drop");
        if to_eater.send(input).is_ok() && self.back_at_yield.recv().is_ok() {
            return Ok(());
        }
        // The thread hung up, and it only does that by panicking while
        // our end is open: join it to learn the message.
        let name = self.name.clone();
        match self.eater.take().map(JoinHandle::join) {
            Some(Err(payload)) => Err(GeneratorError::Panicked {
                name,
                message: shared::panic_message(payload.as_ref()),
            }),
            _ => Err(GeneratorError::Finished { name }),
        }
    }
}

impl Consumer for ThreadConsumer {
    fn name(&self) -> &str {
        &self.name
    }

    fn start(&mut self) -> Result<(), GeneratorError> {
        let name = self.name.clone();
        if self.eater.is_none() {
            return Err(GeneratorError::Finished { name });
        }
        if self.started {
            return Err(GeneratorError::AlreadyStarted { name });
        }
        self.started = true;
        self.resume(None)
    }

    fn send(&mut self, baozi: u32) -> Result<(), GeneratorError> {
        if self.eater.is_none() {
            let name = self.name.clone();
            return Err(GeneratorError::Finished { name });
        }
        if !self.started {
            let name = self.name.clone();
            return Err(GeneratorError::NotStarted { name });
        }
        self.resume(Some(baozi))
    }
}

/// Hangs up and joins: the thread is parked in `recv`, sees the channel
/// close, returns and drops its eater. When `drop` returns the thread is
/// gone; no consumer outlives its generator object.
impl Drop for ThreadConsumer {
    fn drop(&mut self) {
        drop(self.to_eater.take());
        if let Some(eater) = self.eater.take() {
            // A panic that nobody asked about is dropped with the thread.
            let _ = eater.join();
        }
    }
}
// ANCHOR_END: thread

impl fmt::Debug for ThreadConsumer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadConsumer")
            .field("name", &self.name)
            .field("started", &self.started)
            .field("finished", &self.eater.is_none())
            .finish()
    }
}

// ANCHOR: producer
/// The seed's `producer()`: primes every consumer, then for each baozi
/// sends it to every consumer in order and announces it. Each `send`
/// returns only when that consumer is paused at its `yield` again, so the
/// lines come out in one fixed order whatever the variant.
pub fn producer<C: Consumer>(
    consumers: &mut [C],
    baozi: u32,
    out: &Transcript,
    lane: &Lane,
) -> Result<(), GeneratorError> {
    // r = con.__next__(); r = con2.__next__()
    for consumer in consumers.iter_mut() {
        consumer.start()?;
    }
    // while n < 5: n += 1; con.send(n); con2.send(n); print(...)
    for n in 1..=baozi {
        for consumer in consumers.iter_mut() {
            consumer.send(n)?;
        }
        out.say(lane, format!("[producer] is making baozi {n}"));
    }
    Ok(())
}
// ANCHOR_END: producer

/// How the consumers pause between baozi.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Variant {
    /// A stackful coroutine with its own stack (`CoroutineConsumer`).
    #[default]
    Coroutine,
    /// A hand-written enum state machine (`StateMachineConsumer`).
    StateMachine,
    /// An OS thread and rendezvous channels (`ThreadConsumer`).
    Thread,
}

impl Variant {
    /// Every variant, in the order the lesson presents them.
    pub const ALL: [Variant; 3] =
        [Variant::Coroutine, Variant::StateMachine, Variant::Thread];

    /// The name on the command line: `coroutine`, `state-machine`,
    /// `thread`.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Coroutine => "coroutine",
            Variant::StateMachine => "state-machine",
            Variant::Thread => "thread",
        }
    }

    /// Builds a consumer of this variant around `eater`, not yet started.
    pub fn build<E>(
        self,
        name: impl Into<String>,
        eater: E,
    ) -> io::Result<Box<dyn Consumer>>
    where
        E: Eater + Send + 'static,
    {
        Ok(match self {
            Variant::Coroutine => {
                Box::new(CoroutineConsumer::new(name, eater)?)
            }
            Variant::StateMachine => {
                Box::new(StateMachineConsumer::new(name, eater))
            }
            Variant::Thread => Box::new(ThreadConsumer::new(name, eater)?),
        })
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One run of the demo. The default is the seed: 2 consumers, 5 baozi, no
/// sleep, coroutines, quiet and untraced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// How many consumers, named `c1`..`cN`. At least 1.
    pub consumers: usize,
    /// How many baozi the producer makes (0: only the priming).
    pub baozi: u32,
    /// Milliseconds each consumer blocks per baozi (`time.sleep`).
    pub eat_ms: u64,
    /// Coroutine, state machine or thread.
    pub variant: Variant,
    /// Print the transcript to stdout (else only keep it).
    pub echo: bool,
    /// Record a trace for `--timeline` (else a disabled trace).
    pub trace: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            consumers: 2,
            baozi: 5,
            eat_ms: 0,
            variant: Variant::Coroutine,
            echo: false,
            trace: false,
        }
    }
}

/// What a run leaves behind: the lines it said and what ran when.
#[derive(Debug)]
pub struct Run {
    /// Every line said, in order (`run.transcript.lines()`).
    pub transcript: Transcript,
    /// The trace (empty unless `Config::trace`).
    pub trace: Trace,
}

/// Runs the demo: builds `c1`..`cN` of `config.variant`, runs
/// [`producer`], and drops the consumers (which joins the threads of the
/// thread variant) before returning.
pub fn run(config: &Config) -> shared::Result<Run> {
    if config.consumers == 0 {
        return Err("the producer needs at least one consumer".into());
    }
    let trace = Trace::recording(config.trace);
    let out = if config.echo {
        Transcript::stdout()
    } else {
        Transcript::quiet()
    }
    .highlight("[producer]", Colour::Green);
    // The producer's lane first, so it is the top row of the timeline.
    let lane = trace.lane("producer");
    let eat_for = Duration::from_millis(config.eat_ms);
    let mut consumers = (1..=config.consumers)
        .map(|i| {
            let name = format!("c{i}");
            let table = Table::new(out.clone(), trace.lane(&name), eat_for);
            config.variant.build(name, table)
        })
        .collect::<io::Result<Vec<_>>>()?;
    producer(&mut consumers, config.baozi, &out, &lane)?;
    drop(consumers);
    Ok(Run {
        transcript: out,
        trace,
    })
}

/// The eater of the measurements: touches the baozi so the optimiser
/// cannot delete the send, and does nothing else, so what is timed is the
/// pause and resume itself.
pub fn nibble(_name: &str, baozi: u32) {
    std::hint::black_box(baozi);
}

/// The measured loop: `sends` sends to one started consumer. Generic, not
/// `dyn`: each variant gets its own copy of this loop, with `send` inlined
/// where it can be. [`measure`] and the criterion bench
/// (`benches/benches/generator.rs`) both time this loop, so their figures
/// measure the same thing.
///
/// # Panics
///
/// If a send fails: measure only consumers whose eater cannot panic.
pub fn send_many<C: Consumer>(consumer: &mut C, sends: u64) {
    let mut baozi = 0u32;
    for _ in 0..sends {
        baozi = baozi.wrapping_add(1);
        consumer
            .send(baozi)
            .expect("a nibbling consumer never fails");
    }
}

/// The cost of one `send`, each variant: the median over `rounds` rounds
/// of nanoseconds per send, as `send_ns_coroutine`,
/// `send_ns_state_machine` and `send_ns_thread` (unit `ns`).
///
/// The first two do `sends` sends per round (the CLI's default is
/// 1,000,000: enough for a round to last milliseconds). The thread variant
/// is about a thousand times slower, so it does `sends / 100` sends per
/// round, but at least 1000. Nothing is printed or traced.
pub fn measure(sends: u64, rounds: usize) -> Vec<Figure> {
    let sends = sends.max(1);
    let thread_sends = (sends / 100).max(1000);

    let mut coroutine = CoroutineConsumer::new("c1", nibble)
        .expect("map one coroutine stack to measure");
    coroutine.start().expect("start the measured coroutine");
    let coroutine_ns =
        shared::ns_per_iter(rounds, sends, |n| send_many(&mut coroutine, n));

    let mut machine = StateMachineConsumer::new("c1", nibble);
    machine.start().expect("start the measured state machine");
    let machine_ns =
        shared::ns_per_iter(rounds, sends, |n| send_many(&mut machine, n));

    let mut threaded =
        ThreadConsumer::new("c1", nibble).expect("spawn one thread to measure");
    threaded.start().expect("start the measured thread");
    let thread_ns = shared::ns_per_iter(rounds, thread_sends, |n| {
        send_many(&mut threaded, n)
    });

    vec![
        Figure::new("send_ns_coroutine", coroutine_ns, "ns"),
        Figure::new("send_ns_state_machine", machine_ns, "ns"),
        Figure::new("send_ns_thread", thread_ns, "ns"),
    ]
}
