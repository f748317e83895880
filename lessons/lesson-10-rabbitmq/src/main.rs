//! Lesson 10 CLI: one subcommand per seed program (`send`, `receive`,
//! `new-task`, `worker`, the three log emitters and receivers,
//! `rpc-server`, `rpc-client`), each against `--amqp URL` (else
//! `AMQP_URL`, else amqp://127.0.0.1:5672); the failure demos; `measure`.
//! With no subcommand, every pattern in order on a private broker.

use std::process::ExitCode;
use std::time::Duration;

use clap::builder::RangedI64ValueParser;
use clap::{Parser, Subcommand};

use lesson_10_rabbitmq::consume::{Ack, on_ctrl_c};
use lesson_10_rabbitmq::declare::{Names, Topology};
use lesson_10_rabbitmq::logs::{self, Kind, Subscription};
use lesson_10_rabbitmq::work::Worker;
use lesson_10_rabbitmq::{connect, hello, rpc, work};
use shared::render::TimelineArgs;
use shared::services::RabbitServer;
use shared::{Trace, Transcript, outln};

/// RabbitMQ: the course's pika programs on lapin, and the broker's
/// promises shown by real failures.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// The broker (default: AMQP_URL, else amqp://127.0.0.1:5672).
    #[arg(long, global = true, value_name = "URL")]
    amqp: Option<String>,
    /// A prefix for every queue and exchange name, so that runs sharing
    /// one broker (the tests) do not share queues.
    #[arg(long, global = true, default_value = "", hide = true)]
    prefix: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// `send.py`: publish `Hello World!` to the queue `hello`.
    Send,
    /// `receive.py`: print what arrives on `hello`.
    Receive {
        #[command(flatten)]
        count: Count,
    },
    /// `new_task.py`: publish the words (or `Hello World!`) as a
    /// persistent message to the durable `task_queue`.
    NewTask {
        /// The message, as words.
        words: Vec<String>,
    },
    /// `worker.py`: one second per `.` of each message, then ack.
    Worker {
        #[command(flatten)]
        count: Count,
        /// How long a `.` takes, in milliseconds (the seed: 1000).
        #[arg(long, default_value_t = 1000, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<u64>::new().range(0..=60_000))]
        dot_ms: u64,
        /// basic_qos(prefetch_count); 0 is unlimited (the broker's
        /// default).
        #[arg(long, default_value_t = 1, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<u16>::new().range(0..=65_535))]
        prefetch: u16,
        /// Let the broker forget each message when it sends it
        /// (`auto_ack=True`): a killed worker loses what it held.
        #[arg(long)]
        auto_ack: bool,
        /// Print ` [x] redelivered=true` after a redelivered message.
        #[arg(long)]
        show_redelivered: bool,
    },
    /// `emit_log.py`: publish to the fanout exchange `logs`.
    EmitLog {
        /// The message, as words (default `info: Hello World!`).
        words: Vec<String>,
    },
    /// `receive_logs.py`: print every log sent to `logs`.
    ReceiveLogs {
        #[command(flatten)]
        count: Count,
    },
    /// `emit_log_direct.py`: publish to `direct_logs` with a severity.
    EmitLogDirect {
        /// The severity (the routing key; default `info`).
        severity: Option<String>,
        /// The message, as words (default `Hello World!`).
        words: Vec<String>,
    },
    /// `receive_logs_direct.py`: print the logs of these severities.
    ReceiveLogsDirect {
        /// Severities to bind (`info`, `warning`, `error`).
        #[arg(required = true)]
        severities: Vec<String>,
        #[command(flatten)]
        count: Count,
    },
    /// `emit_log_topic.py`: publish to `topic_logs` with a key like
    /// `kern.critical`.
    EmitLogTopic {
        /// The routing key (default `anonymous.info`).
        key: Option<String>,
        /// The message, as words (default `Hello World!`).
        words: Vec<String>,
    },
    /// `receive_logs_topic.py`: print the logs whose key matches one of
    /// the patterns (`*` one word, `#` any number).
    ReceiveLogsTopic {
        /// Binding patterns (`kern.*`, `*.critical`, `#`).
        #[arg(required = true)]
        patterns: Vec<String>,
        #[command(flatten)]
        count: Count,
    },
    /// `rpc_server.py`: answer `fib(n)` requests on `rpc_queue`.
    RpcServer {
        #[command(flatten)]
        count: Count,
    },
    /// `rpc_client.py`: ask the server for fib(N).
    RpcClient {
        /// N (the seed asks for 30).
        #[arg(default_value_t = 30, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<u64>::new().range(0..=45))]
        n: u64,
        /// How long to wait for the answer, in seconds.
        #[arg(long, default_value_t = 30, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<u64>::new().range(1..=3600))]
        patience: u64,
    },
    /// Two worker processes, one SIGKILLed holding a task: with acks the
    /// other gets it (redelivered), with auto_ack it is lost.
    DemoRedelivery,
    /// Persistent messages to a durable queue survive a broker restart;
    /// the other cases lose them. Starts a private broker (to restart it).
    DemoDurable {
        /// Messages per case.
        #[arg(long, default_value_t = 3, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<usize>::new().range(1..=100_000))]
        messages: usize,
    },
    /// A fast and a slow worker, prefetch unlimited then 1: who gets what.
    DemoFair {
        #[command(flatten)]
        timeline: TimelineArgs,
    },
    /// Every figure: `name=value unit` lines.
    Measure {
        /// Messages per publish and consume run.
        #[arg(long, default_value_t = lesson_10_rabbitmq::measure::Sizes::NORMAL.messages, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<usize>::new().range(1..=10_000_000))]
        messages: usize,
        /// Unconfirmed publishes allowed at once.
        #[arg(long, default_value_t = lesson_10_rabbitmq::measure::Sizes::NORMAL.window, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<usize>::new().range(1..=1_000_000))]
        window: usize,
        /// RPC calls.
        #[arg(long, default_value_t = lesson_10_rabbitmq::measure::Sizes::NORMAL.calls, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<usize>::new().range(1..=1_000_000))]
        calls: usize,
        /// Tasks per scale-out run (0: no scale-out).
        #[arg(long, default_value_t = lesson_10_rabbitmq::measure::Sizes::NORMAL.scaleout, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<usize>::new().range(0..=1_000_000))]
        scaleout: usize,
        /// Then run python/pika_measure.py against the same broker (needs
        /// python3 with pika: `pip install pika`).
        #[arg(long)]
        pika: bool,
    },
    /// One scale-out worker (what `measure` spawns): 10 ms per task until
    /// a `stop` message; prints how many tasks it did.
    ScaleoutWorker {
        /// The queue to work on.
        #[arg(long)]
        queue: String,
    },
}

/// `--count N`: a consumer exits after N messages (default: on Ctrl-C).
#[derive(Debug, clap::Args)]
struct Count {
    /// Exit after this many messages (default: run until Ctrl-C).
    #[arg(long, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<usize>::new().range(1..=100_000_000))]
    count: Option<usize>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    shared::exit_code(run(cli))
}

/// The message from the command line's words, or `default`.
fn message(words: &[String], default: &str) -> String {
    if words.is_empty() {
        default.to_owned()
    } else {
        words.join(" ")
    }
}

fn run(cli: Cli) -> shared::Result<()> {
    let Some(command) = cli.command else {
        return default_run(cli.amqp.as_deref(), &cli.prefix);
    };
    let command = match command {
        Command::DemoDurable { messages } => return demo_durable(messages),
        Command::DemoRedelivery => {
            return demo_redelivery(cli.amqp.as_deref(), &cli.prefix);
        }
        Command::DemoFair { timeline } => {
            return demo_fair(cli.amqp.as_deref(), &cli.prefix, &timeline);
        }
        Command::Measure {
            messages,
            window,
            calls,
            scaleout,
            pika,
        } => {
            let sizes = lesson_10_rabbitmq::measure::Sizes {
                messages,
                window,
                calls,
                scaleout,
            };
            return measure(cli.amqp.as_deref(), &cli.prefix, sizes, pika);
        }
        command => command,
    };
    let url = connect::url_from(cli.amqp.as_deref());
    let url = url.as_str();
    let names = Names::prefixed(&cli.prefix);
    let out = Transcript::stdout();
    let trace = Trace::disabled();
    let lane = trace.lane("main");
    let (out, lane) = (&out, &lane);
    let runtime = connect::runtime()?;
    let topology = Topology::default();
    let subscription =
        |exchange: &str, kind, keys: Vec<String>, count| Subscription {
            exchange: exchange.to_owned(),
            kind,
            keys,
            count,
            name: "receiver".to_owned(),
        };
    runtime.block_on(async {
        match command {
            Command::Send => hello::send(url, &names.hello, out, lane).await,
            Command::Receive { count } => hello::receive(
                url,
                &names.hello,
                count.count,
                on_ctrl_c(),
                || (),
                out,
                lane,
            )
            .await
            .map(drop),
            Command::NewTask { words } => {
                let text = message(&words, work::DEFAULT_TASK);
                work::new_task(url, &names.task_queue, &text, out, lane).await
            }
            Command::Worker {
                count,
                dot_ms,
                prefetch,
                auto_ack,
                show_redelivered,
            } => {
                let worker = Worker {
                    queue: names.task_queue.clone(),
                    prefetch: (prefetch > 0).then_some(prefetch),
                    ack: if auto_ack { Ack::Auto } else { Ack::Manual },
                    dot: Duration::from_millis(dot_ms),
                    count: count.count,
                    show_redelivered,
                };
                work::worker(url, &worker, on_ctrl_c(), || (), out, lane)
                    .await
                    .map(drop)
            }
            Command::EmitLog { words } => {
                let text = message(&words, logs::DEFAULT_LOG);
                logs::emit(url, &names.logs, Kind::Fanout, "", &text, out, lane)
                    .await
            }
            Command::ReceiveLogs { count } => {
                let sub = subscription(
                    &names.logs,
                    Kind::Fanout,
                    vec![],
                    count.count,
                );
                logs::receive(
                    url,
                    &sub,
                    on_ctrl_c(),
                    || (),
                    out,
                    lane,
                    &topology,
                )
                .await
                .map(drop)
            }
            Command::EmitLogDirect { severity, words } => {
                let severity =
                    severity.unwrap_or_else(|| logs::DEFAULT_SEVERITY.into());
                let text = message(&words, hello::HELLO);
                let exchange = &names.direct_logs;
                logs::emit(
                    url,
                    exchange,
                    Kind::Direct,
                    &severity,
                    &text,
                    out,
                    lane,
                )
                .await
            }
            Command::ReceiveLogsDirect { severities, count } => {
                let sub = subscription(
                    &names.direct_logs,
                    Kind::Direct,
                    severities,
                    count.count,
                );
                logs::receive(
                    url,
                    &sub,
                    on_ctrl_c(),
                    || (),
                    out,
                    lane,
                    &topology,
                )
                .await
                .map(drop)
            }
            Command::EmitLogTopic { key, words } => {
                let key = key.unwrap_or_else(|| logs::DEFAULT_TOPIC.into());
                let text = message(&words, hello::HELLO);
                let exchange = &names.topic_logs;
                logs::emit(url, exchange, Kind::Topic, &key, &text, out, lane)
                    .await
            }
            Command::ReceiveLogsTopic { patterns, count } => {
                let sub = subscription(
                    &names.topic_logs,
                    Kind::Topic,
                    patterns,
                    count.count,
                );
                logs::receive(
                    url,
                    &sub,
                    on_ctrl_c(),
                    || (),
                    out,
                    lane,
                    &topology,
                )
                .await
                .map(drop)
            }
            Command::RpcServer { count } => rpc::rpc_server(
                url,
                &names.rpc_queue,
                count.count,
                on_ctrl_c(),
                || (),
                out,
                lane,
            )
            .await
            .map(drop),
            Command::RpcClient { n, patience } => rpc::rpc_client(
                url,
                &names.rpc_queue,
                n,
                Duration::from_secs(patience),
                out,
                lane,
            )
            .await
            .map(drop),
            Command::ScaleoutWorker { queue } => {
                let done =
                    lesson_10_rabbitmq::measure::scaleout_worker(url, &queue)
                        .await?;
                Ok(outln!("{done}")?)
            }
            Command::DemoRedelivery
            | Command::DemoDurable { .. }
            | Command::DemoFair { .. }
            | Command::Measure { .. } => unreachable!("handled above"),
        }
    })
}

/// The broker of a demo: `--amqp` when given, else AMQP_URL, else a
/// private one.
fn demo_broker(
    amqp: Option<&str>,
) -> shared::Result<(String, Option<shared::services::Service<RabbitServer>>)> {
    match amqp {
        Some(url) => Ok((url.to_owned(), None)),
        None => {
            let broker = RabbitServer::connect_or_start()?;
            Ok((broker.url().to_owned(), Some(broker)))
        }
    }
}

fn demo_redelivery(amqp: Option<&str>, prefix: &str) -> shared::Result<()> {
    let (url, _broker) = demo_broker(amqp)?;
    let exe = std::env::current_exe()?;
    let out = Transcript::stdout();
    let lane = Trace::disabled().lane("demo");
    connect::runtime()?.block_on(lesson_10_rabbitmq::redelivery::both(
        &exe, &url, prefix, &out, &lane,
    ))?;
    Ok(())
}

fn demo_durable(messages: usize) -> shared::Result<()> {
    outln!("starting a private broker (a restart needs one this run owns)")?;
    let bar = shared::progress::spinner("starting the broker");
    let server = RabbitServer::start();
    bar.finish_and_clear();
    let mut server = server?;
    let out = Transcript::stdout();
    let lane = Trace::disabled().lane("demo");
    lesson_10_rabbitmq::durable::run(&mut server, messages, &out, &lane)?;
    Ok(())
}

fn demo_fair(
    amqp: Option<&str>,
    prefix: &str,
    timeline: &TimelineArgs,
) -> shared::Result<()> {
    let (url, _broker) = demo_broker(amqp)?;
    let out = Transcript::stdout();
    let trace = Trace::recording(timeline.wanted());
    let lane = trace.lane("demo");
    let queue = format!("{prefix}fair_queue");
    connect::runtime()?.block_on(lesson_10_rabbitmq::fair::both(
        &url, &queue, &trace, &out, &lane,
    ))?;
    timeline.show(&trace, "lesson 10: demo-fair, a fast and a slow worker")
}

/// Every pattern in order, on the broker at `--amqp`, else AMQP_URL, else
/// a private one.
fn default_run(amqp: Option<&str>, prefix: &str) -> shared::Result<()> {
    let (url, _broker) = demo_broker(amqp)?;
    let out = Transcript::stdout();
    let names = Names::prefixed(prefix);
    connect::runtime()?
        .block_on(lesson_10_rabbitmq::walk::walk(&url, &names, &out))
}

fn measure(
    amqp: Option<&str>,
    prefix: &str,
    sizes: lesson_10_rabbitmq::measure::Sizes,
    pika: bool,
) -> shared::Result<()> {
    let (url, _broker) = demo_broker(amqp)?;
    let exe = std::env::current_exe()?;
    let figures = connect::runtime()?.block_on(
        lesson_10_rabbitmq::measure::measure(&url, prefix, sizes, Some(&exe)),
    )?;
    shared::print_figures(&figures)?;
    if pika {
        let figures = lesson_10_rabbitmq::measure::pika(&url, prefix, sizes)?;
        shared::print_figures(&figures)?;
    }
    Ok(())
}
