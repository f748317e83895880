//! Lesson 03: every figure of the lesson, as `measure` prints them and
//! the tour reads them (`name=value unit` lines).
//!
//! What it runs: a [`spawn_report`] on each [`Contender`] (time per
//! task, warm and cold, and resident bytes per live task), then the
//! `tasks` demo on each runtime, with and without the blocking pitfall.
//! [`Sizes::NORMAL`] takes a few seconds in a release build.

use std::time::Duration;

use shared::{Figure, Trace, Transcript};

use crate::spawning::check_report;
use crate::{
    AnySpawner, Contender, Runtime, SpawnReport, TasksConfig, on_may,
    spawn_report, spawn_report_on, tasks_demo,
};

/// The figures of one spawn report, named after `who`: `spawn_ns_{who}`
/// (warm), `spawn_cold_ns_{who}` and, where measured, `task_bytes_{who}`.
pub fn spawn_figures(who: Contender, report: &SpawnReport) -> Vec<Figure> {
    let mut figures = vec![
        Figure::new(format!("spawn_ns_{who}"), report.ns_per_task, "ns"),
        Figure::new(
            format!("spawn_cold_ns_{who}"),
            report.cold_ns_per_task,
            "ns",
        ),
    ];
    if let Some(bytes) = report.bytes_per_task {
        figures.push(Figure::new(format!("task_bytes_{who}"), bytes, "B"));
    }
    figures
}

/// How much `measure` runs: [`Sizes::QUICK`] for the tour's test (well
/// under a second, even in a debug build), [`Sizes::NORMAL`] for the
/// `measure` subcommand and the tour (a few seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// Tasks per spawn batch for hub, may and tokio.
    pub spawn_count: usize,
    /// OS threads per batch (thousands at most: each is a real thread).
    pub thread_count: usize,
    /// Tasks of the `tasks` demo (the sync loop runs one fewer).
    pub tasks_count: u32,
    /// Each task's sleep in the `tasks` demo.
    pub tasks_delay: Duration,
}

impl Sizes {
    /// Well under a second in a debug build: 1,000 tasks per batch,
    /// 100 threads, 10 tasks of 5 ms.
    pub const QUICK: Sizes = Sizes {
        spawn_count: 1_000,
        thread_count: 100,
        tasks_count: 10,
        tasks_delay: Duration::from_millis(5),
    };

    /// A few seconds in a release build: 100,000 tasks per batch (where
    /// a stack's pages no longer fit in the caches), 1,000 threads, 10
    /// tasks of 50 ms.
    pub const NORMAL: Sizes = Sizes {
        spawn_count: 100_000,
        thread_count: 1_000,
        tasks_count: 10,
        tasks_delay: Duration::from_millis(50),
    };
}

/// Every figure of the lesson, as `measure` prints them:
///
/// - `spawn_ns_{hub,may,tokio_ct,tokio_mt,thread}` (ns): spawn + join per
///   task, warm, N = `spawn_count` (`thread_count` for threads), each task
///   yielding once; `spawn_cold_ns_*` the same for the first batch;
/// - `task_bytes_*` (B): peak resident growth per live task (Linux only);
/// - `spawn_ratio_thread_over_tokio_ct` (x): how many tokio tasks cost the
///   time of one OS thread;
/// - `tasks_async_ms_{hub,may,tokio}` (ms) and `tasks_speedup_*` (x): the
///   course's demo (`tasks_count` tasks of `tasks_delay`): the async total,
///   about one delay, and sync over async, about `count - 1`;
/// - `tasks_speedup_hub_blocking` (x): the pitfall, task 0 calling
///   `std::thread::sleep` (about half the speedup: everyone waits for it),
///   and `tasks_speedup_tokio_spawn_blocking` (x): tokio's fix.
///
/// may's worker count is fixed once per process (its scheduler is a
/// global): the may figures are for one worker if this is the first may
/// run of the process, else for whatever the first run configured. may's
/// `spawn_join` keeps at most [`on_may::MAX_LIVE`] tasks alive at once, so
/// `task_bytes_may` is per live task of that window; and it includes
/// may's pool of stacks only if this is may's first run in the process
/// (see [`spawn_report_on`]).
pub fn measure(sizes: Sizes) -> shared::Result<Vec<Figure>> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut figures = Vec::new();
    // may's worker count is fixed by its first run in the process.
    let may_workers = on_may::workers().unwrap_or(1);
    let contenders = [
        (Runtime::Hub, 1),
        (Runtime::May, may_workers),
        (Runtime::Tokio, 1),
        (Runtime::Tokio, cores.clamp(2, 64)),
    ];
    let mut tokio_ct_ns = f64::NAN;
    for (runtime, workers) in contenders {
        let who = Contender::of(runtime, workers);
        let report =
            spawn_report(runtime, workers, sizes.spawn_count, Duration::ZERO)
                .map_err(|e| format!("spawn on {who}: {e}"))?;
        check_report(who, &report)?;
        if who == Contender::TokioCt {
            tokio_ct_ns = report.ns_per_task;
        }
        figures.extend(spawn_figures(who, &report));
    }
    let threads = spawn_report_on(
        &AnySpawner::Threads,
        sizes.thread_count,
        Duration::ZERO,
    )?;
    check_report(Contender::Thread, &threads)?;
    figures.extend(spawn_figures(Contender::Thread, &threads));
    figures.push(Figure::new(
        "spawn_ratio_thread_over_tokio_ct",
        threads.ns_per_task / tokio_ct_ns,
        "x",
    ));

    let base = TasksConfig {
        count: sizes.tasks_count,
        delay: sizes.tasks_delay,
        ..TasksConfig::default()
    };
    let runs = [
        ("hub", Runtime::Hub, base.clone()),
        ("may", Runtime::May, base.clone()),
        ("tokio", Runtime::Tokio, base.clone()),
        (
            "hub_blocking",
            Runtime::Hub,
            TasksConfig {
                blocking: true,
                ..base.clone()
            },
        ),
        (
            "tokio_spawn_blocking",
            Runtime::Tokio,
            TasksConfig {
                blocking: true,
                spawn_blocking: true,
                ..base.clone()
            },
        ),
    ];
    for (who, runtime, config) in runs {
        let report = tasks_demo(
            runtime,
            &config,
            &Transcript::quiet(),
            &Trace::disabled(),
        )
        .map_err(|e| format!("tasks on {who}: {e}"))?;
        if !who.contains("blocking") {
            figures.push(Figure::new(
                format!("tasks_async_ms_{who}"),
                report.async_total.as_secs_f64() * 1e3,
                "ms",
            ));
        }
        figures.push(Figure::new(
            format!("tasks_speedup_{who}"),
            report.speedup(),
            "x",
        ));
    }
    Ok(figures)
}
