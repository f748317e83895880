//! `cargo run -p lesson-01-yield`: the course's baozi producer and
//! consumers.
//!
//! With no arguments it prints what the Python original prints. The flags
//! scale it up or switch the consumers' implementation; `measure` prints
//! the cost of one `send` in the `name=value unit` format the tour reads.
//! Every line goes through `shared::out`, so a reader that goes away
//! (`| head`) ends the run at once with status 0, and a full disk is one
//! `error:` line and status 1.

use std::process::ExitCode;

use clap::builder::RangedI64ValueParser;
use clap::{Parser, Subcommand};
use lesson_01_yield::{Config, Variant, measure, run};
use shared::render::TimelineArgs;

/// The yield-based baozi producer/consumer, as a coroutine, a state
/// machine or a thread.
#[derive(Debug, Parser)]
#[command(version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// How many consumers (c1, c2, ...). Each coroutine maps a stack and
    /// each thread is a thread, hence the cap.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 2,
        allow_negative_numbers = true,
        value_parser = RangedI64ValueParser::<usize>::new().range(1..=10_000),
    )]
    consumers: usize,

    /// How many baozi the producer makes (0: only the priming `next()`).
    // `allow_negative_numbers`: so that `--baozi -1` is read as a value
    // and refused by the range ("-1 is not in 0..."), not taken for an
    // unknown flag `-1`.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 5,
        allow_negative_numbers = true,
        value_parser = clap::value_parser!(u32).range(0..),
    )]
    baozi: u32,

    /// Milliseconds each consumer blocks per baozi: the course's
    /// `time.sleep(1)`, which stops everyone.
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 0,
        allow_negative_numbers = true,
        value_parser = RangedI64ValueParser::<u64>::new().range(0..=60_000),
    )]
    eat_ms: u64,

    /// How the consumers pause between baozi.
    #[arg(long, value_enum, default_value_t = Variant::Coroutine)]
    variant: Variant,

    #[command(flatten)]
    timeline: TimelineArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Measure the cost of one `send` for each variant.
    Measure {
        /// Sends per round for the coroutine and the state machine (the
        /// thread does a hundredth of that, at least 1000).
        #[arg(
            long,
            value_name = "N",
            default_value_t = 1_000_000,
            value_parser = RangedI64ValueParser::<u64>::new()
                .range(1..=1_000_000_000),
        )]
        sends: u64,
        /// Rounds; the median is printed.
        #[arg(
            long,
            value_name = "R",
            default_value_t = 7,
            value_parser = RangedI64ValueParser::<usize>::new().range(1..=1000),
        )]
        rounds: usize,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Measure { sends, rounds }) => report(sends, rounds),
        None => demo(&cli),
    };
    shared::exit_code(result)
}

/// Prints the cost of one `send`, a `name=value unit` line per variant.
fn report(sends: u64, rounds: usize) -> shared::Result<()> {
    Ok(shared::print_figures(&measure(sends, rounds))?)
}

/// The course's demo, scaled by the flags, then the pictures if asked for.
fn demo(cli: &Cli) -> shared::Result<()> {
    let config = Config {
        consumers: cli.consumers,
        baozi: cli.baozi,
        eat_ms: cli.eat_ms,
        variant: cli.variant,
        echo: true,
        trace: cli.timeline.wanted(),
    };
    let run = run(&config)?;
    let title = format!(
        "lesson 01: {} consumers, {} baozi, eat {} ms",
        config.variant, config.baozi, config.eat_ms
    );
    cli.timeline.show(&run.trace, &title)
}
