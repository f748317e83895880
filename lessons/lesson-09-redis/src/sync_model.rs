//! Lesson 09, model 1 of the course: the synchronous consumer. Pop a
//! message with `BRPOP`, analyse it, pop the next.
//!
//! Python: `while True: item = cli.brpop('test', 0); analyse(item[1])`.
//! One thread does everything in turn, so N messages cost N analyses end
//! to end: 20 × 100 ms is 2 s at the default scale, whatever the machine.
//! The course's verdict, "the consumer is slower than the producer and
//! the queue backs up", is this line on the timeline: one lane, never two
//! things at once.

use crate::analyse::analyse;
use crate::connect::{brpop, sync_connection};
use crate::run::{Consume, Progress};

// ANCHOR: consume
/// Consumes `cfg.messages` messages, one after the other.
pub fn consume(cfg: &Consume, run: &Progress) -> shared::Result<()> {
    let mut redis = sync_connection(&cfg.url)?;
    let main = run.lane("main");
    while run.count() < cfg.messages {
        let data = brpop(&mut redis, &cfg.queue, cfg.idle, &main)
            .map_err(|e| run.context(e))?;
        let result = analyse(&main, cfg.pace, data);
        run.done(result);
    }
    Ok(())
}
// ANCHOR_END: consume
