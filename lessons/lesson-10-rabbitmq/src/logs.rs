//! Lesson 10: exchanges, the seed's logging programs: `emit_log.py` and
//! `receive_logs.py` (fanout), `emit_log_direct.py` and
//! `receive_logs_direct.py` (direct, by severity), `emit_log_topic.py`
//! and `receive_logs_topic.py` (topic, by `facility.severity` patterns).
//!
//! A producer never publishes to a queue: it publishes to an exchange,
//! and the exchange copies the message into every queue bound to it whose
//! binding matches the message's routing key. A *fanout* exchange ignores
//! the key (every bound queue gets a copy); a *direct* one wants the key
//! equal to the binding; a *topic* one matches dot-separated words, `*`
//! standing for exactly one word and `#` for zero or more.
//!
//! Each receiver declares its own queue with `queue_declare('',
//! exclusive=True)`: the broker names it `amq.gen-…` and deletes it when
//! the receiver's connection closes. A log published while no receiver is
//! bound goes nowhere: it is dropped, not kept for later.

use lapin::options::BasicPublishOptions;
use lapin::{BasicProperties, ExchangeKind};
use shared::{Lane, Transcript};

use crate::connect::{lost, open};
use crate::consume::{self, Ack, Stop};
use crate::declare::{self, Route, Topology};
use crate::lines;

/// Which exchange type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Every bound queue gets a copy.
    Fanout,
    /// Queues bound with the message's key.
    Direct,
    /// Queues bound with a pattern the key matches.
    Topic,
}

impl Kind {
    /// The exchange type's name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Fanout => "fanout",
            Kind::Direct => "direct",
            Kind::Topic => "topic",
        }
    }

    fn exchange_kind(self) -> ExchangeKind {
        match self {
            Kind::Fanout => ExchangeKind::Fanout,
            Kind::Direct => ExchangeKind::Direct,
            Kind::Topic => ExchangeKind::Topic,
        }
    }
}

/// `emit_log.py`'s message when its command line is empty.
pub const DEFAULT_LOG: &str = "info: Hello World!";
/// The direct emitter's default severity.
pub const DEFAULT_SEVERITY: &str = "info";
/// The topic emitter's default key.
pub const DEFAULT_TOPIC: &str = "anonymous.info";

// ANCHOR: emit
/// The emitters: declare `exchange` of `kind`, publish `message` with
/// `key`, close. A fanout emitter prints ` [x] Sent 'message'`, the
/// others ` [x] Sent 'key':'message'`.
pub async fn emit(
    url: &str,
    exchange: &str,
    kind: Kind,
    key: &str,
    message: &str,
    out: &Transcript,
    lane: &Lane,
) -> shared::Result<()> {
    let session = open(url, "emit-log").await?;
    declare::exchange(&session.channel, exchange, kind.exchange_kind()).await?;
    session
        .channel
        .basic_publish(
            exchange.into(),
            key.into(),
            BasicPublishOptions::default(),
            message.as_bytes(),
            BasicProperties::default(),
        )
        .await
        .map_err(lost)?;
    out.say(
        lane,
        match kind {
            Kind::Fanout => lines::sent(message),
            _ => lines::sent_routed(key, message),
        },
    );
    session.close().await
}
// ANCHOR_END: emit

/// What a log receiver listens to.
#[derive(Clone, Debug)]
pub struct Subscription {
    /// The exchange (`logs`, `direct_logs`, `topic_logs`).
    pub exchange: String,
    /// Its type.
    pub kind: Kind,
    /// The binding keys: severities, or topic patterns (a fanout
    /// receiver ignores them and binds once).
    pub keys: Vec<String>,
    /// Exit after this many logs (`None`: until stopped).
    pub count: Option<usize>,
    /// The receiver's name in the run's diagram.
    pub name: String,
}

/// The receivers: declare the exchange, a server-named exclusive queue
/// bound with each key, and print each log until the count or `stop`.
/// `ready` runs once the bindings are in place: logs published before
/// are not for this queue.
pub async fn receive(
    url: &str,
    subscription: &Subscription,
    stop: Stop,
    ready: impl FnOnce(),
    out: &Transcript,
    lane: &Lane,
    topology: &Topology,
) -> shared::Result<usize> {
    let Subscription { exchange, kind, .. } = subscription;
    let session = open(url, "receive-logs").await?;
    let channel = &session.channel;
    declare::exchange(channel, exchange, kind.exchange_kind()).await?;
    // ANCHOR: bind_logs
    let queue = declare::exclusive_queue(channel).await?;
    let fanout = [String::new()];
    let keys = match kind {
        Kind::Fanout => &fanout[..],
        _ => &subscription.keys[..],
    };
    for key in keys {
        declare::bind(channel, &queue, exchange, key).await?;
        topology.add(Route {
            exchange: exchange.clone(),
            kind: kind.name(),
            key: key.clone(),
            queue: queue.clone(),
            consumer: subscription.name.clone(),
        });
    }
    // ANCHOR_END: bind_logs
    let mut deliveries =
        consume::start(channel, &queue, None, Ack::Auto, stop).await?;
    out.say(lane, lines::WAITING_LOGS);
    ready();
    let count = subscription.count;
    while count.is_none_or(|n| deliveries.received() < n) {
        let Some(delivery) = deliveries.next().await? else {
            break;
        };
        let key = delivery.routing_key.as_str();
        out.say(
            lane,
            match kind {
                Kind::Fanout => lines::log(&delivery.data),
                _ => lines::routed_log(key, &delivery.data),
            },
        );
    }
    let received = deliveries.received();
    session.close().await?;
    Ok(received)
}
