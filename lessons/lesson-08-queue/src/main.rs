//! `cargo run -p lesson-08-queue`: the course's restaurant, three cooks
//! and two eaters around a `Queue(10)`.
//!
//! With no arguments it prints the Python original's lines (in Chinese,
//! `--lang en` for English) for 12 meals and stops. `--queue` swaps the
//! queue; `hunt` runs shuttle over the naive queues and prints the
//! schedule that breaks them; `measure` prints the cost of each queue in
//! the `name=value unit` format the tour reads.

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::builder::RangedI64ValueParser;
use clap::{Parser, Subcommand};
use lesson_08_queue::{Config, Lang, QueueKind, Scenario, Strategy};
use shared::render::TimelineArgs;

/// Cooks and eaters around a bounded queue: Python's `queue.Queue(10)`
/// built by hand, next to std, crossbeam, may and tokio.
#[derive(Debug, Parser)]
#[command(version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// How many cooks (Thread-1 …).
    #[arg(long, value_name = "N", default_value_t = 3, allow_negative_numbers = true,
          value_parser = RangedI64ValueParser::<usize>::new().range(1..=64))]
    cooks: usize,

    /// How many eaters, numbered after the cooks.
    #[arg(long, value_name = "N", default_value_t = 2, allow_negative_numbers = true,
          value_parser = RangedI64ValueParser::<usize>::new().range(1..=64))]
    eaters: usize,

    /// Meals made in all, shared out among the cooks (the original never
    /// stops).
    #[arg(long, value_name = "N", default_value_t = 12, allow_negative_numbers = true,
          value_parser = RangedI64ValueParser::<u32>::new().range(1..=100_000))]
    meals: u32,

    /// The queue's capacity. Python's `Queue(0)` is unbounded; here 0 is
    /// refused, as a bound of nothing is more likely a slip.
    #[arg(long, value_name = "N", default_value_t = 10, allow_negative_numbers = true,
          value_parser = capacity)]
    capacity: usize,

    /// Seed of every cook's and eater's dice (default: from the clock, so
    /// each run differs, like Python's).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,

    /// Each sleep is `random()` seconds times this (Python's is 1).
    #[arg(long, value_name = "X", default_value_t = 0.1, allow_negative_numbers = true,
          value_parser = scale)]
    scale: f64,

    /// The cooks' scale, if not --scale.
    #[arg(long, value_name = "X", allow_negative_numbers = true, value_parser = scale)]
    cook_scale: Option<f64>,

    /// The eaters' scale, if not --scale.
    #[arg(long, value_name = "X", allow_negative_numbers = true, value_parser = scale)]
    eat_scale: Option<f64>,

    /// The language of the lines.
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    lang: Lang,

    /// Which queue carries the meals.
    #[arg(long, value_enum, default_value_t = QueueKind::Ours)]
    queue: QueueKind,

    #[command(flatten)]
    timeline: TimelineArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run shuttle over a naive queue and print the schedule that breaks
    /// it, and how to replay it.
    Hunt {
        /// Which bug to look for (`queue`: the shipped one, which has
        /// none).
        #[arg(long, value_enum)]
        bug: Scenario,
        /// How shuttle picks the next thread.
        #[arg(long, value_enum, default_value_t = Strategy::Random)]
        strategy: Strategy,
        /// The scheduler's seed: the same seed finds the same schedule.
        #[arg(long, value_name = "S", default_value_t = 1)]
        seed: u64,
        /// Schedules to try at most.
        #[arg(long, value_name = "N", default_value_t = 10_000,
              value_parser = RangedI64ValueParser::<usize>::new().range(1..=10_000_000))]
        iterations: usize,
        /// Run this schedule (as a hunt printed it) instead of hunting.
        #[arg(long, value_name = "SCHEDULE")]
        replay: Option<String>,
    },
    /// Measure items per second (3 cooks, 2 eaters, no sleeps) and one
    /// handoff, for each queue.
    Measure {
        /// Items moved per round.
        #[arg(long, value_name = "N", default_value_t = 1_000_000,
              value_parser = RangedI64ValueParser::<u64>::new().range(1..=1_000_000_000))]
        items: u64,
        /// Ping-pong round trips per round.
        #[arg(long, value_name = "N", default_value_t = 20_000,
              value_parser = RangedI64ValueParser::<u64>::new().range(1..=1_000_000_000))]
        round_trips: u64,
        /// Rounds; the median is printed.
        #[arg(long, value_name = "R", default_value_t = 3,
              value_parser = RangedI64ValueParser::<usize>::new().range(1..=100))]
        rounds: usize,
    },
}

fn capacity(text: &str) -> Result<usize, String> {
    match text.parse::<i64>() {
        Ok(0) => Err("0 would mean unbounded in Python's Queue(0); \
                      give 1 or more"
            .to_owned()),
        Ok(n) if (1..=100_000).contains(&n) => Ok(n as usize),
        Ok(n) => Err(format!("{n} is not in 1..=100000")),
        Err(e) => Err(e.to_string()),
    }
}

fn scale(text: &str) -> Result<f64, String> {
    let x: f64 = text.parse().map_err(|e| format!("{e}"))?;
    if x.is_finite() && (0.0..=60.0).contains(&x) {
        Ok(x)
    } else {
        Err(format!("{text} is not a scale in 0..=60"))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Command::Hunt {
            bug,
            strategy,
            seed,
            iterations,
            replay,
        }) => hunt(*bug, *strategy, *seed, *iterations, replay.as_deref()),
        Some(Command::Measure {
            items,
            round_trips,
            rounds,
        }) => report(*items, *round_trips, *rounds),
        None => demo(&cli),
    };
    shared::exit_code(result)
}

/// The course's restaurant, scaled by the flags, then the pictures.
fn demo(cli: &Cli) -> shared::Result<()> {
    let seed = cli.seed.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |t| t.as_nanos() as u64)
    });
    let config = Config {
        cooks: cli.cooks,
        eaters: cli.eaters,
        meals: cli.meals,
        capacity: cli.capacity,
        seed,
        cook_scale: cli.cook_scale.unwrap_or(cli.scale),
        eat_scale: cli.eat_scale.unwrap_or(cli.scale),
        lang: cli.lang,
        queue: cli.queue,
        echo: true,
        trace: cli.timeline.wanted(),
    };
    let run = lesson_08_queue::run(&config)?;
    let title = format!(
        "lesson 08: {} cooks, {} eaters, {} meals, queue {} of {}",
        config.cooks,
        config.eaters,
        config.meals,
        config.queue,
        config.capacity
    );
    cli.timeline.show(&run.trace, &title)
}

/// Hunts (or replays) under shuttle and says what it found.
fn hunt(
    bug: Scenario,
    strategy: Strategy,
    seed: u64,
    iterations: usize,
    replay: Option<&str>,
) -> shared::Result<()> {
    // Shuttle reports a failure by panicking inside its run; the lesson
    // prints the report itself, so the default "thread panicked" text is
    // silenced. (Shuttle still prints its own copy of the schedule to
    // stderr for a failing assertion.)
    std::panic::set_hook(Box::new(|_| {}));
    if let Some(schedule) = replay {
        return match lesson_08_queue::replay(bug, schedule) {
            Some(failure) => {
                shared::outln!("replayed: {failure}")?;
                Ok(())
            }
            None => Err(format!("the schedule ran {bug} to the end").into()),
        };
    }
    let found = lesson_08_queue::hunt(bug, strategy, seed, iterations);
    let Some(found) = found else {
        shared::outln!(
            "{bug}: {iterations} {strategy:?} schedules (seed {seed}), no failure"
        )?;
        return Ok(());
    };
    shared::outln!(
        "{bug}: schedule {} of at most {iterations} ({strategy:?}, seed {seed}) fails:",
        found.iteration
    )?;
    shared::outln!("  {}", found.failure)?;
    shared::outln!("schedule: {}", found.schedule)?;
    let (_, steps) = lesson_08_queue::story(bug, &found.schedule);
    if !steps.is_empty() {
        shared::outln!("what each thread did, in the order shuttle ran them:")?;
        for step in steps {
            shared::outln!("  {step}")?;
        }
    }
    shared::outln!(
        "replay:   cargo run -p lesson-08-queue -- hunt --bug {bug} --replay {}",
        found.schedule
    )?;
    Ok(())
}

/// Prints each queue's figures, a `name=value unit` line each.
fn report(items: u64, round_trips: u64, rounds: usize) -> shared::Result<()> {
    for figure in lesson_08_queue::measure(items, round_trips, rounds) {
        shared::outln!("{figure}")?;
    }
    Ok(())
}
