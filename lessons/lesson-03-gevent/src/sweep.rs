//! Cost and memory per task against the number of tasks, for every
//! runtime and for OS threads: a table for the terminal and a chart for
//! the book (`sweep --svg`).

use std::fmt::Write as _;
use std::time::Duration;

use shared::render::escape_xml;

use crate::{AnySpawner, Runtime, spawn_report_on};

/// Everything the sweep compares, in the order of the legend.
pub const WHO: [&str; 5] = ["hub", "may", "tokio_ct", "tokio_mt", "thread"];

/// OS threads are swept only up to this many: past it, the sweep
/// would measure the kernel's limits more than a spawn.
pub const MAX_THREADS: usize = 1_000;

/// One measured point: `who` at `count` tasks.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// `hub`, `may`, `tokio_ct`, `tokio_mt` or `thread`.
    pub who: &'static str,
    /// Tasks spawned.
    pub count: usize,
    /// Spawn + join per task, warm.
    pub ns_per_task: f64,
    /// Peak resident growth per live task, where measured.
    pub bytes_per_task: Option<f64>,
}

/// Measures every spawner of [`WHO`] at every count (threads up to
/// [`MAX_THREADS`]) with `point(who, count)`: [`in_process`], or what
/// the CLI does, one fresh process per point (`spawn --count N`), so
/// that no point inherits the pools of the one before.
pub fn run(
    counts: &[usize],
    mut point: impl FnMut(&'static str, usize) -> shared::Result<Point>,
) -> shared::Result<Vec<Point>> {
    let mut points = Vec::new();
    for who in WHO {
        for &count in counts {
            if who == "thread" && count > MAX_THREADS {
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
pub fn in_process(who: &'static str, count: usize) -> shared::Result<Point> {
    let spawner = match who {
        "thread" => AnySpawner::Threads,
        "hub" => AnySpawner::new(Runtime::Hub, 1)?,
        "may" => AnySpawner::new(
            Runtime::May,
            crate::on_may::workers().unwrap_or(1),
        )?,
        "tokio_ct" => AnySpawner::new(Runtime::Tokio, 1)?,
        "tokio_mt" => AnySpawner::new(Runtime::Tokio, 2)?,
        other => return Err(format!("no spawner called {other}").into()),
    };
    let report = spawn_report_on(&spawner, count, Duration::ZERO)?;
    crate::check_report(who, &report)?;
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
    for who in WHO {
        let _ = write!(header, " {who} ns | {who} B |");
        rule.push_str("---:|---:|");
    }
    let mut lines = vec![header, rule];
    for n in counts {
        let mut row = format!("| {n} |");
        for who in WHO {
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

/// One colour per spawner: the hub in the course's green, threads in
/// grey.
fn colour(who: &str) -> &'static str {
    match who {
        "hub" => "#2e9d4a",
        "may" => "#e08a00",
        "tokio_ct" => "#2f6fd0",
        "tokio_mt" => "#7a4fd0",
        _ => "#777777",
    }
}

/// `1`, `10`, `100`, `1k`, ..., `1M`: decade labels.
fn decade_label(v: f64) -> String {
    match v {
        v if v >= 1e6 => format!("{}M", v / 1e6),
        v if v >= 1e3 => format!("{}k", v / 1e3),
        v if v >= 1.0 => format!("{v}"),
        v => format!("{v}"),
    }
}

/// One panel: tasks across (log), `value` up (log), a line per
/// spawner, at `x0` of width `w`.
fn panel(
    svg: &mut String,
    points: &[Point],
    (x0, w): (f64, f64),
    label: &str,
    value: impl Fn(&Point) -> Option<f64>,
) {
    let (top, bottom) = (60.0, 330.0);
    let (left, right) = (x0 + 60.0, x0 + w - 30.0);
    let log = |v: f64| v.max(1e-9).log10();
    // A log scale has no zero: a figure too small to measure (a
    // hundred tasks that fit in pages already resident) is left out.
    let value = |p: &Point| value(p).filter(|&v| v > 0.0);
    let values: Vec<f64> = points.iter().filter_map(value).collect();
    let lo = values.iter().copied().fold(f64::MAX, f64::min);
    let hi = values.iter().copied().fold(0.0, f64::max);
    let (y_min, y_max) = if values.is_empty() {
        (0.0, 1.0)
    } else {
        (log(lo).floor(), log(hi).ceil().max(log(lo).floor() + 1.0))
    };
    let ns: Vec<f64> = points.iter().map(|p| p.count as f64).collect();
    let x_min = ns.iter().copied().fold(f64::MAX, f64::min).max(1.0);
    let x_max = ns.iter().copied().fold(1.0, f64::max);
    let (x_lo, x_hi) = (log(x_min).floor(), log(x_max).ceil());
    let x_hi = x_hi.max(x_lo + 1.0);
    let x = |n: f64| left + (right - left) * (log(n) - x_lo) / (x_hi - x_lo);
    let y =
        |v: f64| bottom - (bottom - top) * (log(v) - y_min) / (y_max - y_min);
    let _ = writeln!(
        svg,
        "<text x=\"{left}\" y=\"{}\">{}</text>",
        top - 12.0,
        escape_xml(label)
    );
    for d in (x_lo as i32)..=(x_hi as i32) {
        let n = 10f64.powi(d);
        let gx = x(n);
        let _ = writeln!(
            svg,
            "<line class=\"grid\" x1=\"{gx:.1}\" y1=\"{top}\" \
             x2=\"{gx:.1}\" y2=\"{bottom}\"/>\n<text x=\"{gx:.1}\" \
             y=\"{}\" text-anchor=\"middle\">{}</text>",
            bottom + 18.0,
            decade_label(n)
        );
    }
    for d in (y_min as i32)..=(y_max as i32) {
        let v = 10f64.powi(d);
        let gy = y(v);
        let _ = writeln!(
            svg,
            "<line class=\"grid\" x1=\"{left}\" y1=\"{gy:.1}\" \
             x2=\"{right}\" y2=\"{gy:.1}\"/>\n<text x=\"{}\" \
             y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            gy + 4.0,
            decade_label(v)
        );
    }
    let _ = writeln!(
        svg,
        "<line class=\"axis\" x1=\"{left}\" y1=\"{bottom}\" \
         x2=\"{right}\" y2=\"{bottom}\"/>\n<line class=\"axis\" \
         x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{bottom}\"/>\n\
         <text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">tasks \
         alive at once</text>",
        (left + right) / 2.0,
        bottom + 38.0
    );
    for who in WHO {
        let xy: Vec<(f64, f64)> = points
            .iter()
            .filter(|p| p.who == who)
            .filter_map(|p| Some((x(p.count as f64), y(value(p)?))))
            .collect();
        let c = colour(who);
        if xy.len() > 1 {
            let path: Vec<String> =
                xy.iter().map(|(a, b)| format!("{a:.1},{b:.1}")).collect();
            let _ = writeln!(
                svg,
                "<polyline fill=\"none\" stroke=\"{c}\" \
                 stroke-width=\"2\" points=\"{}\"/>",
                path.join(" ")
            );
        }
        for (a, b) in xy {
            let _ = writeln!(
                svg,
                "<circle cx=\"{a:.1}\" cy=\"{b:.1}\" r=\"3.5\" \
                 fill=\"{c}\"/>"
            );
        }
    }
}

/// The points as two charts side by side, time per task and resident
/// bytes per live task against the number of tasks, both on log
/// scales, with a legend. A self-contained SVG with a white
/// background, like the timelines.
pub fn svg(points: &[Point], title: &str) -> String {
    const W: f64 = 860.0;
    const H: f64 = 420.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" \
         width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\">\n\
         <title>{}</title>\n\
         <style>text {{ font-family: ui-monospace, Menlo, Consolas, \
         monospace; font-size: 12px; fill: #222222; }} \
         .title {{ font-size: 15px; font-weight: bold; }} \
         .grid {{ stroke: #dddddd; stroke-width: 1; }} \
         .axis {{ stroke: #888888; stroke-width: 1; }}</style>\n\
         <rect x=\"0\" y=\"0\" width=\"{W}\" height=\"{H}\" \
         fill=\"#ffffff\"/>\n\
         <text class=\"title\" x=\"16\" y=\"26\">{}</text>",
        escape_xml(title),
        escape_xml(title)
    );
    let half = W / 2.0;
    panel(
        &mut svg,
        points,
        (0.0, half),
        "ns per task (spawn + join)",
        |p| Some(p.ns_per_task),
    );
    panel(
        &mut svg,
        points,
        (half, half),
        "resident bytes per live task",
        |p| p.bytes_per_task,
    );
    for (i, who) in WHO.into_iter().enumerate() {
        let lx = 70.0 + 150.0 * i as f64;
        let _ = writeln!(
            svg,
            "<rect x=\"{lx}\" y=\"{}\" width=\"14\" height=\"4\" \
             fill=\"{}\"/>\n<text x=\"{}\" y=\"{}\">{who}</text>",
            H - 22.0,
            colour(who),
            lx + 20.0,
            H - 16.0
        );
    }
    svg.push_str("</svg>\n");
    svg
}
