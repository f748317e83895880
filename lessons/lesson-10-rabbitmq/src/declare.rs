//! Lesson 10: declaring what the programs use: queues, exchanges and the
//! bindings between them (`queue_declare`, `exchange_declare`,
//! `queue_bind`).
//!
//! Every seed program declares what it uses before using it, sender and
//! receiver alike: a declaration is idempotent (declaring an existing
//! queue with the same settings does nothing), so whichever program starts
//! first creates it. Declaring it again with *different* settings (a
//! non-durable `hello` as durable) is refused by the broker with
//! `PRECONDITION_FAILED`, which is why the seed moves to a new queue name,
//! `task_queue`, when it makes the queue durable.
//!
//! [`Names`] holds the seed's names; tests give each run its own prefix so
//! that they can share one broker. [`Topology`] records what a run
//! declared, for the diagrams the default run prints.

use std::sync::{Arc, Mutex, PoisonError};

use lapin::options::{
    ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{Channel, ExchangeKind};

use crate::connect::lost;

/// The names of the seed's queues and exchanges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    /// `send.py` / `receive.py`'s queue: `hello`.
    pub hello: String,
    /// The work queue's: `task_queue`.
    pub task_queue: String,
    /// The fanout exchange of `emit_log.py`: `logs`.
    pub logs: String,
    /// The direct exchange: `direct_logs`.
    pub direct_logs: String,
    /// The topic exchange: `topic_logs`.
    pub topic_logs: String,
    /// The RPC server's queue: `rpc_queue`.
    pub rpc_queue: String,
}

impl Default for Names {
    fn default() -> Names {
        Names::prefixed("")
    }
}

impl Names {
    /// The seed's names with `prefix` in front of each (none: the seed's
    /// own), so that runs sharing a broker do not share queues.
    pub fn prefixed(prefix: &str) -> Names {
        let name = |base: &str| format!("{prefix}{base}");
        Names {
            hello: name("hello"),
            task_queue: name("task_queue"),
            logs: name("logs"),
            direct_logs: name("direct_logs"),
            topic_logs: name("topic_logs"),
            rpc_queue: name("rpc_queue"),
        }
    }
}

/// Whether a queue survives a broker restart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// `queue_declare(queue=...)`: gone after a restart.
    Transient,
    /// `queue_declare(queue=..., durable=True)`: kept.
    Durable,
}

// ANCHOR: declare
/// `channel.queue_declare(queue=name, durable=...)`; returns how many
/// messages are ready in it.
pub async fn queue(
    channel: &Channel,
    name: &str,
    durability: Durability,
) -> shared::Result<u32> {
    let options = QueueDeclareOptions {
        durable: durability == Durability::Durable,
        ..QueueDeclareOptions::default()
    };
    let queue = channel
        .queue_declare(name.into(), options, FieldTable::default())
        .await
        .map_err(lost)?;
    Ok(queue.message_count())
}
// ANCHOR_END: declare

/// `channel.queue_declare('', exclusive=True)`: a queue the broker names
/// (`amq.gen-…`), deleted when this connection closes. Returns its name.
pub async fn exclusive_queue(channel: &Channel) -> shared::Result<String> {
    let queue = channel
        .queue_declare(
            "".into(),
            QueueDeclareOptions::exclusive(),
            FieldTable::default(),
        )
        .await
        .map_err(lost)?;
    Ok(queue.name().to_string())
}

/// `channel.exchange_declare(exchange=name, exchange_type=kind)`.
pub async fn exchange(
    channel: &Channel,
    name: &str,
    kind: ExchangeKind,
) -> shared::Result<()> {
    channel
        .exchange_declare(
            name.into(),
            kind,
            ExchangeDeclareOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(lost)
}

/// `channel.queue_bind(exchange=exchange, queue=queue, routing_key=key)`.
pub async fn bind(
    channel: &Channel,
    queue: &str,
    exchange: &str,
    key: &str,
) -> shared::Result<()> {
    channel
        .queue_bind(
            queue.into(),
            exchange.into(),
            key.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(lost)
}

/// How many messages are ready in `name` and how many consumers it has,
/// without creating it (a passive declare: the broker closes the channel
/// with `NOT_FOUND` if there is no such queue).
pub async fn inspect(
    channel: &Channel,
    name: &str,
) -> shared::Result<(u32, u32)> {
    let options = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    let queue = channel
        .queue_declare(name.into(), options, FieldTable::default())
        .await
        .map_err(lost)?;
    Ok((queue.message_count(), queue.consumer_count()))
}

/// One route a run set up: a producer publishes to `exchange` with a key,
/// the exchange puts the message in `queue` when the binding `key`
/// matches, and consumers read the queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The exchange (`""` is the default exchange).
    pub exchange: String,
    /// `direct`, `fanout` or `topic`.
    pub kind: &'static str,
    /// The binding key (for the default exchange: the queue's name).
    pub key: String,
    /// The queue (`amq.gen-…` for a server-named one).
    pub queue: String,
    /// Who reads it.
    pub consumer: String,
}

/// The routes a run declared, in order, shared by its tasks.
#[derive(Clone, Debug, Default)]
pub struct Topology {
    routes: Arc<Mutex<Vec<Route>>>,
}

impl Topology {
    /// Records one route.
    pub fn add(&self, route: Route) {
        self.routes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(route);
    }

    /// Every route recorded.
    pub fn routes(&self) -> Vec<Route> {
        self.routes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The routes as a text diagram, one line per route, in the order the
    /// run declared them; a server-named queue shows as `amq.gen-…`.
    ///
    /// ```
    /// use lesson_10_rabbitmq::declare::{Route, Topology};
    /// let topology = Topology::default();
    /// topology.add(Route {
    ///     exchange: "logs".into(),
    ///     kind: "fanout",
    ///     key: "".into(),
    ///     queue: "amq.gen-JzTY20BRgKO".into(),
    ///     consumer: "receive-logs 1".into(),
    /// });
    /// assert_eq!(
    ///     topology.diagram(),
    ///     "P -> [logs: fanout] --(any key)--> (amq.gen-…) -> receive-logs 1\n"
    /// );
    /// ```
    pub fn diagram(&self) -> String {
        let mut text = String::new();
        for route in self.routes() {
            let exchange = if route.exchange.is_empty() {
                "(default)".to_owned()
            } else {
                route.exchange.clone()
            };
            let key = match route.kind {
                "fanout" => "(any key)".to_owned(),
                _ => route.key.clone(),
            };
            let queue = if route.queue.starts_with("amq.gen-") {
                "amq.gen-…"
            } else {
                &route.queue
            };
            text.push_str(&format!(
                "P -> [{exchange}: {}] --{key}--> ({queue}) -> {}\n",
                route.kind, route.consumer
            ));
        }
        text
    }
}
