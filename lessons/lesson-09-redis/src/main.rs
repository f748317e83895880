//! Lesson 09 CLI: `consume` (the course's three consumer models and the
//! fixed one).

use std::process::ExitCode;

use clap::builder::RangedI64ValueParser;
use clap::{Parser, Subcommand};
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
        None => Err("give a subcommand".into()),
        Some(Command::Consume {
            model,
            work,
            timeline,
        }) => consume(model, &work, &timeline),
    };
    shared::exit_code(result)
}

fn consume(
    model: Model,
    work: &Work,
    timeline: &TimelineArgs,
) -> shared::Result<()> {
    let redis = RedisServer::connect_or_start()?;
    let mut cfg = Consume::new(redis.url());
    cfg.messages = work.messages;
    cfg.pace = Pace::scaled(work.scale);
    cfg.heartbeat = lesson_09_redis::run::HEARTBEAT.mul_f64(work.scale);
    cfg.fill = !work.no_fill;
    cfg.idle = std::time::Duration::from_secs_f64(work.idle);
    cfg.in_flight = work.in_flight;
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
