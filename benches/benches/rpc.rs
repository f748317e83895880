//! Lesson 12: the time of one task through a real RabbitMQ broker, from
//! the console's `run` until every reply is filed: `echo hi` on one agent,
//! and the same task fanned out to three agents at once.
//!
//! A task costs more than lesson 10's RPC call: the console reserves an id
//! (a passive declare on a channel of its own), declares the task's results
//! queue, leaves the header there, publishes one request per host, and
//! each agent starts a real process. The figure to read is the ratio of
//! the two: three agents answering in parallel against one.
//!
//! ```text
//! cargo xtask services up        # prints AMQP_URL=...; export it
//! cargo bench -p benches --bench rpc -- --warm-up-time 1 --measurement-time 2
//! ```
//!
//! It needs a broker: the one at `AMQP_URL`, or a private one started for
//! the run when `rabbitmq-server` is installed. Without either it prints
//! one line saying so and exits with status 0. The agents are tasks of
//! the bench's runtime, each on its own connection.

use std::time::Duration;

use lesson_10_rabbitmq::connect::runtime;
use lesson_10_rabbitmq::consume::never;
use lesson_12_rpc::agent;
use lesson_12_rpc::console::Console;
use lesson_12_rpc::exec::Limits;
use shared::services::RabbitServer;
use shared::{Trace, Transcript};

const PREFIX: &str = "lesson12-bench-";

fn main() {
    let rabbit = match RabbitServer::connect_or_start() {
        Ok(rabbit) => rabbit,
        Err(e) => {
            println!("rpc bench skipped: no RabbitMQ broker ({e})");
            return;
        }
    };
    let url = rabbit.url().to_owned();
    let runtime = runtime().expect("a tokio runtime");
    let hosts: Vec<String> = ["b1", "b2", "b3"].map(String::from).to_vec();
    let mut console = runtime
        .block_on(async {
            for host in &hosts {
                let (ready, is_ready) = tokio::sync::oneshot::channel();
                let (url, host) = (url.clone(), host.clone());
                tokio::spawn(async move {
                    let lane = Trace::disabled().lane("agent");
                    let _ = agent::serve(
                        &url,
                        PREFIX,
                        &host,
                        &Limits::default(),
                        None,
                        never(),
                        move || {
                            let _ = ready.send(());
                        },
                        &Transcript::quiet(),
                        &lane,
                    )
                    .await;
                });
                is_ready.await?;
            }
            Console::open(&url, PREFIX, Duration::from_secs(60)).await
        })
        .expect("three agents and a console");
    let mut criterion = benches::criterion();
    let mut group = criterion.benchmark_group("rpc_task");
    for n in [1, 3] {
        group.bench_function(format!("echo_hi_on_{n}_agents"), |b| {
            b.iter(|| {
                runtime
                    .block_on(async {
                        let id = console.run("echo hi", &hosts[..n]).await?;
                        console.settled(id).await
                    })
                    .expect("every agent answers")
            });
        });
    }
    group.finish();
    criterion.final_summary();
}
