//! Lesson 10: what survives a broker restart (`demo-durable`).
//!
//! The seed: "When RabbitMQ quits or crashes it will forget the queues
//! and messages unless you tell it not to. Two things are required: we
//! need to mark both the queue and messages as durable." The demo
//! publishes the same tasks three ways, restarts the broker
//! (`RabbitServer::restart`: `rabbitmqctl stop`, then the server again on
//! the same data directory), and consumes what is left:
//!
//! | queue | messages | after the restart |
//! |---|---|---|
//! | `durable=True` | `delivery_mode=2` | the queue and every message |
//! | `durable=True` | `delivery_mode=1` | the queue, empty |
//! | not durable | `delivery_mode=2` | nothing: no queue |
//!
//! Publishing is not done when `basic_publish` returns: the frame may
//! still be in a socket buffer, or in the broker's memory on its way to
//! disk. The demo turns on *publisher confirms* (`confirm_select`), and
//! the broker acknowledges a persistent message to a durable queue only
//! once it is on disk; waiting for every confirm before the restart is
//! what makes "published" mean "will survive".

use lapin::options::{
    BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions,
};
use lapin::{BasicProperties, Channel};
use shared::services::RabbitServer;
use shared::{Lane, Transcript};

use crate::connect::{connect, lost, runtime};
use crate::declare::{self, Durability};

/// One way to publish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Case {
    /// The queue's name.
    pub queue: &'static str,
    /// Whether the queue is durable.
    pub durability: Durability,
    /// The messages' delivery mode: 2 persistent, 1 not.
    pub delivery_mode: u8,
}

/// The three cases, the seed's first.
pub const CASES: [Case; 3] = [
    Case {
        queue: "durable_queue",
        durability: Durability::Durable,
        delivery_mode: 2,
    },
    Case {
        queue: "durable_queue_transient_messages",
        durability: Durability::Durable,
        delivery_mode: 1,
    },
    Case {
        queue: "transient_queue",
        durability: Durability::Transient,
        delivery_mode: 2,
    },
];

/// What one case kept: `None` when the queue itself was gone.
pub type Kept = Option<Vec<Vec<u8>>>;

// ANCHOR: publish
/// Publishes `count` tasks to `queue` with `delivery_mode`, with
/// publisher confirms: returns once the broker has confirmed every one.
pub async fn publish_confirmed(
    channel: &Channel,
    queue: &str,
    count: usize,
    delivery_mode: u8,
) -> shared::Result<usize> {
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .map_err(lost)?;
    let mut confirms = Vec::with_capacity(count);
    for n in 1..=count {
        let confirm = channel
            .basic_publish(
                "".into(),
                queue.into(),
                BasicPublishOptions::default(),
                format!("task {n}").as_bytes(),
                BasicProperties::default().with_delivery_mode(delivery_mode),
            )
            .await
            .map_err(lost)?;
        confirms.push(confirm);
    }
    let mut confirmed = 0;
    for confirm in confirms {
        if confirm.await.map_err(lost)?.is_ack() {
            confirmed += 1;
        }
    }
    Ok(confirmed)
}
// ANCHOR_END: publish

/// Takes every message left in `queue` (`basic_get`, acknowledged by
/// the broker as it hands them over); `None` if there is no such queue.
async fn drain(url: &str, queue: &str) -> shared::Result<Kept> {
    let connection = connect(url, "demo-durable").await?;
    // A passive declare of a missing queue closes its channel with
    // NOT_FOUND: it gets a channel of its own.
    let probe = connection.create_channel().await.map_err(lost)?;
    if declare::inspect(&probe, queue).await.is_err() {
        connection.close(200, "bye".into()).await.map_err(lost)?;
        return Ok(None);
    }
    let mut bodies = Vec::new();
    while let Some(message) = probe
        .basic_get(queue.into(), BasicGetOptions { no_ack: true })
        .await
        .map_err(lost)?
    {
        bodies.push(message.delivery.data.clone());
    }
    connection.close(200, "bye".into()).await.map_err(lost)?;
    Ok(Some(bodies))
}

/// The demo on `server` (which it restarts): `count` tasks per case.
/// Returns what each case kept.
pub fn run(
    server: &mut RabbitServer,
    count: usize,
    out: &Transcript,
    lane: &Lane,
) -> shared::Result<Vec<Kept>> {
    let url = server.url();
    runtime()?.block_on(async {
        let connection = connect(&url, "demo-durable").await?;
        let channel = connection.create_channel().await.map_err(lost)?;
        for case in CASES {
            declare::queue(&channel, case.queue, case.durability).await?;
            let confirmed = publish_confirmed(
                &channel,
                case.queue,
                count,
                case.delivery_mode,
            )
            .await?;
            out.say(
                lane,
                format!(
                    "{}: durable={}, {count} messages with delivery_mode={}, \
                     {confirmed} confirmed",
                    case.queue,
                    python_bool(case.durability == Durability::Durable),
                    case.delivery_mode
                ),
            );
        }
        connection.close(200, "bye".into()).await.map_err(lost)
    })?;
    out.say(lane, "restarting the broker (rabbitmqctl stop, then start)");
    server.restart()?;
    let mut kept = Vec::new();
    for case in CASES {
        let left = runtime()?.block_on(drain(&url, case.queue))?;
        out.say(
            lane,
            match &left {
                None => {
                    format!("{}: gone (NOT_FOUND), {count} lost", case.queue)
                }
                Some(bodies) => format!(
                    "{}: kept, {} of {count} messages{}",
                    case.queue,
                    bodies.len(),
                    bodies
                        .iter()
                        .map(|b| format!(" {}", shared::py::bytes(b)))
                        .collect::<String>()
                ),
            },
        );
        kept.push(left);
    }
    Ok(kept)
}

fn python_bool(value: bool) -> &'static str {
    if value { "True" } else { "False" }
}
