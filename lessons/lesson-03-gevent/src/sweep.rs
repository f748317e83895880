//! Lesson 03: cost and memory per task against the number of tasks, for
//! every runtime and for OS threads: a table for the terminal and a chart
//! for the book (`sweep --svg`), drawn by [`shared::render::chart`].
//!
//! A flat line is the claim "a task costs the same however many there
//! are"; where it bends (the hub past 10,000 tasks, whose stacks stop
//! fitting in the caches) is where the machine shows through.

use std::fmt::Write as _;
use std::time::Duration;

use shared::render::chart::{
    BYTES, COUNT, LineChart, NANOSECONDS, Series, line_charts_svg,
};

use clap::ValueEnum;

use crate::spawning::check_report;
use crate::{Contender, spawn_report_on};

/// Everything the sweep compares, in the order of the legend.
pub fn contenders() -> &'static [Contender] {
    Contender::value_variants()
}

/// OS threads are swept only up to this many: past it, the sweep
/// would measure the kernel's limits more than a spawn.
pub const MAX_THREADS: usize = 1_000;

/// One measured point: `who` at `count` tasks.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Who spawned.
    pub who: Contender,
    /// Tasks spawned.
    pub count: usize,
    /// Spawn + join per task, warm.
    pub ns_per_task: f64,
    /// Peak resident growth per live task, where measured.
    pub bytes_per_task: Option<f64>,
}

/// Measures every spawner of [`contenders`] at every count (threads up to
/// [`MAX_THREADS`]) with `point(who, count)`: [`in_process`], or what
/// the CLI does, one fresh process per point (`spawn --count N`), so
/// that no point inherits the pools of the one before.
pub fn run(
    counts: &[usize],
    mut point: impl FnMut(Contender, usize) -> shared::Result<Point>,
) -> shared::Result<Vec<Point>> {
    let mut points = Vec::new();
    for &who in contenders() {
        for &count in counts {
            if who == Contender::Thread && count > MAX_THREADS {
                continue;
            }
            points.push(
                point(who, count)
                    .map_err(|e| format!("{who} at {count} tasks: {e}"))?,
            );
        }
    }
    Ok(points)
}

/// One point measured in this process: a fresh spawner for `who`
/// (`tokio_mt` on two workers), [`spawn_report_on`], each task
/// yielding once. Pools that outlive a spawner (may's stacks, the
/// allocator's caches) make later points of one process look
/// cheaper in memory than the first.
pub fn in_process(who: Contender, count: usize) -> shared::Result<Point> {
    let spawner = who.spawner()?;
    let report = spawn_report_on(&spawner, count, Duration::ZERO)?;
    check_report(who, &report)?;
    Ok(Point {
        who,
        count,
        ns_per_task: report.ns_per_task,
        bytes_per_task: report.bytes_per_task,
    })
}

/// The points as a markdown table: one row per count, two cells per
/// spawner (ns and bytes per task).
pub fn table(points: &[Point]) -> Vec<String> {
    let mut counts: Vec<usize> = points.iter().map(|p| p.count).collect();
    counts.sort_unstable();
    counts.dedup();
    let mut header = String::from("| tasks |");
    let mut rule = String::from("|---:|");
    for who in contenders() {
        let _ = write!(header, " {who} ns | {who} B |");
        rule.push_str("---:|---:|");
    }
    let mut lines = vec![header, rule];
    for n in counts {
        let mut row = format!("| {n} |");
        for &who in contenders() {
            match points.iter().find(|p| p.who == who && p.count == n) {
                Some(p) => {
                    let bytes = p
                        .bytes_per_task
                        .map_or_else(|| "-".to_owned(), |b| format!("{b:.0}"));
                    let _ = write!(row, " {:.0} | {bytes} |", p.ns_per_task);
                }
                None => row.push_str(" - | - |"),
            }
        }
        lines.push(row);
    }
    lines
}

/// The points as two charts side by side, time per task and resident
/// bytes per live task against the number of tasks, both on log
/// scales, with one legend (a spawner has the same colour in both, and
/// in every chart of the book). A self-contained SVG with a white
/// background, like the timelines. A figure too small to measure (a
/// hundred tasks that fit in pages already resident) has no place on a
/// log scale and is left out.
pub fn svg(points: &[Point], title: &str) -> shared::Result<String> {
    let names: Vec<String> =
        contenders().iter().map(ToString::to_string).collect();
    let panel = |caption, units, value: fn(&Point) -> Option<f64>| {
        let series = contenders()
            .iter()
            .zip(&names)
            .map(|(&who, name)| {
                let points = points
                    .iter()
                    .filter(|p| p.who == who)
                    .filter_map(|p| Some((p.count as f64, value(p)?)))
                    .collect();
                Series::new(name, points)
            })
            .collect();
        LineChart {
            title: caption,
            x_label: "tasks alive at once",
            y_label: "",
            x_units: &COUNT,
            y_units: units,
            series,
        }
    };
    let charts = [
        panel("ns per task (spawn + join)", &NANOSECONDS, |p| {
            Some(p.ns_per_task)
        }),
        panel("resident bytes per live task", &BYTES, |p| p.bytes_per_task),
    ];
    line_charts_svg(title, &charts, &[])
}
