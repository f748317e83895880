//! Lesson 10: "Hello World!", the seed's `send.py` and `receive.py`.
//!
//! The sender declares the queue `hello`, publishes one message to the
//! default exchange (`exchange=''`) with the queue's name as routing key,
//! and closes; the receiver declares the same queue and prints every
//! message it gets. The default exchange routes a message to the queue
//! named by its key: the simplest route, and every later pattern replaces
//! it with an exchange of its own.

use lapin::BasicProperties;
use lapin::options::BasicPublishOptions;
use shared::{Lane, Transcript};

use crate::connect::{lost, open};
use crate::consume::{self, Ack, Stop};
use crate::declare::{self, Durability};
use crate::lines;

/// The seed's message.
pub const HELLO: &str = "Hello World!";

// ANCHOR: send
/// `send.py`: declare `queue`, publish `Hello World!` to it, close.
pub async fn send(
    url: &str,
    queue: &str,
    out: &Transcript,
    lane: &Lane,
) -> shared::Result<()> {
    let session = open(url, "send").await?;
    declare::queue(&session.channel, queue, Durability::Transient).await?;
    session
        .channel
        .basic_publish(
            "".into(),
            queue.into(),
            BasicPublishOptions::default(),
            HELLO.as_bytes(),
            BasicProperties::default(),
        )
        .await
        .map_err(lost)?;
    out.say(lane, lines::sent(HELLO));
    session.close().await
}
// ANCHOR_END: send

// ANCHOR: receive
/// `receive.py`: declare `queue`, print each message as it comes
/// (`auto_ack=True`), until `count` messages or `stop`. `ready` runs
/// once the consumer is registered.
pub async fn receive(
    url: &str,
    queue: &str,
    count: Option<usize>,
    stop: Stop,
    ready: impl FnOnce(),
    out: &Transcript,
    lane: &Lane,
) -> shared::Result<usize> {
    let session = open(url, "receive").await?;
    declare::queue(&session.channel, queue, Durability::Transient).await?;
    let mut deliveries =
        consume::start(&session.channel, queue, None, Ack::Auto, stop).await?;
    out.say(lane, lines::WAITING);
    ready();
    while count.is_none_or(|n| deliveries.received() < n) {
        let Some(delivery) = deliveries.next().await? else {
            break;
        };
        out.say(lane, lines::received(&delivery.data));
    }
    let received = deliveries.received();
    session.close().await?;
    Ok(received)
}
// ANCHOR_END: receive
