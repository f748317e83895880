//! Lesson 09, model 3 of the course, as the course wrote it: asyncio with
//! a *blocking* `brpop` inside the event loop, one task per message, and
//! `gather` in batches of five.
//!
//! Python: an async generator calls `cli.brpop('test', 0)` (redis-py's
//! blocking client) and `create_task`s an analysis per item; `main`
//! collects five futures, `await asyncio.gather(*tasks)`, prints the
//! list of results and starts the next batch.
//!
//! What it gets wrong, reproduced here on purpose:
//!
//! - **The loop is frozen during every pop.** A blocking call inside a
//!   coroutine stops the whole event loop: no task runs, no timer fires,
//!   until Redis answers. Here the pop is redis-rs's blocking `BRPOP` on a
//!   current-thread tokio runtime, and the heartbeat task (a mark every
//!   [`HEARTBEAT`](crate::run::HEARTBEAT) of scaled time) shows it: not
//!   one beat falls inside a pop. When the list is empty the pop waits for
//!   the producer and the runtime waits with it.
//! - **The batch is a barrier.** Nothing is analysed until five messages
//!   are in hand, and the sixth is not popped until the slowest of the five
//!   is done: 20 messages take 4 × 100 ms, 0.40 s at the default scale,
//!   where one analysis each at once would take 0.1 s.
//!
//! [`crate::async_fixed`] fixes both.

use shared::Lane;

use crate::analyse::analyse_async;
use crate::connect::{brpop, sync_connection};
use crate::run::{Consume, Progress, heartbeat, python_list};

/// The course's `if len(tasks) >= 5`.
pub const BATCH: usize = 5;

// ANCHOR: consume
/// The course's asyncio consumer: pop (blocking the runtime), spawn, and
/// gather every [`BATCH`] messages.
pub fn consume(cfg: &Consume, run: &Progress) -> shared::Result<()> {
    let mut redis = sync_connection(&cfg.url)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    runtime.block_on(async {
        let _beating =
            tokio::spawn(heartbeat(run.lane("heartbeat"), cfg.heartbeat));
        let main = run.lane("main");
        let mut tasks = Vec::new();
        for n in 0..cfg.messages {
            // The mistake: a blocking call on the runtime's only thread.
            let data = brpop(&mut redis, &cfg.queue, cfg.idle, &main)
                .map_err(|e| run.context(e))?;
            let lane = run.lane(format!("task {n}"));
            let pace = cfg.pace;
            tasks.push(tokio::spawn(async move {
                analyse_async(&lane, pace, data).await
            }));
            // A last, short batch is gathered too, so the run ends.
            if tasks.len() >= BATCH || n + 1 == cfg.messages {
                gather(&mut tasks, &main, run).await?;
            }
        }
        Ok(())
    })
}

/// `print(await asyncio.gather(*tasks)); tasks.clear()`.
async fn gather(
    tasks: &mut Vec<tokio::task::JoinHandle<String>>,
    main: &Lane,
    run: &Progress,
) -> shared::Result<()> {
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks.drain(..) {
        results.push(task.await?);
    }
    run.out.say(main, python_list(&results));
    for result in results {
        run.done(result);
    }
    Ok(())
}
// ANCHOR_END: consume
