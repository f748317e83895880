//! Lesson 03's binary, `cargo run -p lesson-03-gevent`: the course's
//! gevent programs on our hub, on may and on tokio.
//!
//! With no arguments it prints what the Python original prints for
//! `joinall([spawn(foo), spawn(bar), spawn(func3)])`. `tasks` is the
//! course's sync-versus-async timing demo, `spawn` spawns many tasks and
//! prints what one costs, `sweep` does that for every runtime at growing
//! counts (a table, and a chart with `--svg`), and `measure` prints every
//! figure in the `name=value unit` format the tour reads.

use std::process::ExitCode;
use std::time::Duration;

use clap::builder::RangedI64ValueParser;
use clap::{Args, CommandFactory, Parser, Subcommand};
use lesson_03_gevent::{
    MAX_WORKERS, Runtime, Scale, Sizes, TasksConfig, panic_in, run,
};
use shared::render::TimelineArgs;

/// gevent's spawn/joinall on our own hub of greenlets, on may, and on
/// tokio.
#[derive(Debug, Parser)]
// Not `args_conflicts_with_subcommands`: it would refuse the global
// flags too (`--runtime tokio tasks`). `check_demo_flags` refuses the
// demo's own flags before a subcommand instead.
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    runtime: RuntimeArgs,

    /// Multiplies the demo's sleeps, 0.001 to 100 [default: 1, the
    /// course's 2 s and 1 s].
    #[arg(long, value_name = "F", allow_negative_numbers = true)]
    scale: Option<Scale>,

    #[command(flatten)]
    timeline: TimelineArgs,
}

/// The runtime flags, accepted before or after a subcommand.
#[derive(Debug, Args)]
struct RuntimeArgs {
    /// Which runtime runs the tasks.
    #[arg(long, global = true, value_enum, default_value_t = Runtime::Hub)]
    runtime: Runtime,

    /// OS threads the runtime may use (the hub has exactly one; tokio
    /// with 1 is its current-thread runtime).
    #[arg(
        long,
        global = true,
        value_name = "N",
        default_value_t = 1,
        allow_negative_numbers = true,
        value_parser = RangedI64ValueParser::<usize>::new()
            .range(1..=MAX_WORKERS as i64),
    )]
    workers: usize,

    /// Makes the task called NAME (`foo`, `task 3`) panic as it starts,
    /// to show the panic reaching `joinall` with the task's name.
    #[arg(long, global = true, value_name = "NAME", hide = true)]
    panic_in: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The course's `task(pid)` demo: tasks sleeping one after another,
    /// then spawned and joined; prints both totals and the speedup.
    Tasks {
        /// Tasks to spawn (the synchronous loop runs one fewer, as the
        /// course's `range(1, 10)` does).
        #[arg(
            long,
            value_name = "N",
            default_value_t = 10,
            allow_negative_numbers = true,
            value_parser = RangedI64ValueParser::<u32>::new().range(1..=100_000),
        )]
        count: u32,

        /// How long each task sleeps, in ms (the course's 0.5 s). The
        /// synchronous loop may sleep 10 minutes in all.
        #[arg(
            long,
            value_name = "MS",
            default_value_t = 500,
            allow_negative_numbers = true,
            value_parser = RangedI64ValueParser::<u64>::new().range(0..=60_000),
        )]
        delay_ms: u64,

        /// The pitfall: task 0 calls `std::thread::sleep`, which stalls
        /// every task on its thread (gevent without `monkey.patch_all()`).
        #[arg(long)]
        blocking: bool,

        /// tokio's fix for --blocking: run the blocking call on tokio's
        /// blocking pool with `spawn_blocking` (tokio only).
        #[arg(long, requires = "blocking")]
        spawn_blocking: bool,

        #[command(flatten)]
        timeline: TimelineArgs,
    },
    /// Spawn N tasks that each sleep 0 (yield once) or --sleep-ms, join
    /// them, and print the time and resident memory per task as
    /// `name=value unit` lines.
    Spawn {
        /// Tasks alive at once.
        #[arg(
            long,
            value_name = "N",
            default_value_t = 100_000,
            allow_negative_numbers = true,
            value_parser = RangedI64ValueParser::<usize>::new()
                .range(1..=1_000_000),
        )]
        count: usize,

        /// How long each task sleeps, in ms (0: it yields once). The run
        /// is 1 + 3 batches (cold, then warm), so it sleeps four times (may,
        /// past 1,000 tasks: four times per 1,000); at most 10 minutes.
        #[arg(
            long,
            value_name = "MS",
            default_value_t = 0,
            allow_negative_numbers = true,
            value_parser = RangedI64ValueParser::<u64>::new().range(0..=10_000),
        )]
        sleep_ms: u64,

        /// Spawn OS threads instead (`std::thread::spawn`, at most
        /// 10,000): the control group. Ignores --runtime and --workers.
        #[arg(long)]
        os_threads: bool,
    },
    /// Spawn cost and memory per task against the number of tasks (1,000,
    /// 10,000, ... up to --max-count) on every runtime and OS threads: a
    /// markdown table, and a chart with --svg. Ignores --runtime and
    /// --workers.
    Sweep {
        /// The largest number of tasks (OS threads stop at 1,000).
        #[arg(
            long,
            value_name = "N",
            default_value_t = 100_000,
            allow_negative_numbers = true,
            value_parser = RangedI64ValueParser::<usize>::new()
                .range(1_000..=1_000_000),
        )]
        max_count: usize,

        /// Write the chart to PATH.
        #[arg(
            long,
            value_name = "PATH",
            value_parser = shared::render::output_path,
        )]
        svg: Option<std::path::PathBuf>,
    },
    /// Measure spawn cost and memory per task on every runtime and OS
    /// threads, and the `tasks` demo's speedups; print `name=value unit`
    /// lines. Ignores --runtime and --workers.
    Measure {
        /// The tour's quick sizes (1,000 tasks, 5 ms sleeps) instead of
        /// the normal ones (100,000 tasks, 50 ms sleeps).
        #[arg(long)]
        quick: bool,
    },
}

/// Refuses the demo's flags before a subcommand (`--scale 2 tasks`), where
/// they would be silently ignored, the way clap refuses a bad flag: one
/// `error:` line and status 2.
fn check_demo_flags(cli: &Cli) {
    if cli.command.is_none() {
        return;
    }
    let misplaced = if cli.scale.is_some() {
        "--scale is for the demo without a subcommand"
    } else if cli.timeline.wanted() {
        "--timeline and --svg go after the subcommand (tasks --timeline)"
    } else {
        return;
    };
    Cli::command()
        .error(clap::error::ErrorKind::ArgumentConflict, misplaced)
        .exit()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    check_demo_flags(&cli);
    let RuntimeArgs {
        runtime,
        workers,
        panic_in,
    } = cli.runtime;
    if let Some(name) = panic_in {
        panic_in::arm(name);
    }
    let result = match cli.command {
        None => {
            let scale = cli.scale.unwrap_or(Scale::ONE);
            run::demo(runtime, workers, scale, &cli.timeline)
        }
        Some(Command::Tasks {
            count,
            delay_ms,
            blocking,
            spawn_blocking,
            ref timeline,
        }) => {
            let config = TasksConfig {
                count,
                delay: Duration::from_millis(delay_ms),
                workers,
                blocking,
                spawn_blocking,
            };
            run::tasks(runtime, &config, timeline)
        }
        Some(Command::Spawn {
            count,
            sleep_ms,
            os_threads,
        }) => {
            let runtime = (!os_threads).then_some((runtime, workers));
            run::spawn(runtime, count, Duration::from_millis(sleep_ms))
        }
        Some(Command::Sweep { max_count, ref svg }) => {
            run::sweep(max_count, svg.as_deref())
        }
        Some(Command::Measure { quick }) => {
            run::measure(if quick { Sizes::QUICK } else { Sizes::NORMAL })
        }
    };
    shared::exit_code(result)
}
