//! Lesson 10: RPC over queues, the seed's `rpc_server.py` (computing
//! `fib(n)`) and `rpc_client.py` (`FibonacciRpcClient`).
//!
//! A request is an ordinary message on `rpc_queue` with two properties:
//! `reply_to`, the client's own exclusive queue, and `correlation_id`, a
//! fresh id per call. The server publishes the answer to the `reply_to`
//! queue with the same `correlation_id`, then acknowledges the request
//! (so a server that dies mid-request leaves it to another server). The
//! client reads its reply queue and matches each answer to its call by
//! the id.
//!
//! pika's client waits for its one reply in a loop of
//! `process_data_events()`. Here the reply queue is read by one task that
//! hands each answer to the call waiting for its id, so one client can
//! have many calls in flight, and answers that arrive out of order still
//! reach the right caller. [`serve`] and [`RpcClient`] carry bytes and
//! know nothing of Fibonacci: the seed's server is [`serve`] with
//! [`fib_handler`].

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use lapin::options::BasicPublishOptions;
use lapin::{BasicProperties, Channel, Connection};
use shared::{Lane, Transcript};
use tokio::sync::oneshot;

use crate::connect::lost;
use crate::consume::{self, Ack, Stop};
use crate::declare::{self, Durability};
use crate::lines;

/// The seed's `fib`: the naive recursion, so that `fib(30)` costs the
/// server real work (about 1.3 million calls).
///
/// ```
/// assert_eq!(lesson_10_rabbitmq::rpc::fib(30), 832040);
/// ```
pub fn fib(n: u64) -> u64 {
    match n {
        0 => 0,
        1 => 1,
        n => fib(n - 1) + fib(n - 2),
    }
}

/// The seed's request handler: the body is `n` as text; prints
/// ` [.] fib(n)` and answers `fib(n)` as text.
pub fn fib_handler(
    out: &Transcript,
    lane: &Lane,
) -> impl FnMut(Vec<u8>) -> std::future::Ready<shared::Result<Vec<u8>>> {
    let (out, lane) = (out.clone(), lane.clone());
    move |body| {
        let text = String::from_utf8_lossy(&body).into_owned();
        out.say(&lane, lines::computing(&text));
        std::future::ready(match text.trim().parse::<u64>() {
            // Beyond 90 the answer overflows u64, and the recursion would
            // run for years anyway.
            Ok(n) if n <= 90 => Ok(fib(n).to_string().into_bytes()),
            _ => Err(format!("`{text}` is not a number up to 90").into()),
        })
    }
}

/// `rpc_server.py`: declare `queue`, take one request at a time
/// (prefetch 1, manual ack), answer each with `handle(body)` on its
/// `reply_to` queue under its `correlation_id`, then ack it. Stops after
/// `count` requests or on `stop`; returns how many it answered. A request
/// the handler refuses is answered with `error: <why>`.
pub async fn serve<F, Fut>(
    channel: &Channel,
    queue: &str,
    count: Option<usize>,
    stop: Stop,
    ready: impl FnOnce(),
    mut handle: F,
) -> shared::Result<usize>
where
    F: FnMut(Vec<u8>) -> Fut,
    Fut: Future<Output = shared::Result<Vec<u8>>>,
{
    declare::queue(channel, queue, Durability::Transient).await?;
    let mut requests =
        consume::start(channel, queue, Some(1), Ack::Manual, stop).await?;
    ready();
    // ANCHOR: serve
    let mut answered = 0;
    while count.is_none_or(|n| answered < n) {
        let Some(request) = requests.next().await? else {
            break;
        };
        let properties = &request.properties;
        let reply = match handle(request.data.clone()).await {
            Ok(reply) => reply,
            Err(e) => format!("error: {e}").into_bytes(),
        };
        if let Some(reply_to) = properties.reply_to() {
            let mut answer = BasicProperties::default();
            if let Some(id) = properties.correlation_id() {
                answer = answer.with_correlation_id(id.clone());
            }
            channel
                .basic_publish(
                    "".into(),
                    reply_to.clone(),
                    BasicPublishOptions::default(),
                    &reply,
                    answer,
                )
                .await
                .map_err(lost)?;
        }
        consume::ack(&request).await?;
        answered += 1;
    }
    // ANCHOR_END: serve
    Ok(answered)
}

/// The calls waiting for their answer, by correlation id.
type Pending = Arc<Mutex<HashMap<String, oneshot::Sender<Vec<u8>>>>>;

/// `FibonacciRpcClient`: a channel, an exclusive reply queue, and a task
/// that hands each reply to the call waiting for its correlation id.
pub struct RpcClient {
    channel: Channel,
    reply_to: String,
    pending: Pending,
    next_id: AtomicU64,
    /// Why the reply reader stopped, once it has.
    ended: Arc<Mutex<Option<String>>>,
    reader: tokio::task::JoinHandle<()>,
}

impl RpcClient {
    /// Opens the client's channel on `connection` and its reply queue.
    pub async fn new(connection: &Connection) -> shared::Result<RpcClient> {
        let channel = connection.create_channel().await.map_err(lost)?;
        let reply_to = declare::exclusive_queue(&channel).await?;
        let mut replies = consume::start(
            &channel,
            &reply_to,
            None,
            Ack::Auto,
            consume::never(),
        )
        .await?;
        let pending = Pending::default();
        let ended = Arc::new(Mutex::new(None));
        // ANCHOR: reader
        let reader = tokio::spawn({
            let (pending, ended) = (pending.clone(), ended.clone());
            async move {
                let why = loop {
                    match replies.next().await {
                        Ok(Some(reply)) => {
                            let id = reply.properties.correlation_id();
                            let caller = id.as_ref().and_then(|id| {
                                lock(&pending).remove(id.as_str())
                            });
                            // An unknown id is a reply to a call that gave
                            // up: dropped, as the seed's client drops it.
                            if let Some(caller) = caller {
                                let _ = caller.send(reply.data);
                            }
                        }
                        Ok(None) => break "stopped".to_owned(),
                        Err(e) => break e.to_string(),
                    }
                };
                *lock(&ended) = Some(why);
                // Dropping the senders wakes every waiting call.
                lock(&pending).clear();
            }
        });
        // ANCHOR_END: reader
        Ok(RpcClient {
            channel,
            reply_to,
            pending,
            next_id: AtomicU64::new(0),
            ended,
            reader,
        })
    }

    // ANCHOR: call
    /// Publishes `body` to `queue` with this client's `reply_to` and a
    /// fresh `correlation_id`, and waits up to `patience` for the answer.
    pub async fn call(
        &self,
        queue: &str,
        body: &[u8],
        patience: Duration,
    ) -> shared::Result<Vec<u8>> {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let id = format!("{}-{n}", self.reply_to);
        let (answer, reply) = oneshot::channel();
        lock(&self.pending).insert(id.clone(), answer);
        let properties = BasicProperties::default()
            .with_reply_to(self.reply_to.as_str().into())
            .with_correlation_id(id.as_str().into());
        self.channel
            .basic_publish(
                "".into(),
                queue.into(),
                BasicPublishOptions::default(),
                body,
                properties,
            )
            .await
            .map_err(lost)?;
        match tokio::time::timeout(patience, reply).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(_)) => Err(format!(
                "lost the RabbitMQ connection waiting for a reply: {}",
                lock(&self.ended).clone().unwrap_or_default()
            )
            .into()),
            Err(_) => {
                lock(&self.pending).remove(&id);
                Err(format!(
                    "no reply from `{queue}` within {} s: is an RPC server \
                     running there?",
                    patience.as_secs()
                )
                .into())
            }
        }
    }
    // ANCHOR_END: call

    /// `call(n)` of the seed: `fib(n)` from the server on `queue`.
    pub async fn fib(
        &self,
        queue: &str,
        n: u64,
        patience: Duration,
    ) -> shared::Result<u64> {
        let answer =
            self.call(queue, n.to_string().as_bytes(), patience).await?;
        let text = String::from_utf8_lossy(&answer);
        text.parse()
            .map_err(|_| format!("the server answered `{text}`").into())
    }

    /// The client's reply queue (`amq.gen-…`).
    pub fn reply_to(&self) -> &str {
        &self.reply_to
    }
}

impl Drop for RpcClient {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The seed's `rpc_server.py`: [`serve`] with [`fib_handler`] on its own
/// connection, printing ` [x] Awaiting RPC requests` once it consumes.
pub async fn rpc_server(
    url: &str,
    queue: &str,
    count: Option<usize>,
    stop: Stop,
    ready: impl FnOnce(),
    out: &Transcript,
    lane: &Lane,
) -> shared::Result<usize> {
    let session = crate::connect::open(url, "rpc-server").await?;
    let announce = || {
        out.say(lane, lines::AWAITING_RPC);
        ready();
    };
    let handler = fib_handler(out, lane);
    let answered =
        serve(&session.channel, queue, count, stop, announce, handler).await?;
    session.close().await?;
    Ok(answered)
}

/// The seed's `rpc_client.py`: ` [x] Requesting fib(n)`, the call, then
/// ` [.] Got <answer>`.
pub async fn rpc_client(
    url: &str,
    queue: &str,
    n: u64,
    patience: Duration,
    out: &Transcript,
    lane: &Lane,
) -> shared::Result<u64> {
    let connection = crate::connect::connect(url, "rpc-client").await?;
    let client = RpcClient::new(&connection).await?;
    out.say(lane, lines::requesting(n));
    let answer = client.fib(queue, n, patience).await?;
    out.say(lane, lines::got(answer));
    drop(client);
    connection.close(200, "bye".into()).await.map_err(lost)?;
    Ok(answer)
}
