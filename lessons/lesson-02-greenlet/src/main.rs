//! `cargo run -p lesson-02-greenlet`: the course's two greenlets.
//!
//! With no arguments it prints what the Python original prints: `12`,
//! `56`, `34`, `78`. `--impl bare` runs the same on the hand-written
//! switch, `--sleep-ms` adds the course's blocking sleep, and `measure`
//! prints the cost of a switch in the `name=value unit` format the tour
//! reads.

use std::process::ExitCode;

use clap::builder::RangedI64ValueParser;
use clap::{Parser, Subcommand, ValueEnum};
use lesson_02_greenlet::demo::ASKED_PANIC;
use lesson_02_greenlet::{Config, Impl, Who, measure, run};
use shared::render::TimelineArgs;

/// Two greenlets switching to each other by hand, on corosensei or on a
/// hand-written context switch.
#[derive(Debug, Parser)]
#[command(version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Which switch runs the demo (`bare`: x86_64 Linux only).
    #[arg(long = "impl", value_enum, default_value_t = Impl::Greenlet)]
    implementation: Impl,

    /// Milliseconds test1 blocks after printing 12: the course's
    /// `time.sleep(1)`, during which nothing else runs.
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 0,
        allow_negative_numbers = true,
        value_parser = RangedI64ValueParser::<u64>::new().range(0..=60_000),
    )]
    sleep_ms: u64,

    /// Make this greenlet panic after its first line, to see the panic
    /// reach main as an error that names it. For the tests.
    #[arg(long, value_name = "NAME", value_enum, hide = true)]
    panic_in: Option<Who>,

    #[command(flatten)]
    timeline: TimelineArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Measure one switch: greenlet, raw corosensei, bare, and OS threads.
    Measure {
        /// One-way switches per round (OS threads do a thousandth of
        /// that in round trips, at least 100).
        #[arg(
            long,
            value_name = "N",
            default_value_t = 2_000_000,
            value_parser = RangedI64ValueParser::<u64>::new()
                .range(2..=1_000_000_000),
        )]
        switches: u64,
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
        Some(Command::Measure { switches, rounds }) => {
            print_figures(switches, rounds)
        }
        None => demo(&cli),
    };
    shared::exit_code(result)
}

/// Measures, and prints one `name=value unit` line per figure.
fn print_figures(switches: u64, rounds: usize) -> shared::Result<()> {
    Ok(shared::print_figures(&measure(switches, rounds))?)
}

/// The course's demo, then the pictures if asked for.
fn demo(cli: &Cli) -> shared::Result<()> {
    let config = Config {
        implementation: cli.implementation,
        sleep_ms: cli.sleep_ms,
        echo: true,
        trace: cli.timeline.wanted(),
        panic_in: cli.panic_in,
    };
    if config.panic_in.is_some() {
        // The panic asked for is reported once, by the error that reaches
        // main; the default hook would print it first, with a trace hint.
        // Any other panic is still reported as usual.
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload_as_str() != Some(ASKED_PANIC) {
                default(info);
            }
        }));
    }
    let run = run(&config)?;
    let title = format!(
        "lesson 02: test1 and test2 on {}, sleep {} ms",
        config
            .implementation
            .to_possible_value()
            .expect("no variant is skipped")
            .get_name(),
        config.sleep_ms
    );
    cli.timeline.show(&run.trace, &title)
}
