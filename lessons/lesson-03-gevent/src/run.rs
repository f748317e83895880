//! Lesson 03: what each of the binary's commands runs and prints: the
//! course's two programs with their totals and pictures, `spawn`'s
//! figures, the `sweep` table and chart, and `measure`.
//!
//! Everything is printed with `shared::outln!`, so a reader that hangs up
//! (`| head`) ends the run quietly and a full disk is one `error:` line.

use std::path::Path;
use std::time::Duration;

use shared::outln;
use shared::render::TimelineArgs;
use shared::{Figure, Trace, Transcript};

use crate::sweep::{self, Point};
use crate::{
    AnySpawner, Contender, Runtime, Scale, Sizes, TasksConfig, TasksReport,
    WARM_BATCHES, gevent_demo, spawn_figures, spawn_report_on, tasks_demo,
};

/// The most OS threads `spawn --os-threads` starts.
pub const MAX_OS_THREADS: usize = 10_000;

/// The course's foo/bar/func3, then the pictures if asked for.
pub fn demo(
    runtime: Runtime,
    workers: usize,
    scale: Scale,
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

/// The course's `task(pid)` demo, its totals, then the pictures.
pub fn tasks(
    runtime: Runtime,
    config: &TasksConfig,
    timeline: &TimelineArgs,
) -> shared::Result<()> {
    let trace = Trace::recording(timeline.wanted());
    let report = tasks_demo(runtime, config, &Transcript::stdout(), &trace)?;
    for line in totals(&report) {
        outln!("{line}")?;
    }
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
pub fn totals(report: &TasksReport) -> [String; 3] {
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

/// `1 worker`, `2 workers`.
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Spawns `count` tasks on `runtime` with its workers (on OS threads for
/// `None`) in batches, cold then warm, and prints the figures.
pub fn spawn(
    runtime: Option<(Runtime, usize)>,
    count: usize,
    sleep: Duration,
) -> shared::Result<()> {
    let (who, spawner) = match runtime {
        Some((runtime, workers)) => (
            Contender::of(runtime, workers),
            AnySpawner::new(runtime, workers)?,
        ),
        None if count > MAX_OS_THREADS => {
            return Err(format!(
                "--os-threads spawns at most {MAX_OS_THREADS} threads, not \
                 {count}: each is a kernel task with its own stack"
            )
            .into());
        }
        None => (Contender::Thread, AnySpawner::Threads),
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
        Figure::new(format!("spawn_count_{who}"), count as f64, "tasks"),
        // All of them, except on may (see `AnySpawner::live`).
        Figure::new(format!("spawn_live_{who}"), report.live as f64, "tasks"),
    ];
    figures.extend(spawn_figures(who, &report));
    shared::print_figures(&figures)?;
    if report.bytes_per_task.is_none() {
        eprintln!(
            "note: resident memory not measured (it needs Linux 4.0 or \
             later: /proc/self/status and /proc/self/clear_refs)"
        );
    }
    Ok(())
}

/// The sweep: every contender at 1,000, 10,000, ... tasks, each point
/// in a child process; the table, and the chart if asked for.
pub fn sweep(max_count: usize, svg: Option<&Path>) -> shared::Result<()> {
    let counts: Vec<usize> = std::iter::successors(Some(1_000usize), |n| {
        n.checked_mul(10).filter(|&m| m <= max_count)
    })
    .collect();
    let bar =
        shared::progress::spinner("spawning on every runtime at every count");
    let points = sweep::run(&counts, point_in_child);
    bar.finish_and_clear();
    let points = points?;
    for line in sweep::table(&points) {
        outln!("{line}")?;
    }
    if let Some(path) = svg {
        let title = "lesson 03: spawn + join per task, and memory per live \
                     task, against the number of tasks";
        let chart = sweep::svg(&points, title)?;
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
fn point_in_child(who: Contender, count: usize) -> shared::Result<Point> {
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot find this program to run it: {e}"))?;
    let output = std::process::Command::new(exe)
        .args(["spawn", "--count", &count.to_string()])
        .args(who.spawn_flags())
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
        .collect::<Result<Vec<Figure>, _>>()?;
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

/// Every figure of [`crate::measure()`], with a spinner while it runs.
pub fn measure(sizes: Sizes) -> shared::Result<()> {
    let bar = shared::progress::spinner(
        "spawning on every runtime, then the tasks demo".to_owned(),
    );
    let figures = crate::measure(sizes);
    bar.finish_and_clear();
    Ok(shared::print_figures(&figures?)?)
}
