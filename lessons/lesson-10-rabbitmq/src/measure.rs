//! Lesson 10's `measure`: what publishing, consuming and an RPC call cost
//! on a real broker, and how a work queue scales over worker processes,
//! as `name=value unit` lines.
//!
//! - `publish_msgs_per_sec_confirms`: `messages` persistent messages to a
//!   durable queue with publisher confirms on, at most `window` of them
//!   unconfirmed at a time (waiting for each confirm before the next
//!   publish would make every message a round trip to the disk).
//! - `consume_msgs_per_sec_prefetch_1` and `_prefetch_100`: `messages`
//!   waiting in a queue, consumed with a manual ack each; with prefetch 1
//!   every message waits for the ack of the one before (a round trip
//!   each), with 100 the broker keeps a hundred in flight.
//! - `rpc_round_trip_us`: the median of `calls` calls, one at a time, to
//!   an echo server on its own connection (the seed's RPC with no work).
//! - `scaleout_msgs_per_sec_<n>`: `scaleout` tasks of 10 ms each through
//!   `n` worker processes (prefetch 1, manual ack), from the first publish
//!   to the last worker's exit, starting the processes included. The work
//!   is a sleep, so the processes overlap even on fewer cores than `n`;
//!   the same processes on other machines only need `--amqp` pointed at
//!   the shared broker.
//!
//! `python/pika_measure.py` measures pika's side of the same figures on
//! the same broker (`measure --pika` runs it after these).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::future::try_join_all;
use futures::stream::FuturesUnordered;
use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, QueuePurgeOptions,
};
use lapin::{BasicProperties, Channel};
use shared::Figure;

use crate::connect::{connect, lost, open};
use crate::consume::{self, Ack, Stop, never};
use crate::declare::{self, Durability};
use crate::rpc::{RpcClient, serve};

/// What `measure` runs.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Messages per publish and consume run.
    pub messages: usize,
    /// Unconfirmed publishes allowed at once.
    pub window: usize,
    /// RPC calls.
    pub calls: usize,
    /// Tasks per scale-out run; 0 skips the scale-out.
    pub scaleout: usize,
}

impl Sizes {
    /// `measure`'s defaults.
    pub const NORMAL: Sizes = Sizes {
        messages: 20_000,
        window: 1_000,
        calls: 2_000,
        scaleout: 400,
    };
}

/// The work per scale-out task.
pub const SCALEOUT_WORK: Duration = Duration::from_millis(10);

/// The body that tells a scale-out worker to exit.
const STOP: &[u8] = b"stop";

/// Every figure; the scale-out only when `exe` (this lesson's binary, to
/// spawn workers) is given. Queues are named with `prefix`.
pub async fn measure(
    url: &str,
    prefix: &str,
    sizes: Sizes,
    exe: Option<&Path>,
) -> shared::Result<Vec<Figure>> {
    let queue = format!("{prefix}measure_queue");
    let mut figures = Vec::new();
    let session = open(url, "measure").await?;
    let channel = &session.channel;
    declare::queue(channel, &queue, Durability::Durable).await?;
    purge(channel, &queue).await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .map_err(lost)?;
    let start = Instant::now();
    publish_window(channel, &queue, sizes.messages, sizes.window, b"task")
        .await?;
    figures.push(rate("publish_msgs_per_sec_confirms", sizes.messages, start));
    for prefetch in [1, 100] {
        if prefetch != 1 {
            publish_window(
                channel,
                &queue,
                sizes.messages,
                sizes.window,
                b"task",
            )
            .await?;
        }
        let start = Instant::now();
        drain(url, &queue, prefetch, sizes.messages).await?;
        let name = format!("consume_msgs_per_sec_prefetch_{prefetch}");
        figures.push(rate(&name, sizes.messages, start));
    }
    figures.push(Figure::new(
        "rpc_round_trip_us",
        rpc_round_trip(url, &format!("{prefix}measure_rpc"), sizes.calls)
            .await?
            .as_secs_f64()
            * 1e6,
        "us",
    ));
    if let Some(exe) = exe.filter(|_| sizes.scaleout > 0) {
        let queue = format!("{prefix}measure_scaleout");
        declare::queue(channel, &queue, Durability::Durable).await?;
        for workers in [1, 2, 4] {
            purge(channel, &queue).await?;
            let start = Instant::now();
            let done =
                scaleout(exe, url, channel, &queue, sizes, workers).await?;
            if done != sizes.scaleout {
                return Err(format!(
                    "scale-out over {workers}: {done} of {} tasks done",
                    sizes.scaleout
                )
                .into());
            }
            let name = format!("scaleout_msgs_per_sec_{workers}");
            figures.push(rate(&name, done, start));
        }
    }
    session.close().await?;
    Ok(figures)
}

/// [`measure`] on a runtime of its own, without the scale-out and with
/// queues named `tour-…`: what the tour calls.
pub fn measure_blocking(
    url: &str,
    sizes: Sizes,
) -> shared::Result<Vec<Figure>> {
    crate::connect::runtime()?.block_on(measure(url, "tour-", sizes, None))
}

fn rate(name: &str, count: usize, start: Instant) -> Figure {
    Figure::new(name, count as f64 / start.elapsed().as_secs_f64(), "msg/s")
}

async fn purge(channel: &Channel, queue: &str) -> shared::Result<()> {
    channel
        .queue_purge(queue.into(), QueuePurgeOptions::default())
        .await
        .map(drop)
        .map_err(lost)
}

// ANCHOR: window
/// Publishes `count` persistent copies of `body` on `channel` (in confirm
/// mode), keeping at most `window` unconfirmed. They go out in batches of
/// half the window, each batch's publishes awaited together (each one is
/// a frame handed to lapin's IO thread: one at a time, the hand-offs
/// would set the pace); before a batch goes out, the one before the last
/// must be confirmed.
pub async fn publish_window(
    channel: &Channel,
    queue: &str,
    count: usize,
    window: usize,
    body: &[u8],
) -> shared::Result<()> {
    let batch = (window / 2).max(1);
    let mut unconfirmed = Vec::new();
    let mut sent = 0;
    while sent < count {
        let size = batch.min(count - sent);
        let publishes = (0..size).map(|_| {
            channel.basic_publish(
                "".into(),
                queue.into(),
                BasicPublishOptions::default(),
                body,
                BasicProperties::default().with_delivery_mode(2),
            )
        });
        let confirms = try_join_all(publishes).await.map_err(lost)?;
        for confirm in std::mem::replace(&mut unconfirmed, confirms) {
            confirmed(confirm).await?;
        }
        sent += size;
    }
    for confirm in unconfirmed {
        confirmed(confirm).await?;
    }
    Ok(())
}

async fn confirmed(confirm: lapin::PublisherConfirm) -> shared::Result<()> {
    if confirm.await.map_err(lost)?.is_ack() {
        Ok(())
    } else {
        Err("the broker refused a message (nack)".into())
    }
}
// ANCHOR_END: window

// ANCHOR: drain
/// Consumes `count` messages from `queue` with `prefetch`, acking each.
/// The acks are not awaited one by one: each is a frame handed to
/// lapin's IO thread, and waiting for that hand-off before taking the
/// next delivery would add a thread round trip per message. They run
/// beside the loop instead, at most `prefetch` of them at once.
pub async fn drain(
    url: &str,
    queue: &str,
    prefetch: u16,
    count: usize,
) -> shared::Result<()> {
    let session = open(url, "measure-consume").await?;
    let mut deliveries = consume::start(
        &session.channel,
        queue,
        Some(prefetch),
        Ack::Manual,
        never(),
    )
    .await?;
    let mut acks = FuturesUnordered::new();
    while deliveries.received() < count {
        tokio::select! {
            Some(acked) = acks.next(), if !acks.is_empty() => acked?,
            delivery = deliveries.next() => {
                let delivery = delivery?.ok_or("stopped")?;
                acks.push(async move { consume::ack(&delivery).await });
            }
        }
    }
    while let Some(acked) = acks.next().await {
        acked?;
    }
    session.close().await
}
// ANCHOR_END: drain

/// The median round trip of `calls` calls to an echo server.
async fn rpc_round_trip(
    url: &str,
    queue: &str,
    calls: usize,
) -> shared::Result<Duration> {
    let server = open(url, "measure-rpc-server").await?;
    let (ready, serving) = tokio::sync::oneshot::channel();
    let echo = |body: Vec<u8>| std::future::ready(Ok(body));
    let (stop_server, stopped) = tokio::sync::oneshot::channel::<()>();
    let stop: Stop = Box::pin(async {
        let _ = stopped.await;
    });
    let serving_task = serve(
        &server.channel,
        queue,
        None,
        stop,
        move || {
            let _ = ready.send(());
        },
        echo,
    );
    let calling = async {
        let _ = serving.await;
        let connection = connect(url, "measure-rpc-client").await?;
        let client = RpcClient::new(&connection).await?;
        let mut samples = Vec::with_capacity(calls);
        for _ in 0..calls {
            let start = Instant::now();
            client.call(queue, b"30", Duration::from_secs(30)).await?;
            samples.push(start.elapsed().as_secs_f64());
        }
        drop(client);
        connection.close(200, "bye".into()).await.map_err(lost)?;
        let _ = stop_server.send(());
        Ok::<_, shared::Error>(shared::median(samples))
    };
    let (served, median) = tokio::join!(serving_task, calling);
    served?;
    server.close().await?;
    Ok(Duration::from_secs_f64(median?))
}

/// One scale-out run: `sizes.scaleout` tasks and a stop per worker, then
/// `workers` processes; returns the tasks done.
async fn scaleout(
    exe: &Path,
    url: &str,
    channel: &Channel,
    queue: &str,
    sizes: Sizes,
    workers: usize,
) -> shared::Result<usize> {
    publish_window(channel, queue, sizes.scaleout, sizes.window, b"task")
        .await?;
    publish_window(channel, queue, workers, sizes.window, STOP).await?;
    let children = (0..workers)
        .map(|_| {
            Command::new(exe)
                .args(["--amqp", url, "scaleout-worker", "--queue", queue])
                .stdout(Stdio::piped())
                .spawn()
                .map_err(|e| format!("cannot start {}: {e}", exe.display()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut done = 0;
    for child in children {
        let output =
            tokio::task::spawn_blocking(move || child.wait_with_output())
                .await??;
        if !output.status.success() {
            return Err(format!(
                "a scale-out worker failed: {}",
                output.status
            )
            .into());
        }
        let text = String::from_utf8_lossy(&output.stdout);
        done += text.trim().parse::<usize>().map_err(|_| {
            format!("a scale-out worker printed `{}`", text.trim())
        })?;
    }
    Ok(done)
}

// ANCHOR: scaleout_worker
/// One scale-out worker process: prefetch 1, [`SCALEOUT_WORK`] per task,
/// ack, until a `stop` message; returns how many tasks it did. Run it
/// on any machine that reaches the broker:
/// `lesson-10-rabbitmq --amqp amqp://guest:guest@broker:5672/%2f
/// scaleout-worker --queue measure_scaleout`.
pub async fn scaleout_worker(url: &str, queue: &str) -> shared::Result<usize> {
    let session = open(url, "scaleout-worker").await?;
    let mut deliveries =
        consume::start(&session.channel, queue, Some(1), Ack::Manual, never())
            .await?;
    let mut done = 0;
    while let Some(task) = deliveries.next().await? {
        if task.data == STOP {
            consume::ack(&task).await?;
            break;
        }
        tokio::time::sleep(SCALEOUT_WORK).await;
        consume::ack(&task).await?;
        done += 1;
    }
    session.close().await?;
    Ok(done)
}
// ANCHOR_END: scaleout_worker

/// Runs `python/pika_measure.py` against the broker at `url` with the
/// same sizes: pika's figures, each name ending in `_pika`.
pub fn pika(
    url: &str,
    prefix: &str,
    sizes: Sizes,
) -> shared::Result<Vec<Figure>> {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("python/pika_measure.py");
    let output = Command::new("python3")
        .arg(&script)
        .env("AMQP_URL", url)
        .env("PREFIX", prefix)
        .env("MESSAGES", sizes.messages.to_string())
        .env("CALLS", sizes.calls.to_string())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run python3 {}: {e}", script.display()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or("no output");
        return Err(format!(
            "python3 {} failed: {last} (pip install pika?)",
            script.display()
        )
        .into());
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            line.parse::<Figure>().map_err(|e| {
                format!("pika_measure.py printed `{line}`: {e}").into()
            })
        })
        .collect()
}
