//! Lesson 01: the consumer as a stackful coroutine, the course's generator
//! almost line for line.
//!
//! The body is a closure running inside a [`Generator`], on a stack of its
//! own: `name`, the eater and the loop stay on that stack while the
//! consumer is paused at `yield`, and a `send` switches back to it.
//!
//! **Cost.** A stack mapped per consumer (1 MiB of address space, a few
//! KiB touched) and two stack switches per `send`.

use std::io;

use crate::{Co, Consumer, Eater, Generator, GeneratorError};

/// The consumer as a stackful coroutine: the course's generator almost
/// line for line, running on its own stack inside a [`Generator`].
// ANCHOR: coroutine
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
// ANCHOR_END: coroutine

// `#[inline]` on the hot path: see `StateMachineConsumer`'s `send`.
impl Consumer for CoroutineConsumer {
    fn name(&self) -> &str {
        self.generator.name()
    }

    #[inline]
    fn start(&mut self) -> Result<(), GeneratorError> {
        self.generator.start().map(drop)
    }

    #[inline]
    fn send(&mut self, baozi: u32) -> Result<(), GeneratorError> {
        self.generator.send(baozi).map(drop)
    }
}
