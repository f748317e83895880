//! Lesson 10: consuming, the seed's `basic_qos`, `basic_consume(callback)`
//! and `start_consuming()`.
//!
//! pika calls the program's callback for each message from inside
//! `start_consuming()`, a loop that never returns. lapin hands the program
//! a [`Consumer`], a stream of deliveries: the loop is the program's own
//! `while let Some(delivery) = deliveries.next().await`, so it can stop
//! after N messages, on Ctrl-C, or when the connection is lost, and say
//! which.
//!
//! Two settings decide what the broker may do with a delivered message:
//!
//! - [`Ack::Manual`]: the broker keeps the message until the consumer
//!   acknowledges it (`basic_ack`); if the consumer's channel closes first
//!   (the process died), the broker requeues it, marked `redelivered`, for
//!   another consumer. [`Ack::Auto`] (pika's `auto_ack=True`, the seed's
//!   `no_ack=True`) lets the broker forget it the moment it is sent.
//! - The prefetch count (`basic_qos(prefetch_count=N)`): at most N
//!   unacknowledged messages per consumer. Unlimited (the default), the
//!   broker deals the queue out round-robin as fast as it can, whatever
//!   each consumer's speed; with 1, a consumer gets its next message only
//!   once it has acknowledged the last: fair dispatch.

use std::future::Future;
use std::pin::Pin;

use futures::StreamExt;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicQosOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Consumer};

use crate::connect::lost;

/// Who acknowledges a delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ack {
    /// The consumer, after its work (`basic_ack`): at least once.
    Manual,
    /// The broker, at delivery (`auto_ack=True`): at most once.
    Auto,
}

/// What ends a consumer loop besides its message count: Ctrl-C in a CLI,
/// nothing in a test.
pub type Stop = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A [`Stop`] that fires on Ctrl-C (SIGINT). The handler is installed
/// here, not when the stop is first polled, so a Ctrl-C that comes
/// between this call and the first wait for a message is not the
/// default action (killing the process without a goodbye to the broker).
/// Call it inside the runtime.
pub fn on_ctrl_c() -> Stop {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::interrupt()) {
        Ok(mut interrupts) => Box::pin(async move {
            interrupts.recv().await;
        }),
        // No handler could be installed: then only the count or a lost
        // connection ends the loop.
        Err(_) => never(),
    }
}

/// A [`Stop`] that never fires.
pub fn never() -> Stop {
    Box::pin(std::future::pending())
}

// ANCHOR: consume
/// `basic_qos(prefetch_count)` (none: unlimited) and `basic_consume` on
/// `queue`: the deliveries, as a stream the caller pulls from.
pub async fn start(
    channel: &Channel,
    queue: &str,
    prefetch: Option<u16>,
    ack: Ack,
    stop: Stop,
) -> shared::Result<Deliveries> {
    if let Some(count) = prefetch {
        channel
            .basic_qos(count, BasicQosOptions::default())
            .await
            .map_err(lost)?;
    }
    let options = BasicConsumeOptions {
        no_ack: ack == Ack::Auto,
        ..BasicConsumeOptions::default()
    };
    let consumer = channel
        .basic_consume(queue.into(), "".into(), options, FieldTable::default())
        .await
        .map_err(lost)?;
    Ok(Deliveries {
        consumer,
        stop,
        received: 0,
        queue: queue.to_owned(),
    })
}
// ANCHOR_END: consume

/// A consumer's deliveries, until its [`Stop`] fires.
pub struct Deliveries {
    consumer: Consumer,
    stop: Stop,
    received: usize,
    queue: String,
}

impl Deliveries {
    /// The next delivery; `None` once the stop fired. A lost connection
    /// or a cancelled consumer is an error that says how far it got.
    pub async fn next(&mut self) -> shared::Result<Option<Delivery>> {
        let received = self.received;
        tokio::select! {
            biased;
            () = &mut self.stop => Ok(None),
            item = self.consumer.next() => match item {
                Some(Ok(delivery)) => {
                    self.received += 1;
                    Ok(Some(delivery))
                }
                Some(Err(e)) => Err(format!(
                    "lost the RabbitMQ connection after {received} messages \
                     from `{}`: {e}",
                    self.queue
                )
                .into()),
                None => Err(format!(
                    "the broker ended the consumer on `{}` after {received} \
                     messages",
                    self.queue
                )
                .into()),
            },
        }
    }

    /// How many deliveries so far.
    pub fn received(&self) -> usize {
        self.received
    }
}

// ANCHOR: ack
/// `ch.basic_ack(delivery_tag=method.delivery_tag)`.
pub async fn ack(delivery: &Delivery) -> shared::Result<()> {
    // `false` means the acker was already used: not the case here, where
    // each delivery is acknowledged once.
    delivery
        .ack(BasicAckOptions::default())
        .await
        .map(drop)
        .map_err(lost)
}
// ANCHOR_END: ack
