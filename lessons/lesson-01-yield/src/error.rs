//! Lesson 01: what can go wrong when a generator is resumed, as a value.
//!
//! Python signals a bad resume with exceptions (`TypeError` for a send
//! before the priming `next()`, `StopIteration` once the body has ended)
//! and lets an exception in the body escape from `send`. Here each of those
//! is a [`GeneratorError`] returned by `start` or `send`, the same for every
//! way of building a consumer, and each names the generator, so a message
//! that reaches `main` says which consumer it was.

use std::fmt;

/// What went wrong when resuming a generator (or anything that pretends to
/// be one).
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
