//! Lesson 01: the course's consumer, split into what it does and how it
//! pauses.
//!
//! The course's generator `consumer(name)` prints one line when it is
//! primed and one line per baozi it is sent, and stops at `yield` in
//! between. The lesson builds that consumer three ways, so it separates
//! the two halves: an [`Eater`] says *what* happens at each moment (the
//! same for all three), a [`Consumer`] is *how* it pauses between baozi
//! (coroutine, state machine or thread). The producer only ever talks to
//! `Consumer`.

use crate::GeneratorError;

// ANCHOR: consumer_trait
/// What a consumer does at its two moments: once when it is started (the
/// lines before Python's `while True`), and with each baozi (the loop
/// body).
pub trait Eater {
    /// Runs once, on `start`: Python's `print("--->starting eating
    /// baozi...")`. Does nothing unless overridden.
    fn sit_down(&mut self, name: &str) {
        let _ = name;
    }

    /// Runs for every baozi sent: the body of Python's `while True`.
    fn eat(&mut self, name: &str, baozi: u32);
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

/// Any `FnMut(name, baozi)` is an eater that sits down silently: what the
/// measurements (`std::hint::black_box`) and the tests (a consumer that
/// panics on baozi 3) use.
impl<F: FnMut(&str, u32)> Eater for F {
    fn eat(&mut self, name: &str, baozi: u32) {
        self(name, baozi)
    }
}

/// A boxed consumer is a consumer, so [`crate::producer`] takes a
/// `&mut [C]` of concrete consumers (monomorphised, as the measurements
/// need) or of `Box<dyn Consumer>` (mixed, as [`crate::run`] builds them).
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
