//! Lesson 09 CLI: with no arguments, the course's message-queue demo in
//! one process (both listeners, the web front, siege on both routes);
//! `consume` (the course's three consumer models and the fixed one),
//! `listen`, `web` and `siege` to run the demo in three terminals.

use std::process::ExitCode;

use clap::builder::RangedI64ValueParser;
use clap::{Parser, Subcommand};
use std::time::Duration;

use lesson_09_redis::reliable::{Queue, Reliable, Take};
use lesson_09_redis::{Consume, Model, Pace};
use shared::outln;
use shared::render::TimelineArgs;
use shared::services::RedisServer;
use shared::{Trace, Transcript};

/// Redis as a queue: consumer models, listeners, pub/sub, a reliable queue.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Consume the list `test` with one of the consumer models.
    Consume {
        /// The consumer model.
        #[arg(long, value_enum, default_value_t = Model::Sync)]
        model: Model,
        #[command(flatten)]
        work: Work,
        #[command(flatten)]
        timeline: TimelineArgs,
    },
    /// Every model, one after the other, on one timeline.
    Compare {
        #[command(flatten)]
        work: Work,
        #[command(flatten)]
        timeline: TimelineArgs,
    },
    /// The course's listeners: `Task get <item>` for each message.
    Listen {
        /// `list` pops task:prodcons:queue; `pubsub` subscribes to
        /// task:pubsub:channel.
        #[arg(long, value_enum, default_value_t = Mode::List)]
        mode: Mode,
        /// Stop after this many messages.
        #[arg(long, default_value_t = 50, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<usize>::new().range(1..=1_000_000))]
        count: usize,
        /// Stop when no message comes for this long (seconds).
        #[arg(long, default_value_t = 60.0, allow_negative_numbers = true, value_parser = idle)]
        idle: f64,
    },
    /// The reliable queue: consumer processes take with BLMOVE, ack with
    /// LREM, and a reaper returns what a dead consumer held.
    Reliable {
        /// Consumer processes.
        #[arg(long, default_value_t = 3, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<usize>::new().range(1..=64))]
        consumers: usize,
        /// Messages pushed first.
        #[arg(long, default_value_t = 12, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<usize>::new().range(1..=1_000_000))]
        messages: usize,
        /// How consumers take: blmove (at least once) or brpop (at most
        /// once).
        #[arg(long, value_enum, default_value_t = Take::Blmove)]
        take: Take,
        /// The work per message, in milliseconds.
        #[arg(long, default_value_t = 200, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<u64>::new().range(0..=60_000))]
        analyse_ms: u64,
        /// How long a message may sit in `processing` before the reaper
        /// returns it, in milliseconds.
        #[arg(long, default_value_t = 1000, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<u64>::new().range(10..=600_000))]
        visibility_ms: u64,
        /// SIGKILL the first consumer that takes a message, mid-task.
        #[arg(long)]
        kill_one: bool,
        /// Be one consumer process (what `reliable` spawns).
        #[arg(long)]
        worker: bool,
        /// The source list (`NAME:processing` and `NAME:done` beside it).
        #[arg(long, default_value = "jobs")]
        queue: String,
    },
    /// Every figure: `name=value unit` lines.
    Measure {
        /// Messages per drain and pub/sub run.
        #[arg(long, default_value_t = 100_000, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<usize>::new().range(1..=10_000_000))]
        drain: usize,
        /// Messages per scale-out run (0: no scale-out).
        #[arg(long, default_value_t = 200, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<usize>::new().range(0..=1_000_000))]
        scaleout: usize,
    },
    /// The course's Flask front: `/`, `/prodcons`, `/pubsub`, until Ctrl-C.
    Web {
        /// The port on 127.0.0.1 (Flask's 5000).
        #[arg(long, default_value_t = 5000, allow_negative_numbers = true)]
        port: u16,
    },
    /// `siege -c C -r R http://127.0.0.1:PORT/PATH` against `web`.
    Siege {
        /// The web front's port.
        #[arg(long, default_value_t = 5000, allow_negative_numbers = true)]
        port: u16,
        /// The route.
        #[arg(long, default_value = "/prodcons")]
        path: String,
        /// Clients at once.
        #[arg(long, default_value_t = 10, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<usize>::new().range(1..=1_000))]
        concurrency: usize,
        /// Requests per client.
        #[arg(long, default_value_t = 5, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<usize>::new().range(1..=100_000))]
        repetitions: usize,
    },
}

/// Which listener.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Mode {
    /// `BLPOP` on the list.
    List,
    /// `SUBSCRIBE` to the channel.
    Pubsub,
}

/// The messages and the work per message.
#[derive(Debug, clap::Args)]
struct Work {
    /// How many messages to consume (pushed first unless --no-fill).
    #[arg(long, default_value_t = 20, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<usize>::new().range(1..=1_000_000))]
    messages: usize,
    /// The course's 2 s analysis and 1 s callback, times this.
    #[arg(long, default_value_t = 0.05, allow_negative_numbers = true, value_parser = scale)]
    scale: f64,
    /// Do not push: consume what others push (the list is not emptied).
    #[arg(long)]
    no_fill: bool,
    /// Give up when the list stays empty this long (seconds).
    #[arg(long, default_value_t = 5.0, allow_negative_numbers = true, value_parser = idle)]
    idle: f64,
    /// Push one message every MS milliseconds while consuming, instead of
    /// all of them first: the pops wait for the producer.
    #[arg(long, value_name = "MS", allow_negative_numbers = true, conflicts_with = "no_fill", value_parser = RangedI64ValueParser::<u64>::new().range(1..=60_000))]
    trickle_ms: Option<u64>,
    /// The async model's bound on analyses in flight.
    #[arg(long, default_value_t = 64, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<usize>::new().range(1..=100_000))]
    in_flight: usize,
}

fn scale(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if (0.0..=10.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not in 0..=10"))
    }
}

fn idle(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if (0.01..=3600.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not in 0.01..=3600"))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => demo(),
        Some(Command::Compare { work, timeline }) => compare(&work, &timeline),
        Some(Command::Listen { mode, count, idle }) => {
            listen(mode, count, idle)
        }
        Some(Command::Web { port }) => web(port),
        Some(Command::Measure { drain, scaleout }) => measure(drain, scaleout),
        Some(Command::Reliable {
            consumers,
            messages,
            take,
            analyse_ms,
            visibility_ms,
            kill_one,
            worker,
            queue,
        }) => {
            let run = Reliable {
                url: String::new(),
                queue: Queue::named(&queue),
                messages,
                consumers,
                take,
                pace: Pace::analyse_only(Duration::from_millis(analyse_ms)),
                visibility: Duration::from_millis(visibility_ms),
                kill_one,
                patience: Duration::from_secs(600),
            };
            if worker {
                reliable_worker(run)
            } else {
                reliable(run)
            }
        }
        Some(Command::Siege {
            port,
            path,
            concurrency,
            repetitions,
        }) => siege(port, &path, concurrency, repetitions),
        Some(Command::Consume {
            model,
            work,
            timeline,
        }) => consume(model, &work, &timeline),
    };
    shared::exit_code(result)
}

/// The run's settings from the flags, on the server at `url`.
fn settings(url: &str, work: &Work) -> Consume {
    let mut cfg = Consume::new(url);
    cfg.messages = work.messages;
    cfg.pace = Pace::scaled(work.scale);
    cfg.heartbeat = lesson_09_redis::run::HEARTBEAT.mul_f64(work.scale);
    cfg.fill = !work.no_fill;
    cfg.idle = Duration::from_secs_f64(work.idle);
    cfg.in_flight = work.in_flight;
    cfg.trickle = work.trickle_ms.map(Duration::from_millis);
    cfg
}

fn consume(
    model: Model,
    work: &Work,
    timeline: &TimelineArgs,
) -> shared::Result<()> {
    let redis = RedisServer::connect_or_start()?;
    let cfg = settings(redis.url(), work);
    let trace = Trace::recording(timeline.wanted());
    let out = Transcript::stdout();
    let report = lesson_09_redis::consume(model, &cfg, &trace, &out)?;
    outln!(
        "{model}: {} messages in {:.2} s",
        report.processed.len(),
        report.elapsed.as_secs_f64()
    )?;
    let title = format!(
        "lesson 09: consume --model {model}, {} messages, scale {}",
        work.messages, work.scale
    );
    timeline.show(&trace, &title)
}

fn demo() -> shared::Result<()> {
    let redis = RedisServer::connect_or_start()?;
    let out = Transcript::stdout();
    let report =
        lesson_09_redis::demo::run(redis.url(), &Default::default(), &out)?;
    for (path, siege) in report {
        outln!(
            "siege -c10 -r5 {path}: {} redirected, {} failed, {:.2} s",
            siege.redirected,
            siege.failed,
            siege.elapsed.as_secs_f64()
        )?;
    }
    Ok(())
}

fn listen(mode: Mode, count: usize, idle: f64) -> shared::Result<()> {
    use lesson_09_redis::listen::{Names, listen_list, listen_pubsub};
    let redis = RedisServer::connect_or_start()?;
    let names = Names::default();
    let idle = std::time::Duration::from_secs_f64(idle);
    let (trace, out) = (Trace::disabled(), Transcript::stdout());
    let lane = trace.lane("listener");
    match mode {
        Mode::List => {
            listen_list(redis.url(), &names.queue, count, idle, &out, &lane)
        }
        Mode::Pubsub => listen_pubsub(
            redis.url(),
            &names.channel,
            count,
            idle,
            &out,
            &lane,
            || (),
        ),
    }
}

fn web(port: u16) -> shared::Result<()> {
    let redis = RedisServer::connect_or_start()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(lesson_09_redis::web::serve(
        redis.url(),
        port,
        Default::default(),
        |addr| {
            let _ =
                outln!("serving the front on http://{addr}/ (Ctrl-C stops it)");
        },
    ))
}

fn siege(
    port: u16,
    path: &str,
    concurrency: usize,
    repetitions: usize,
) -> shared::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let siege = runtime.block_on(lesson_09_redis::web::siege(
        addr,
        path,
        concurrency,
        repetitions,
    ));
    outln!(
        "siege -c{concurrency} -r{repetitions} {path}: {} redirected, {} failed, {:.2} s",
        siege.redirected,
        siege.failed,
        siege.elapsed.as_secs_f64()
    )?;
    if siege.failed > 0 {
        return Err(format!(
            "{} requests failed: is `web --port {port}` running?",
            siege.failed
        )
        .into());
    }
    Ok(())
}

/// One consumer: the server at REDIS_URL (the parent passes its own).
fn reliable_worker(run: Reliable) -> shared::Result<()> {
    let url = std::env::var("REDIS_URL")
        .map_err(|_| "a worker needs REDIS_URL (reliable sets it)")?;
    lesson_09_redis::reliable::worker(
        &url,
        &run.queue,
        run.take,
        run.pace,
        Duration::from_secs(30),
        &Transcript::stdout(),
    )
}

fn reliable(mut run: Reliable) -> shared::Result<()> {
    let redis = RedisServer::connect_or_start()?;
    run.url = redis.url().to_owned();
    let exe = std::env::current_exe()?;
    let out = Transcript::stdout();
    let outcome =
        lesson_09_redis::reliable::run(&exe, &run, &out, &Trace::disabled())?;
    outln!(
        "{} messages: {} processed, {} duplicates, {} lost {:?}, {} requeued by the reaper",
        run.messages,
        outcome.processed,
        outcome.duplicates,
        outcome.lost.len(),
        outcome.lost,
        outcome.requeued
    )?;
    if let Some((pid, message)) = &outcome.killed {
        outln!(
            "worker {pid} was killed holding {message}; completed by {:?}",
            outcome.rescued_by
        )?;
    }
    Ok(())
}

fn measure(drain: usize, scaleout: usize) -> shared::Result<()> {
    let redis = RedisServer::connect_or_start()?;
    let exe = std::env::current_exe()?;
    let sizes = lesson_09_redis::Sizes {
        drain,
        scaleout,
        ..lesson_09_redis::Sizes::NORMAL
    };
    let figures = lesson_09_redis::measure(redis.url(), sizes, Some(&exe))?;
    Ok(shared::print_figures(&figures)?)
}

fn compare(work: &Work, timeline: &TimelineArgs) -> shared::Result<()> {
    let redis = RedisServer::connect_or_start()?;
    let cfg = settings(redis.url(), work);
    let trace = Trace::recording(timeline.wanted());
    let out = Transcript::stdout();
    for report in lesson_09_redis::consume_all(&cfg, &trace, &out)? {
        outln!(
            "{}: {} messages in {:.2} s",
            report.model,
            report.processed.len(),
            report.elapsed.as_secs_f64()
        )?;
    }
    let title = format!(
        "lesson 09: every consumer model, {} messages, scale {}",
        work.messages, work.scale
    );
    timeline.show(&trace, &title)
}
