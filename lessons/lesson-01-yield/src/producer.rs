//! Lesson 01: the course's `producer()`, which drives any consumer.
//!
//! It primes every consumer, then for each baozi sends it to every
//! consumer in order and announces it. Each `send` returns only when that
//! consumer is paused at its `yield` again, so the lines come out in one
//! fixed order whatever the consumers are built from.

use shared::{Lane, Transcript};

use crate::{Consumer, GeneratorError};

// ANCHOR: producer
/// The course's `producer()`: primes every consumer, then hands each baozi
/// to each consumer in turn and announces it.
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
        // ANCHOR_END: producer
        // Stdout's reader went away (`| head`) or a write failed: nobody
        // will see the rest, so a long run ends here.
        if out.closed() {
            break;
        }
        // ANCHOR: producer
    }
    Ok(())
}
// ANCHOR_END: producer
