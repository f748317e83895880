//! Lesson 12: an agent, one "host" of the homework: it takes the commands
//! sent to its name and answers each with its result.
//!
//! The console publishes every task to one direct exchange,
//! [`EXCHANGE`], once per host, with the host's name as the routing key.
//! An agent declares a queue of its own, `rpc_agent.<name>`, and binds it
//! to that exchange under its name: the exchange puts in it exactly the
//! messages addressed to it. From there it is lesson 10's RPC server
//! ([`lesson_10_rabbitmq::rpc::serve`]): one request at a time (prefetch
//! 1, manual ack), the answer published to the request's `reply_to` under
//! its `correlation_id` (the task id), then the ack. An agent killed
//! mid-command never acks, so the broker keeps the request in its queue;
//! the request's expiration (the console's patience) makes sure a later
//! agent of that name does not run a stale command.

use lesson_10_rabbitmq::connect;
use lesson_10_rabbitmq::consume::Stop;
use lesson_10_rabbitmq::declare::{self, Durability};
use lesson_10_rabbitmq::rpc;
use shared::{Lane, Transcript};

use crate::exec::{self, Allow, Limits};
use crate::task::{Message, Outcome, Request, ending};

/// The direct exchange every task is published to.
pub const EXCHANGE: &str = "rpc_hosts";

/// The exchange's name under a run's `prefix` (tests give each run its
/// own, so they can share a broker).
pub fn exchange(prefix: &str) -> String {
    format!("{prefix}{EXCHANGE}")
}

/// Host `name`'s queue.
pub fn queue(prefix: &str, name: &str) -> String {
    format!("{prefix}rpc_agent.{name}")
}

/// What an agent prints once it consumes.
pub fn waiting_line(name: &str, limits: &Limits) -> String {
    let allowed = match &limits.allow {
        Allow::Any => "any command".to_owned(),
        Allow::List(list) => list.join(", "),
    };
    format!(
        "[{name}] waiting for tasks (runs: {allowed}; timeout {} s)",
        limits.timeout.as_secs_f64()
    )
}

/// The warning an agent with `--allow-any` prints at start.
pub const ALLOW_ANY_WARNING: &str = "warning: --allow-any: this agent runs \
    any program that anyone who can publish to the broker sends it";

/// Runs agent `name` on the broker at `url`: declares the exchange and its
/// queue, binds them, then answers tasks until `stop` fires (or `count`
/// tasks). Returns how many it answered.
#[allow(
    clippy::too_many_arguments,
    reason = "the agent's settings and its stop, ready and output hooks"
)]
pub async fn serve(
    url: &str,
    prefix: &str,
    name: &str,
    limits: &Limits,
    count: Option<usize>,
    stop: Stop,
    ready: impl FnOnce(),
    out: &Transcript,
    lane: &Lane,
) -> shared::Result<usize> {
    let session = connect::open(url, &format!("agent {name}")).await?;
    let channel = &session.channel;
    // ANCHOR: serve
    let (exchange, queue) = (exchange(prefix), queue(prefix, name));
    declare::exchange(channel, &exchange, lapin::ExchangeKind::Direct).await?;
    declare::queue(channel, &queue, Durability::Transient).await?;
    declare::bind(channel, &queue, &exchange, name).await?;
    let announce = || {
        out.say(lane, waiting_line(name, limits));
        ready();
    };
    let handle = |body: Vec<u8>| async move {
        let reply = match serde_json::from_slice::<Request>(&body) {
            Ok(request) => {
                out.say(
                    lane,
                    format!(
                        "[{name}] task {}: {}",
                        request.id,
                        request.argv.join(" ")
                    ),
                );
                let reply = exec::run(name, &request.argv, limits).await;
                out.say(
                    lane,
                    format!("[{name}] task {}: {}", request.id, ending(&reply)),
                );
                reply
            }
            Err(e) => {
                let mut reply = exec::run(name, &[], limits).await;
                reply.outcome = Outcome::Refused {
                    why: format!("not a task: {e}"),
                };
                reply
            }
        };
        Ok(Message::Result(reply).to_bytes())
    };
    let answered =
        rpc::serve(channel, &queue, count, stop, announce, handle).await?;
    // ANCHOR_END: serve
    session.close().await?;
    Ok(answered)
}
