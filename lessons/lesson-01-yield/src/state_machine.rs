//! Lesson 01: the consumer as a hand-written state machine, the shape the
//! Rust compiler gives a generator or an `async fn`.
//!
//! No second stack at all: the consumer is a struct whose fields hold what
//! must survive between two baozi, plus a [`Step`] saying where the body
//! stopped. `send` is a method that matches on the step, runs the body
//! from there to the next pause, and returns.
//!
//! ```text
//!            start(): sit down           send(n): eat n
//!   Created ──────────────────▶ AtYield ◀───────────┐
//!                                  │  └─────────────┘
//!                                  │ the eater panicked
//!                                  ▼
//!                               Finished
//!
//!   send before start, start twice, any resume once Finished:
//!   an error value, and the state stays where it was.
//! ```
//!
//! **Cost.** Nothing is saved or restored: a `send` is a call, which
//! inlines into the producer's loop (`send_ns_state_machine` in
//! `cargo run --release -p lesson-01-yield -- measure`, well under a
//! nanosecond).

use std::panic::{self, AssertUnwindSafe};

use crate::{Consumer, Eater, GeneratorError};

/// Where a [`StateMachineConsumer`] is stopped. A compiler turns a
/// generator (or an `async fn`) into exactly this: one state per place
/// the body can be paused, plus "not started" and "done". rustc calls
/// them `Unresumed`, `Suspend0`, `Returned` and `Poisoned`.
///
/// A state holds the locals that are alive across its pause. At the
/// course's one `yield` those are `name` (and our eater); `new_baozi` is
/// born after the pause, so no state stores it. That is why a state
/// machine needs no stack of its own: the struct *is* the saved frame.
// ANCHOR: state_machine
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// Created, not started: no line of the body has run.
    Created,
    /// Paused at `new_baozi = yield`, waiting for a baozi.
    AtYield,
    /// Panicked (the course's `while True` never returns).
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
// ANCHOR_END: state_machine

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

    // ANCHOR: state_machine_resume
    /// The generated `resume`: one arm per (state, input), each running
    /// the body from where the state says it stopped to the next pause.
    /// `None` is Python's `next()`, `Some(n)` its `send(n)`.
    #[inline]
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
    // ANCHOR_END: state_machine_resume
}

impl<E: Eater> Consumer for StateMachineConsumer<E> {
    fn name(&self) -> &str {
        &self.name
    }

    // `#[inline]`: the producer's loop usually sits in another module,
    // and so in another codegen unit; without it LLVM cannot see through
    // the call and a send stays a call instead of almost nothing.
    #[inline]
    fn start(&mut self) -> Result<(), GeneratorError> {
        self.resume(None)
    }

    #[inline]
    fn send(&mut self, baozi: u32) -> Result<(), GeneratorError> {
        self.resume(Some(baozi))
    }
}

/// Runs one step of the body, turning a panic into its message. When the
/// eater cannot panic (the measured `black_box`), the optimiser removes
/// the landing pad and this costs nothing.
#[inline]
fn catch(step: impl FnOnce()) -> Result<(), String> {
    panic::catch_unwind(AssertUnwindSafe(step))
        .map_err(|payload| shared::panic_message(payload.as_ref()))
}
