//! Lesson 10: messages per second through a real RabbitMQ broker with
//! lapin: publishing persistent messages with publisher confirms (a window
//! of 1,000 unconfirmed), consuming with a manual ack at prefetch 1 and
//! 100, and the round trip of one RPC call to an echo server.
//!
//! The figures to read are the ratios in one run: prefetch 100 against
//! prefetch 1 (a round trip per message against a hundred in flight), and
//! publishing with confirms against consuming. Criterion prints each
//! throughput as `thrpt: … Kelem/s`, one element being one message, and
//! the RPC call as a time per call.
//!
//! ```text
//! cargo xtask services up        # prints AMQP_URL=...; export it
//! cargo bench -p benches --bench rabbitmq
//! ```
//!
//! It needs a broker: the one at `AMQP_URL`, or a private one started for
//! the run when `rabbitmq-server` is installed. Without either it prints
//! one line saying so and exits with status 0. Each iteration publishes
//! `RABBITMQ_BENCH_MESSAGES` messages (5,000 by default); a consume
//! iteration publishes them untimed, then drains them timed. pika's
//! figures beside lapin's, on the same broker: `cargo run --release -p
//! lesson-10-rabbitmq -- measure --pika`.

use std::time::{Duration, Instant};

use criterion::Throughput;
use lapin::options::{ConfirmSelectOptions, QueuePurgeOptions};
use lesson_10_rabbitmq::connect::{connect, open, runtime};
use lesson_10_rabbitmq::consume::never;
use lesson_10_rabbitmq::declare::{self, Durability};
use lesson_10_rabbitmq::measure::{drain, publish_window};
use lesson_10_rabbitmq::rpc::{RpcClient, serve};
use shared::services::RabbitServer;

const QUEUE: &str = "lesson10-bench-queue";
const RPC_QUEUE: &str = "lesson10-bench-rpc";
const WINDOW: usize = 1_000;

fn messages() -> usize {
    std::env::var("RABBITMQ_BENCH_MESSAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5_000)
}

fn main() {
    let rabbit = match RabbitServer::connect_or_start() {
        Ok(rabbit) => rabbit,
        Err(e) => {
            println!("rabbitmq bench skipped: no RabbitMQ broker ({e})");
            return;
        }
    };
    let url = rabbit.url().to_owned();
    let runtime = runtime().expect("a tokio runtime");
    let session = runtime
        .block_on(async {
            let session = open(&url, "bench").await?;
            declare::queue(&session.channel, QUEUE, Durability::Durable)
                .await?;
            session
                .channel
                .queue_purge(QUEUE.into(), QueuePurgeOptions::default())
                .await?;
            session
                .channel
                .confirm_select(ConfirmSelectOptions::default())
                .await?;
            Ok::<_, shared::Error>(session)
        })
        .expect("the broker answered a moment ago");
    let channel = &session.channel;
    let count = messages();
    let publish = || {
        runtime
            .block_on(publish_window(channel, QUEUE, count, WINDOW, b"task"))
            .expect("published and confirmed")
    };
    let mut criterion = benches::criterion();
    let mut group = criterion.benchmark_group("rabbitmq");
    group.throughput(Throughput::Elements(count as u64));
    group.bench_function("publish_confirms", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                publish();
                total += start.elapsed();
                runtime
                    .block_on(channel.queue_purge(
                        QUEUE.into(),
                        QueuePurgeOptions::default(),
                    ))
                    .expect("purged");
            }
            total
        });
    });
    for prefetch in [1, 100] {
        group.bench_function(format!("consume_prefetch_{prefetch}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    publish();
                    let start = Instant::now();
                    runtime
                        .block_on(drain(&url, QUEUE, prefetch, count))
                        .expect("drained");
                    total += start.elapsed();
                }
                total
            });
        });
    }
    group.finish();

    // The RPC server runs as a task beside the client's calls.
    let client = runtime
        .block_on(async {
            let server = open(&url, "bench-rpc-server").await?;
            let (ready, serving) = tokio::sync::oneshot::channel();
            tokio::spawn(async move {
                let echo = |body: Vec<u8>| std::future::ready(Ok(body));
                let ready = move || {
                    let _ = ready.send(());
                };
                let _ = serve(
                    &server.channel,
                    RPC_QUEUE,
                    None,
                    never(),
                    ready,
                    echo,
                )
                .await;
            });
            let _ = serving.await;
            let connection = connect(&url, "bench-rpc-client").await?;
            let client = RpcClient::new(&connection).await?;
            Ok::<_, shared::Error>((connection, client))
        })
        .expect("an RPC server and client");
    let mut group = criterion.benchmark_group("rabbitmq_rpc");
    group.bench_function("round_trip", |b| {
        b.iter(|| {
            runtime
                .block_on(client.1.call(
                    RPC_QUEUE,
                    b"30",
                    Duration::from_secs(30),
                ))
                .expect("an answer")
        });
    });
    group.finish();
    criterion.final_summary();
}
