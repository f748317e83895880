//! Lesson 09, model 2 of the course: a pool of four worker threads. The
//! main thread pops, the workers analyse, and a callback "persists" each
//! result on the worker that produced it.
//!
//! Python: `pool = ThreadPoolExecutor(max_workers=4)`, then for each
//! `brpop`: `future = pool.submit(analyse, data)` and
//! `future.add_done_callback(callback)`. A done-callback runs on the
//! thread that completed the future, so each worker is busy for the
//! analysis *and* the callback: 20 messages × (100 + 50) ms / 4 workers is
//! 0.75 s at the default scale.
//!
//! Rust has no `ThreadPoolExecutor` in `std`; its two halves are a channel
//! (`submit`: the main thread sends, an idle worker receives) and four
//! threads that loop over it. The callback is just the next line of the
//! worker's loop. The channel is unbounded, as the executor's work queue
//! is: the main thread pops as fast as Redis answers, so the messages move
//! from Redis into this process's memory long before they are analysed,
//! and a crash loses them all (see [`crate::reliable`]).

use std::sync::{Arc, Mutex, PoisonError, mpsc};

use crate::analyse::{analyse, callback};
use crate::connect::{brpop, sync_connection};
use crate::run::{Consume, Progress};

/// The course's `max_workers=4`.
pub const WORKERS: usize = 4;

// ANCHOR: consume
/// Pops on this thread and analyses on [`WORKERS`] worker threads.
pub fn consume(cfg: &Consume, run: &Progress) -> shared::Result<()> {
    let mut redis = sync_connection(&cfg.url)?;
    let (submit, work) = mpsc::channel::<String>();
    // One receiver, shared: an idle worker takes the lock and waits in
    // `recv`; the others wait for the lock. Either way they sleep.
    let work = Arc::new(Mutex::new(work));
    std::thread::scope(|scope| {
        for n in 1..=WORKERS {
            let (work, run) = (Arc::clone(&work), run);
            scope.spawn(move || {
                let lane = run.lane(format!("worker-{n}"));
                loop {
                    let next = work
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .recv();
                    // The sender is gone: `pool.shutdown(wait=True)`.
                    let Ok(data) = next else { break };
                    let result = analyse(&lane, cfg.pace, data);
                    callback(&lane, cfg.pace, &result);
                    run.out.say(&lane, result.clone());
                    run.done(result);
                }
            });
        }
        let main = run.lane("main");
        for _ in 0..cfg.messages {
            let data = brpop(&mut redis, &cfg.queue, cfg.idle, &main)
                .map_err(|e| run.context(e))?;
            submit.send(data).expect("the workers outlive the sender");
        }
        // Closing the channel lets each worker finish its queue and stop;
        // the scope joins them before it returns.
        drop(submit);
        Ok(())
    })
}
// ANCHOR_END: consume
