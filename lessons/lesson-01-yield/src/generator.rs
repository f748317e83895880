//! Lesson 01: a Python-style generator on a stackful coroutine.
//!
//! [`Generator`] wraps a `corosensei::Coroutine`: a function running on a
//! stack of its own (1 MiB of address space, [`STACK_SIZE`]), which it can
//! leave at any depth and come back to. `yield` saves the callee-saved
//! registers on that stack and switches the stack pointer to the
//! resumer's; nothing else moves. This is what greenlet does for Python,
//! and what lesson 02 builds on.
//!
//! On top of corosensei this file adds Python's rules: the first resume is
//! the priming `next()` and carries no value ([`Generator::start`]), every
//! later one is a `send` ([`Generator::send`]), and resuming too early or
//! too late is an error value ([`GeneratorError`]) rather than a panic.
//!
//! **Cost.** A `send` is two stack switches (there and back): a few
//! nanoseconds (`cargo run --release -p lesson-01-yield -- measure`,
//! `send_ns_coroutine`).

use std::fmt;
use std::io;
use std::mem::MaybeUninit;
use std::panic::{self, AssertUnwindSafe};

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult};

use crate::GeneratorError;

/// The stack each [`Generator`] gets: corosensei's default, 1 MiB of
/// address space. Only the pages the body touches become real memory (a
/// consumer touches a few KiB), so a thousand generators cost a few MiB,
/// not a GiB. Big enough that a panic inside the body can print its
/// message (and a backtrace, with `RUST_BACKTRACE=1`) without overflowing.
pub const STACK_SIZE: usize = 1024 * 1024;

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
// ANCHOR: generator
pub struct Generator<S, Y = (), R = ()> {
    name: String,
    // `MaybeUninit<S>`: corosensei hands the *first* resume's input to
    // the body as its argument, but the first resume is Python's
    // `next()`, which has no value to give. `start` resumes with nothing
    // in it (the body drops it unread) and `send` with a value, so the
    // body only sees sent values. (An `Option<S>` says the same safely,
    // and doubled the cost of a send: see `Co::yield_`.)
    coroutine: Coroutine<MaybeUninit<S>, Y, R>,
}

/// The body's handle for suspending itself: Python's `yield` keyword, as
/// a method (`yield` is a reserved word in Rust).
pub struct Co<'a, S, Y> {
    yielder: &'a corosensei::Yielder<MaybeUninit<S>, Y>,
}

impl<S, Y> Co<'_, S, Y> {
    /// Suspends the body, handing `value` to whoever resumed it, and
    /// returns the value of the next `send`: `new_baozi = yield`.
    pub fn yield_(&self, value: Y) -> S {
        // The stack switches here: corosensei saves our registers on this
        // stack and returns into `resume` on the resumer's. Our locals
        // stay put until we come back.
        let sent = self.yielder.suspend(value);
        // SAFETY: only `start` resumes with an empty `MaybeUninit`, and
        // only a generator that has not started, whose body is then at
        // its first line, not at a `yield`: that input is the body's
        // argument, dropped unread. Every resume that returns here is a
        // `send`, which always carries a value.
        unsafe { sent.assume_init() }
    }
}
// ANCHOR_END: generator

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
        let coroutine = Coroutine::with_stack(stack, move |yielder, first| {
            // The first input is `start`'s empty one: nothing to read
            // (and dropping a `MaybeUninit` drops nothing).
            let _: MaybeUninit<S> = first;
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
        self.resume(MaybeUninit::uninit())
    }

    // ANCHOR: resume
    /// Python's `gen.send(value)`: `value` becomes the result of the
    /// `yield` the body is stopped at, and the body runs to its next one.
    #[inline]
    pub fn send(&mut self, value: S) -> Result<Resumed<Y, R>, GeneratorError> {
        if self.coroutine.done() {
            return Err(self.finished());
        }
        if !self.coroutine.started() {
            let name = self.name.clone();
            return Err(GeneratorError::NotStarted { name });
        }
        self.resume(MaybeUninit::new(value))
    }

    /// The one place the producer's stack switches to the body's.
    #[inline]
    fn resume(
        &mut self,
        input: MaybeUninit<S>,
    ) -> Result<Resumed<Y, R>, GeneratorError> {
        // A panic in the body unwinds the body's stack, is re-raised here
        // on ours, and is caught again as a value. `AssertUnwindSafe`:
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
    // ANCHOR_END: resume
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
