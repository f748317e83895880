//! Lesson 12 CLI: `agent`, `console`, the one-shot `run` and `check`,
//! `fanout`, `measure`; with no subcommand, three agents and the seed's
//! session on a private broker (or `--amqp` / `AMQP_URL`).

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use clap::builder::RangedI64ValueParser;
use clap::{Parser, Subcommand};

use lesson_10_rabbitmq::connect;
use lesson_10_rabbitmq::consume::on_ctrl_c;
use lesson_12_rpc::exec::{self, Allow, Limits};
use lesson_12_rpc::task::{TaskId, now_ms};
use lesson_12_rpc::{agent, console, fanout, measure, prompt, walk};
use shared::render::TimelineArgs;
use shared::services::{RabbitServer, Service};
use shared::{Trace, Transcript, outln};

/// The course's second homework: run commands on several hosts at once
/// over RabbitMQ, each task under an id.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// The broker (default: AMQP_URL, else a private one for the default
    /// run, `fanout` and `measure`, else amqp://127.0.0.1:5672).
    #[arg(long, global = true, value_name = "URL")]
    amqp: Option<String>,
    /// A prefix for every queue and exchange name, so that runs sharing
    /// one broker (the tests) do not share queues.
    #[arg(long, global = true, default_value = "", hide = true)]
    prefix: String,
    #[command(subcommand)]
    command: Option<Command>,
}

/// How long the console waits for each host, in seconds.
#[derive(Debug, clap::Args)]
struct Patience {
    /// Seconds a task waits for each host before `no answer`.
    #[arg(long, default_value_t = lesson_12_rpc::task::DEFAULT_PATIENCE.as_secs(), allow_negative_numbers = true, value_parser = RangedI64ValueParser::<u64>::new().range(1..=3600))]
    patience: u64,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// One host: run the commands sent to NAME and answer each.
    Agent {
        /// The host's name (its routing key).
        #[arg(long)]
        name: String,
        /// The programs it runs, comma-separated, by exact name.
        #[arg(long, default_value = exec::DEFAULT_ALLOW, conflicts_with = "allow_any")]
        allow: String,
        /// Run any program (printed as a warning at start).
        #[arg(long)]
        allow_any: bool,
        /// Seconds a command may run before it is killed.
        #[arg(long, default_value_t = exec::DEFAULT_TIMEOUT.as_secs(), allow_negative_numbers = true, value_parser = RangedI64ValueParser::<u64>::new().range(1..=3600))]
        timeout: u64,
        /// Bytes kept of each output stream.
        #[arg(long, default_value_t = exec::CAP, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<usize>::new().range(1..=16 << 20))]
        cap: usize,
        /// Exit after this many tasks (default: run until Ctrl-C).
        #[arg(long, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<usize>::new().range(1..=100_000_000))]
        count: Option<usize>,
    },
    /// The seed's prompt: `>>:` run "CMD ARGS" --hosts A B, check_task N,
    /// tasks, exit.
    Console {
        #[command(flatten)]
        patience: Patience,
    },
    /// Send one task, print its id and exit; the results wait in the
    /// broker for `check`.
    Run {
        /// The command and its arguments, as one string ("df -h").
        command: String,
        /// The hosts to run it on.
        #[arg(long, required = true, num_args = 1..)]
        hosts: Vec<String>,
        #[command(flatten)]
        patience: Patience,
    },
    /// Print what task ID's hosts have answered so far.
    Check {
        /// The id `run` printed.
        id: TaskId,
    },
    /// Three agents, one task to all of them, and its timeline.
    Fanout {
        #[command(flatten)]
        timeline: TimelineArgs,
    },
    /// Every figure: `name=value unit` lines.
    Measure {
        /// Tasks per scale-out run.
        #[arg(long, default_value_t = measure::Sizes::NORMAL.tasks, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<usize>::new().range(1..=100_000))]
        tasks: usize,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    shared::exit_code(run(cli))
}

/// The broker: `--amqp` when given, else AMQP_URL, else a private one.
fn broker(
    amqp: Option<&str>,
) -> shared::Result<(String, Option<Service<RabbitServer>>)> {
    match amqp {
        Some(url) => Ok((url.to_owned(), None)),
        None => {
            let bar = shared::progress::spinner("starting a broker");
            let broker = RabbitServer::connect_or_start();
            bar.finish_and_clear();
            let broker = broker?;
            Ok((broker.url().to_owned(), Some(broker)))
        }
    }
}

fn run(cli: Cli) -> shared::Result<()> {
    let prefix = cli.prefix.as_str();
    let out = Transcript::stdout();
    let lane = Trace::disabled().lane("main");
    let (out, lane) = (&out, &lane);
    let Some(command) = cli.command else {
        let (url, _broker) = broker(cli.amqp.as_deref())?;
        let exe = std::env::current_exe()?;
        let agents = [("h1", 10), ("h2", 10), ("h3", 1)];
        outln!("agents h1, h2 (timeout 10 s) and h3 (timeout 1 s) start")?;
        let _agents = walk::Agents::start(&exe, &url, prefix, &agents)?;
        return connect::runtime()?
            .block_on(walk::session(&url, prefix, out, lane));
    };
    match command {
        Command::Fanout { timeline } => {
            let (url, _broker) = broker(cli.amqp.as_deref())?;
            let exe = std::env::current_exe()?;
            let agents = fanout::HOSTS.map(|h| (h, 10));
            let _agents = walk::Agents::start(&exe, &url, prefix, &agents)?;
            let trace = Trace::recording(timeline.wanted());
            connect::runtime()?
                .block_on(fanout::fan_out(&url, prefix, &trace, out))?;
            timeline
                .show(&trace, "lesson 12: one task fanned out to three agents")
        }
        Command::Measure { tasks } => {
            let (url, _broker) = broker(cli.amqp.as_deref())?;
            let sizes = measure::Sizes { tasks };
            let figures = connect::runtime()?
                .block_on(measure::measure(&url, prefix, sizes))?;
            Ok(shared::print_figures(&figures)?)
        }
        command => {
            let url = connect::url_from(cli.amqp.as_deref());
            connect::runtime()?.block_on(one(&url, prefix, command, out, lane))
        }
    }
}

/// The subcommands that talk to a broker that is already running.
async fn one(
    url: &str,
    prefix: &str,
    command: Command,
    out: &Transcript,
    lane: &shared::Lane,
) -> shared::Result<()> {
    match command {
        Command::Agent {
            name,
            allow,
            allow_any,
            timeout,
            cap,
            count,
        } => {
            let allow = if allow_any {
                eprintln!("{}", agent::ALLOW_ANY_WARNING);
                Allow::Any
            } else {
                Allow::list(&allow)
            };
            let limits = Limits {
                allow,
                timeout: Duration::from_secs(timeout),
                cap,
            };
            let stop = on_ctrl_c();
            agent::serve(
                url,
                prefix,
                &name,
                &limits,
                count,
                stop,
                || (),
                out,
                lane,
            )
            .await
            .map(drop)
        }
        Command::Console { patience } => {
            let patience = Duration::from_secs(patience.patience);
            let mut console =
                console::Console::open(url, prefix, patience).await?;
            let echo = !std::io::stdin().is_terminal();
            if !echo {
                outln!("{}", prompt::USAGE)?;
            }
            let lines = prompt::stdin_lines();
            prompt::interact(&mut console, lines, echo, out, lane).await?;
            console.close().await
        }
        Command::Run {
            command,
            hosts,
            patience,
        } => {
            let session = connect::open(url, "run").await?;
            let patience = Duration::from_secs(patience.patience);
            let header = console::submit(
                &session.connection,
                &session.channel,
                prefix,
                &command,
                &hosts,
                patience,
            )
            .await?;
            outln!("task id: {}", header.id)?;
            session.close().await
        }
        Command::Check { id } => {
            let connection = connect::connect(url, "check").await?;
            let task = console::check(&connection, prefix, id).await?;
            for line in task.check_lines(now_ms()) {
                outln!("{line}")?;
            }
            connection
                .close(200, "bye".into())
                .await
                .map_err(connect::lost)
        }
        Command::Fanout { .. } | Command::Measure { .. } => {
            unreachable!("handled by run")
        }
    }
}
