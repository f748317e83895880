//! Lesson 10: fair dispatch, `basic_qos(prefetch_count=1)` (`demo-fair`).
//!
//! The seed: if RabbitMQ just hands messages out in turn, a slow consumer
//! piles up work while a fast one idles; with `prefetch_count=1` the
//! broker "won't give more than one message to a worker at a time": the
//! next message goes to whichever worker acknowledged first.
//!
//! The demo has one fast worker (10 ms a message) and one slow one
//! (100 ms), both consuming before 20 messages are published. With the
//! prefetch unlimited, the broker deals all 20 out at once, 10 each: the
//! slow worker's ten take a second while the fast one sits idle after
//! 0.1 s. With prefetch 1 the fast worker takes most of them, and the
//! queue is empty in a fraction of the time. The trace draws both runs as
//! the two workers' timelines.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use lapin::BasicProperties;
use lapin::options::{BasicPublishOptions, QueuePurgeOptions};
use shared::{Lane, State, Trace, Transcript};
use tokio::sync::watch;

use crate::connect::{lost, open};
use crate::consume::{self, Ack, Stop};
use crate::declare::{self, Durability};

/// The fast worker's work per message.
pub const FAST: Duration = Duration::from_millis(10);
/// The slow worker's.
pub const SLOW: Duration = Duration::from_millis(100);
/// Messages per run.
pub const MESSAGES: usize = 20;

/// One run's outcome.
#[derive(Clone, Debug)]
pub struct Split {
    /// The prefetch (`None`: unlimited).
    pub prefetch: Option<u16>,
    /// Messages the fast worker did.
    pub fast: usize,
    /// Messages the slow worker did.
    pub slow: usize,
    /// From the first publish to the last ack.
    pub elapsed: Duration,
}

// ANCHOR: fair_worker
/// One worker: `work` per message, then ack, until every one of the run's
/// messages is done (`done` counts them across workers).
async fn fair_worker(
    url: &str,
    queue: &str,
    prefetch: Option<u16>,
    work: Duration,
    done: (Arc<AtomicUsize>, watch::Sender<bool>),
    ready: impl FnOnce(),
    lane: &Lane,
) -> shared::Result<usize> {
    let session = open(url, "demo-fair").await?;
    let mut finished = done.1.subscribe();
    let stop: Stop = Box::pin(async move {
        let _ = finished.wait_for(|all| *all).await;
    });
    let mut deliveries =
        consume::start(&session.channel, queue, prefetch, Ack::Manual, stop)
            .await?;
    ready();
    let mut mine = 0;
    while let Some(delivery) = deliveries.next().await? {
        let label = String::from_utf8_lossy(&delivery.data).into_owned();
        let working = lane.span(State::Running, label);
        tokio::time::sleep(work).await;
        drop(working);
        consume::ack(&delivery).await?;
        mine += 1;
        if done.0.fetch_add(1, Ordering::SeqCst) + 1 == MESSAGES {
            let _ = done.1.send(true);
        }
    }
    session.close().await?;
    Ok(mine)
}
// ANCHOR_END: fair_worker

/// One run with `prefetch`: both workers consume, then the messages go
/// out.
pub async fn split(
    url: &str,
    queue: &str,
    prefetch: Option<u16>,
    trace: &Trace,
) -> shared::Result<Split> {
    let session = open(url, "demo-fair").await?;
    let channel = &session.channel;
    declare::queue(channel, queue, Durability::Transient).await?;
    channel
        .queue_purge(queue.into(), QueuePurgeOptions::default())
        .await
        .map_err(lost)?;
    let name = match prefetch {
        Some(n) => format!("prefetch {n}"),
        None => "unlimited".to_owned(),
    };
    let (fast_lane, slow_lane) = (
        trace.lane(format!("{name}: fast")),
        trace.lane(format!("{name}: slow")),
    );
    let done = (Arc::new(AtomicUsize::new(0)), watch::channel(false).0);
    let (fast_ready, fast_waiting) = tokio::sync::oneshot::channel::<()>();
    let (slow_ready, slow_waiting) = tokio::sync::oneshot::channel::<()>();
    let fast = fair_worker(
        url,
        queue,
        prefetch,
        FAST,
        done.clone(),
        move || {
            let _ = fast_ready.send(());
        },
        &fast_lane,
    );
    // The slow worker registers second: in the unlimited run it still
    // gets every other message.
    let slow = async {
        let _ = fast_waiting.await;
        fair_worker(
            url,
            queue,
            prefetch,
            SLOW,
            done.clone(),
            move || {
                let _ = slow_ready.send(());
            },
            &slow_lane,
        )
        .await
    };
    let publish = async {
        let _ = slow_waiting.await;
        let start = Instant::now();
        for n in 1..=MESSAGES {
            channel
                .basic_publish(
                    "".into(),
                    queue.into(),
                    BasicPublishOptions::default(),
                    format!("{n}").as_bytes(),
                    BasicProperties::default(),
                )
                .await
                .map_err(lost)?;
        }
        Ok::<_, shared::Error>(start)
    };
    let (fast, slow, start) = tokio::try_join!(fast, slow, publish)?;
    let elapsed = start.elapsed();
    session.close().await?;
    Ok(Split {
        prefetch,
        fast,
        slow,
        elapsed,
    })
}

/// Both runs, unlimited first; prints one line each.
pub async fn both(
    url: &str,
    queue: &str,
    trace: &Trace,
    out: &Transcript,
    lane: &Lane,
) -> shared::Result<[Split; 2]> {
    let mut splits = Vec::new();
    for prefetch in [None, Some(1)] {
        let split = split(url, queue, prefetch, trace).await?;
        let name = match prefetch {
            Some(n) => format!("prefetch {n}"),
            None => "prefetch unlimited".to_owned(),
        };
        out.say(
            lane,
            format!(
                "{name}: fast worker {} messages, slow worker {}, all done \
                 in {:.2} s",
                split.fast,
                split.slow,
                split.elapsed.as_secs_f64()
            ),
        );
        splits.push(split);
    }
    Ok([splits[0].clone(), splits[1].clone()])
}
