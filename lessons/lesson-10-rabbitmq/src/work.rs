//! Lesson 10: the work queue, the seed's `new_task.py` and `worker.py`.
//!
//! `new_task.py` publishes its command line (`First message.`) as a
//! persistent message (`delivery_mode=2`) to the durable queue
//! `task_queue`; `worker.py` sleeps one second per `.` in the body, prints
//! ` [x] Done` and acknowledges. Run two workers and several tasks: the
//! broker deals the messages out round-robin, one to each worker in turn.
//!
//! A worker here is the seed's, plus the settings the failure demos turn:
//! the prefetch, who acknowledges, how long a `.` takes, and a count of
//! messages after which it exits (so a demo or a test always ends).

use std::time::Duration;

use lapin::BasicProperties;
use lapin::options::BasicPublishOptions;
use shared::{Lane, State, Transcript};

use crate::connect::{lost, open};
use crate::consume::{self, Ack, Stop};
use crate::declare::{self, Durability};
use crate::lines;

/// `new_task.py`'s message when its command line is empty.
pub const DEFAULT_TASK: &str = "Hello World!";

/// Delivery mode 2: the broker writes the message to disk (in a durable
/// queue it then survives a restart). Mode 1 keeps it in memory only.
pub const PERSISTENT: u8 = 2;

// ANCHOR: new_task
/// `new_task.py`: declare the durable `queue`, publish `message` as a
/// persistent message, close.
pub async fn new_task(
    url: &str,
    queue: &str,
    message: &str,
    out: &Transcript,
    lane: &Lane,
) -> shared::Result<()> {
    let session = open(url, "new-task").await?;
    declare::queue(&session.channel, queue, Durability::Durable).await?;
    session
        .channel
        .basic_publish(
            "".into(),
            queue.into(),
            BasicPublishOptions::default(),
            message.as_bytes(),
            BasicProperties::default().with_delivery_mode(PERSISTENT),
        )
        .await
        .map_err(lost)?;
    out.say(lane, lines::sent(message));
    session.close().await
}
// ANCHOR_END: new_task

/// How a worker works.
#[derive(Clone, Debug)]
pub struct Worker {
    /// The queue it reads (declared durable, as the seed's final worker).
    pub queue: String,
    /// `basic_qos(prefetch_count)`: the seed's final worker says 1; `None`
    /// is the broker's default, unlimited.
    pub prefetch: Option<u16>,
    /// Who acknowledges.
    pub ack: Ack,
    /// How long one `.` of a body takes (the seed: one second).
    pub dot: Duration,
    /// Exit after this many messages (`None`: until stopped).
    pub count: Option<usize>,
    /// Print ` [x] redelivered=true` after a redelivered message's
    /// ` [x] Received` line (the redelivery demo reads it).
    pub show_redelivered: bool,
}

impl Worker {
    /// The seed's final worker on `queue`: prefetch 1, manual ack, one
    /// second per dot, until stopped.
    pub fn seed(queue: &str) -> Worker {
        Worker {
            queue: queue.to_owned(),
            prefetch: Some(1),
            ack: Ack::Manual,
            dot: Duration::from_secs(1),
            count: None,
            show_redelivered: false,
        }
    }
}

/// `worker.py`: for each message, print it, sleep one `dot` per `.` in
/// it, print ` [x] Done`, acknowledge. Returns how many it did.
pub async fn worker(
    url: &str,
    worker: &Worker,
    stop: Stop,
    ready: impl FnOnce(),
    out: &Transcript,
    lane: &Lane,
) -> shared::Result<usize> {
    let session = open(url, "worker").await?;
    let channel = &session.channel;
    declare::queue(channel, &worker.queue, Durability::Durable).await?;
    let mut deliveries = consume::start(
        channel,
        &worker.queue,
        worker.prefetch,
        worker.ack,
        stop,
    )
    .await?;
    out.say(lane, lines::WAITING);
    ready();
    let mut done = 0;
    // ANCHOR: worker
    while worker.count.is_none_or(|n| done < n) {
        let Some(delivery) = deliveries.next().await? else {
            break;
        };
        out.say(lane, lines::received(&delivery.data));
        if worker.show_redelivered && delivery.redelivered {
            out.say(lane, " [x] redelivered=true");
        }
        let dots = delivery.data.iter().filter(|&&b| b == b'.').count();
        let label = String::from_utf8_lossy(&delivery.data).into_owned();
        let working = lane.span(State::Running, label);
        tokio::time::sleep(worker.dot * dots as u32).await;
        drop(working);
        out.say(lane, lines::DONE);
        if worker.ack == Ack::Manual {
            consume::ack(&delivery).await?;
        }
        done += 1;
    }
    // ANCHOR_END: worker
    session.close().await?;
    Ok(done)
}
