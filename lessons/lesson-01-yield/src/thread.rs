//! Lesson 01: the consumer as an OS thread pretending to be a generator,
//! the way to pause in the middle of a function when the language has no
//! coroutines.
//!
//! The "pause" is the thread blocking on a channel. Both channels are
//! rendezvous channels (`sync_channel(0)`: a send waits until the other
//! side receives), and `send` waits for the thread's "back at my yield"
//! reply, so exactly one of producer and consumer runs at a time and the
//! transcript is the same as the coroutine's. Why not an unbounded
//! channel? The producer would run ahead and print `making baozi 5` before
//! `c1` had eaten 1: that is a queue (the producer/consumer queues
//! lesson), not a generator.
//!
//! **Cost.** A whole thread per consumer, and per `send` two trips
//! through the kernel's scheduler: wake the eater, put the producer to
//! sleep, and back. Microseconds, against nanoseconds for the coroutine
//! (`send_ns_thread` in `cargo run --release -p lesson-01-yield --
//! measure`).

use std::fmt;
use std::io;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::{self, JoinHandle};

use crate::{Consumer, Eater, GeneratorError};

/// The consumer as an OS thread and two rendezvous channels.
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
        let me = name.clone();
        // ANCHOR: thread
        let (to_eater, baozi_in) = sync_channel::<Option<u32>>(0);
        let (yielded, back_at_yield) = sync_channel::<()>(0);
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
        // ANCHOR_END: thread
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

    // ANCHOR: thread_resume
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
    // ANCHOR_END: thread_resume
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

impl fmt::Debug for ThreadConsumer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadConsumer")
            .field("name", &self.name)
            .field("started", &self.started)
            .field("finished", &self.eater.is_none())
            .finish()
    }
}
