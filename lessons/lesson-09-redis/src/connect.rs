//! Lesson 09: reaching Redis, the course's `Redis(host='127.0.0.1')`, and
//! the queue operations every model shares (fill the list, pop one
//! message).
//!
//! Two things redis-rs 1.x does that a blocking consumer must undo, both
//! checked by this lesson's tests:
//!
//! - An async connection gives up on any reply after 500 ms by default,
//!   and a `BRPOP` that waits longer than that fails with a timeout error
//!   although nothing is wrong: [`async_connection`] sets the response
//!   timeout longer than the longest pop instead. (Off altogether, a
//!   server that vanishes without closing the socket would leave the pop
//!   waiting for ever.)
//! - A multiplexed async connection sends every command of every clone
//!   down one socket, and Redis answers them in order: while a `BRPOP`
//!   waits on it, every other command on it waits too. So each blocking
//!   consumer gets a connection of its own, and so does pub/sub.
//!
//! Errors are one line that names the server: a refused connection, a
//! URL that is not a Redis URL, a server that went away mid-run.

use std::time::Duration;

use shared::{Lane, State};

/// How long a connection attempt may take before the run says the server
/// does not answer.
pub const CONNECT_PATIENCE: Duration = Duration::from_secs(2);

/// The client for `url`, or one line saying what is wrong with it.
pub fn client(url: &str) -> shared::Result<redis::Client> {
    redis::Client::open(url)
        .map_err(|e| format!("{url} is not a Redis URL: {e}").into())
}

/// A blocking connection: one socket, one command at a time.
pub fn sync_connection(url: &str) -> shared::Result<redis::Connection> {
    client(url)?
        .get_connection_with_timeout(CONNECT_PATIENCE)
        .map_err(|e| format!("cannot reach Redis at {url}: {e}").into())
}

// ANCHOR: async_connection
/// An async connection for a blocking consumer: its own socket, and a
/// response timeout longer than its longest pop, `idle` (redis-rs's
/// default, 500 ms, fails every `BRPOP` that waits longer).
pub async fn async_connection(
    url: &str,
    idle: Duration,
) -> shared::Result<redis::aio::MultiplexedConnection> {
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(CONNECT_PATIENCE))
        .set_response_timeout(Some(idle + CONNECT_PATIENCE));
    client(url)?
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .map_err(|e| format!("cannot reach Redis at {url}: {e}").into())
}
// ANCHOR_END: async_connection

/// Empties `queue` and pushes `messages` with one `LPUSH`, so that `BRPOP`
/// (which pops from the right) takes them in order.
pub fn fill(
    connection: &mut redis::Connection,
    queue: &str,
    messages: &[String],
) -> shared::Result<()> {
    let mut pipe = redis::pipe();
    pipe.atomic().del(queue).ignore();
    if !messages.is_empty() {
        pipe.lpush(queue, messages).ignore();
    }
    pipe.query::<()>(connection)
        .map_err(|e| format!("cannot fill `{queue}`: {e}"))?;
    Ok(())
}

/// The messages a run pushes: `"0"`, `"1"`, … as text, so the printed
/// results read like the course's.
pub fn numbered(count: usize) -> Vec<String> {
    (0..count).map(|n| n.to_string()).collect()
}

/// One `BRPOP queue idle`: the next message, waiting at most `idle` for
/// one (the course waits for ever, `brpop('test', 0)`; a bounded run
/// cannot). Traced as a blocked span on `lane`: the thread is stuck in it.
pub fn brpop(
    connection: &mut redis::Connection,
    queue: &str,
    idle: Duration,
    lane: &Lane,
) -> shared::Result<String> {
    let _popping = lane.span(State::Blocked, "brpop");
    let popped: Option<(String, String)> = redis::cmd("BRPOP")
        .arg(queue)
        .arg(idle.as_secs_f64())
        .query(connection)
        .map_err(lost)?;
    popped
        .map(|(_, data)| data)
        .ok_or_else(|| empty(queue, idle))
}

/// [`brpop`] on an async connection: the task waits, the thread runs
/// other tasks.
pub async fn brpop_async(
    connection: &mut redis::aio::MultiplexedConnection,
    queue: &str,
    idle: Duration,
    lane: &Lane,
) -> shared::Result<String> {
    let _popping = lane.span(State::Waiting, "brpop");
    let popped: Option<(String, String)> = redis::cmd("BRPOP")
        .arg(queue)
        .arg(idle.as_secs_f64())
        .query_async(connection)
        .await
        .map_err(lost)?;
    popped
        .map(|(_, data)| data)
        .ok_or_else(|| empty(queue, idle))
}

/// A failed command, as one line: most often the server went away.
pub fn lost(e: redis::RedisError) -> shared::Error {
    if e.is_io_error()
        || e.is_connection_dropped()
        || e.is_unrecoverable_error()
    {
        format!("lost the Redis connection: {e}").into()
    } else {
        format!("Redis refused a command: {e}").into()
    }
}

fn empty(queue: &str, idle: Duration) -> shared::Error {
    format!(
        "the list `{queue}` stayed empty for {:.1} s (push messages, or \
         drop --no-fill)",
        idle.as_secs_f64()
    )
    .into()
}
