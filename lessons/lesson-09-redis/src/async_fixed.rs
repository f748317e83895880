//! Lesson 09: the asyncio model fixed. An async connection of its own for
//! the pop, so the runtime keeps running while Redis has nothing; a task
//! per message as soon as it arrives; a semaphore that bounds how many
//! analyses are in flight, in place of the batch barrier.
//!
//! The permit is taken *before* the pop: at the limit, the consumer stops
//! popping, and the messages it cannot yet handle stay in Redis, where
//! another consumer can take them and a crash cannot lose them. (Popping
//! first and then waiting for a permit would hold a message in memory
//! that nobody is working on.)
//!
//! 20 messages with 64 permits: every analysis starts within a pop of the
//! previous one, and the run takes one analysis, 0.1 s at the default
//! scale, plus 20 pops.

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::analyse::analyse_async;
use crate::connect::{async_connection, brpop_async};
use crate::run::{Consume, Progress, heartbeat};

// ANCHOR: consume
/// Pops on an async connection and analyses up to `cfg.in_flight`
/// messages at once.
pub fn consume(cfg: &Consume, run: &Progress) -> shared::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut redis = async_connection(&cfg.url, cfg.idle).await?;
        let _beating =
            tokio::spawn(heartbeat(run.lane("heartbeat"), cfg.heartbeat));
        let main = run.lane("main");
        let permits = Arc::new(Semaphore::new(cfg.in_flight));
        let mut analyses = JoinSet::new();
        for n in 0..cfg.messages {
            let permit = Arc::clone(&permits).acquire_owned().await?;
            // The task waits for Redis; the thread runs the analyses.
            let data = brpop_async(&mut redis, &cfg.queue, cfg.idle, &main)
                .await
                .map_err(|e| run.context(e))?;
            let lane = run.lane(format!("task {n}"));
            let pace = cfg.pace;
            analyses.spawn(async move {
                let result = analyse_async(&lane, pace, data).await;
                drop(permit);
                (lane, result)
            });
            // Report what has finished meanwhile, as it finishes.
            while let Some(finished) = analyses.try_join_next() {
                let (lane, result) = finished?;
                run.out.say(&lane, result.clone());
                run.done(result);
            }
        }
        while let Some(finished) = analyses.join_next().await {
            let (lane, result) = finished?;
            run.out.say(&lane, result.clone());
            run.done(result);
        }
        Ok(())
    })
}
// ANCHOR_END: consume
