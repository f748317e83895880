//! `cargo run -p lesson-03-gevent`: the seed's gevent programs on our hub,
//! on may and on tokio.
//!
//! With no arguments it prints what the Python original prints for
//! `joinall([spawn(foo), spawn(bar), spawn(func3)])`. `tasks` is the
//! seed's sync-versus-async timing demo, `spawn` spawns many tasks and
//! prints what one costs, `sweep` does that for every runtime at growing
//! counts (a table, and a chart with `--svg`), and `measure` prints every
//! figure in the `name=value unit` format the tour reads.

use std::process::ExitCode;
use std::time::Duration;

use clap::builder::RangedI64ValueParser;
use clap::{Args, CommandFactory, Parser, Subcommand};
use lesson_03_gevent::sweep::Point;
use lesson_03_gevent::{
    AnySpawner, Runtime, Sizes, TasksConfig, TasksReport, WARM_BATCHES,
    gevent_demo, measure, spawn_figures, spawn_report_on, spawner_name,
    tasks_demo,
};
use shared::render::TimelineArgs;
use shared::{Trace, Transcript};

/// gevent's spawn/joinall on our own hub of greenlets, on may, and on
/// tokio.
#[derive(Debug, Parser)]
// Not `args_conflicts_with_subcommands`: it would refuse the global
// flags too (`--runtime tokio tasks`). `check_demo_flags` refuses the demo's own flags
// before a subcommand instead.
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    runtime: RuntimeArgs,

    /// Multiplies the demo's sleeps, 0.001 to 100 [default: 1, the seed's
    /// 2 s and 1 s].
    #[arg(
        long,
        value_name = "F",
        allow_negative_numbers = true,
        value_parser = parse_scale,
    )]
    scale: Option<f64>,

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
        value_parser = RangedI64ValueParser::<usize>::new().range(1..=64),
    )]
    workers: usize,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The seed's `task(pid)` demo: tasks sleeping one after another,
    /// then spawned and joined; prints both totals and the speedup.
    Tasks {
        /// Tasks to spawn (the synchronous loop runs one fewer, as the
        /// seed's `range(1, 10)` does).
        #[arg(
            long,
            value_name = "N",
            default_value_t = 10,
            allow_negative_numbers = true,
            value_parser = RangedI64ValueParser::<u32>::new().range(1..=100_000),
        )]
        count: u32,

        /// How long each task sleeps, in ms (the seed's 0.5 s). The
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
        #[arg(long, value_name = "PATH")]
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

/// `--scale`: a number from 0.001 to 100, or clap's one-line error.
fn parse_scale(text: &str) -> Result<f64, String> {
    let scale: f64 = text.parse().map_err(|_| "not a number".to_owned())?;
    if (0.001..=100.0).contains(&scale) {
        Ok(scale)
    } else {
        Err("must be between 0.001 and 100".to_owned())
    }
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
    let RuntimeArgs { runtime, workers } = cli.runtime;
    let result = match cli.command {
        None => {
            let scale = cli.scale.unwrap_or(1.0);
            demo(runtime, workers, scale, &cli.timeline)
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
            tasks(runtime, &config, timeline)
        }
        Some(Command::Spawn {
            count,
            sleep_ms,
            os_threads,
        }) => {
            let runtime = (!os_threads).then_some((runtime, workers));
            spawn(runtime, count, Duration::from_millis(sleep_ms))
        }
        Some(Command::Sweep { max_count, ref svg }) => {
            sweep(max_count, svg.as_deref())
        }
        Some(Command::Measure { quick }) => {
            let sizes = if quick { Sizes::QUICK } else { Sizes::NORMAL };
            let bar = shared::progress::spinner(
                "spawning on every runtime, then the tasks demo".to_owned(),
            );
            let figures = measure(sizes);
            bar.finish_and_clear();
            figures.map(|figures| shared::print_figures(&figures))
        }
    };
    shared::exit_code(result)
}

/// The seed's foo/bar/func3, then the pictures if asked for.
fn demo(
    runtime: Runtime,
    workers: usize,
    scale: f64,
    timeline: &TimelineArgs,
) -> shared::Result<()> {
    let trace = Trace::recording(timeline.wanted());
    gevent_demo(runtime, scale, workers, &Transcript::stdout(), &trace)?;
    let title = format!(
        "lesson 03: foo, bar, func3 on {} ({}), scale {scale}",
        runtime,
        plural(workers, "worker")
    );
    timeline.show(&trace, &title)
}

/// The seed's `task(pid)` demo, its totals, then the pictures.
fn tasks(
    runtime: Runtime,
    config: &TasksConfig,
    timeline: &TimelineArgs,
) -> shared::Result<()> {
    let trace = Trace::recording(timeline.wanted());
    let report = tasks_demo(runtime, config, &Transcript::stdout(), &trace)?;
    print_lines(&totals(&report));
    let pitfall = match (config.blocking, config.spawn_blocking) {
        (false, _) => "",
        (true, false) => ", task 0 blocking",
        (true, true) => ", task 0 blocking in spawn_blocking",
    };
    let title = format!(
        "lesson 03: {} tasks of {} ms on {} ({}){pitfall}",
        config.count,
        config.delay.as_millis(),
        runtime,
        plural(config.workers, "worker"),
    );
    timeline.show(&trace, &title)
}

/// `sync: 9 tasks in 4.51 s`, `async: 10 tasks in 0.50 s`,
/// `speedup: 9.0x`.
fn totals(report: &TasksReport) -> [String; 3] {
    [
        format!(
            "sync: {} in {}",
            plural(report.sync_tasks as usize, "task"),
            seconds(report.sync_total)
        ),
        format!(
            "async: {} in {}",
            plural(report.async_tasks as usize, "task"),
            seconds(report.async_total)
        ),
        format!("speedup: {:.1}x", report.speedup()),
    ]
}

/// `4.51 s` or, under a second, `12.3 ms`.
fn seconds(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{:.2} s", d.as_secs_f64())
    } else {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    }
}

/// Prints lines on stdout. Like `Transcript::say`: a reader that hung up
/// (`| head`) has seen what it wanted, so a closed pipe is not an error
/// (`println!` would panic).
fn print_lines(lines: &[String]) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    for line in lines {
        if writeln!(stdout, "{line}").is_err() {
            break;
        }
    }
}

/// `1 worker`, `2 workers`.
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Spawns `count` tasks on `runtime` (on OS threads for `None`) in batches (cold, then warm) and prints the
/// figures.
fn spawn(
    runtime: Option<(Runtime, usize)>,
    count: usize,
    sleep: Duration,
) -> shared::Result<()> {
    let (who, spawner) = match runtime {
        Some((runtime, workers)) => (
            spawner_name(runtime, workers),
            AnySpawner::new(runtime, workers)?,
        ),
        None if count > 10_000 => {
            return Err(format!(
                "--os-threads spawns at most 10000 threads, not {count}: \
                 each is a kernel task with its own stack"
            )
            .into());
        }
        None => ("thread", AnySpawner::Threads),
    };
    // The tasks run inside the runtime's own join, so there is nothing to
    // count from out here: a spinner says the run is alive. indicatif
    // draws nothing when stderr is not a terminal.
    let bar = (count >= 10_000).then(|| {
        shared::progress::spinner(format!(
            "spawning and joining {count} tasks on {who}, 1 + {WARM_BATCHES} \
             times"
        ))
    });
    let report = spawn_report_on(&spawner, count, sleep);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let report = report?;
    if !report.checked {
        return Err(match report.first_error {
            Some(error) => error.to_string(),
            None => "a task returned the wrong value".to_owned(),
        }
        .into());
    }
    let mut figures = vec![
        shared::Figure::new(
            format!("spawn_count_{who}"),
            count as f64,
            "tasks",
        ),
        // All of them, except on may (see `AnySpawner::live`).
        shared::Figure::new(
            format!("spawn_live_{who}"),
            report.live as f64,
            "tasks",
        ),
    ];
    figures.extend(spawn_figures(who, &report));
    shared::print_figures(&figures);
    if report.bytes_per_task.is_none() {
        eprintln!(
            "note: resident memory not measured (it needs Linux 4.0 or \
             later: /proc/self/status and /proc/self/clear_refs)"
        );
    }
    Ok(())
}

/// The sweep: every spawner at 1,000, 10,000, ... tasks.
fn sweep(
    max_count: usize,
    svg: Option<&std::path::Path>,
) -> shared::Result<()> {
    let counts: Vec<usize> = std::iter::successors(Some(1_000usize), |n| {
        n.checked_mul(10).filter(|&m| m <= max_count)
    })
    .collect();
    let bar =
        shared::progress::spinner("spawning on every runtime at every count");
    let points = lesson_03_gevent::sweep::run(&counts, point_in_child);
    bar.finish_and_clear();
    let points = points?;
    print_lines(&lesson_03_gevent::sweep::table(&points));
    if let Some(path) = svg {
        let title = "lesson 03: spawn + join per task, and memory per live \
                     task, against the number of tasks";
        let chart = lesson_03_gevent::sweep::svg(&points, title)?;
        std::fs::write(path, chart).map_err(|e| {
            format!("cannot write the SVG to {}: {e}", path.display())
        })?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// One point of the sweep measured by this binary's `spawn` in a child
/// process: a fresh process has no pool, cache or resident stack left
/// over from the point before, so every point's memory is its own.
fn point_in_child(who: &'static str, count: usize) -> shared::Result<Point> {
    let flags: &[&str] = match who {
        "hub" => &["--runtime", "hub"],
        "may" => &["--runtime", "may"],
        "tokio_ct" => &["--runtime", "tokio"],
        "tokio_mt" => &["--runtime", "tokio", "--workers", "2"],
        _ => &["--os-threads"],
    };
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot find this program to run it: {e}"))?;
    let output = std::process::Command::new(exe)
        .args(["spawn", "--count", &count.to_string()])
        .args(flags)
        .output()
        .map_err(|e| format!("cannot run `spawn`: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let why = stderr.lines().find(|l| l.starts_with("error:"));
        return Err(why.unwrap_or("`spawn` failed").to_owned().into());
    }
    let figures = stdout
        .lines()
        .map(str::parse)
        .collect::<Result<Vec<shared::Figure>, _>>()?;
    let find =
        |name: String| figures.iter().find(|f| f.name == name).map(|f| f.value);
    Ok(Point {
        who,
        count,
        ns_per_task: find(format!("spawn_ns_{who}"))
            .ok_or("`spawn` printed no time")?,
        bytes_per_task: find(format!("task_bytes_{who}")),
    })
}
