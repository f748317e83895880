//! Lesson 04: total time against the number of URLs, for every strategy,
//! as a markdown table and a line chart on log–log axes, drawn by
//! [`shared::render::chart`] (the renderer of every chart in the book):
//! `cargo run --release -p lesson-04-fetch -- sweep --svg sweep.svg`.
//! Where each strategy's line bends is where its ceiling on requests in
//! flight is.

use std::fmt::Write as _;
use std::time::Duration;

use shared::DelayServer;
use shared::render::chart::{COUNT, LineChart, SECONDS, Series};

use crate::run::{in_flight_cap, skip_reason};
use crate::{Reporter, Strategy, delay_paths};

/// One measured point: `urls` URLs fetched by `strategy` in `wall`.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPoint {
    /// Which strategy.
    pub strategy: Strategy,
    /// How many URLs, each of the sweep's delay.
    pub urls: usize,
    /// How long `fetch_all` took.
    pub wall: Duration,
}

/// Fetches `n` URLs of `delay_ms` for every `n` in `counts` and every
/// strategy, skipping the points that would take longer than `budget`
/// (sequential at 1,000 × 100 ms is 100 s) or start too many threads.
/// Fails if any fetch fails: a failed point would be a wrong point.
pub fn sweep(
    counts: &[usize],
    delay_ms: u64,
    budget: Duration,
) -> shared::Result<Vec<SweepPoint>> {
    let server = DelayServer::start(None)?;
    let timeout = crate::DEFAULT_TIMEOUT;
    let delay = Some(Duration::from_millis(delay_ms));
    let mut points = Vec::new();
    for &strategy in Strategy::all() {
        let most = counts.iter().copied().max().unwrap_or(0);
        let cap = in_flight_cap(most, true);
        let fetcher = strategy.build(timeout, cap)?;
        let report = Reporter::quiet(strategy);
        for &n in counts {
            if skip_reason(strategy, n, delay, budget).is_some() {
                continue;
            }
            let urls: Vec<String> = delay_paths(n, delay_ms)
                .iter()
                .map(|p| server.url(p))
                .collect();
            let (outcomes, wall) =
                shared::timed(|| fetcher.fetch_all(&urls, &report));
            if let Some(Err(e)) = outcomes.iter().find(|o| o.is_err()) {
                return Err(format!("{strategy} at {n} URLs: {e}").into());
            }
            points.push(SweepPoint {
                strategy,
                urls: n,
                wall,
            });
        }
    }
    Ok(points)
}

/// The points as a markdown table: one row per URL count, one column per
/// strategy, seconds; `-` where a point was skipped.
pub fn sweep_table(points: &[SweepPoint]) -> Vec<String> {
    let mut counts: Vec<usize> = points.iter().map(|p| p.urls).collect();
    counts.sort_unstable();
    counts.dedup();
    let mut header = String::from("| URLs |");
    let mut rule = String::from("|---:|");
    for &strategy in Strategy::all() {
        let _ = write!(header, " {strategy} |");
        rule.push_str("---:|");
    }
    let mut lines = vec![header, rule];
    for n in counts {
        let mut row = format!("| {n} |");
        for &strategy in Strategy::all() {
            let cell = points
                .iter()
                .find(|p| p.strategy == strategy && p.urls == n)
                .map_or_else(
                    || "-".to_owned(),
                    |p| format!("{:.3} s", p.wall.as_secs_f64()),
                );
            let _ = write!(row, " {cell} |");
        }
        lines.push(row);
    }
    lines
}

/// The points as a line chart: URLs across (log), seconds up (log), one
/// line per strategy, a legend. Self-contained SVG with a white
/// background, like the timelines. Each strategy keeps the colour it has
/// in every chart of the book; the pitfall is dashed, because its points
/// are the sequential ones (that is its lesson) and a solid line would
/// hide them.
pub fn sweep_svg(points: &[SweepPoint], title: &str) -> shared::Result<String> {
    let names: Vec<String> =
        Strategy::all().iter().map(|s| s.to_string()).collect();
    let series = Strategy::all()
        .iter()
        .zip(&names)
        .map(|(&strategy, name)| Series {
            name,
            points: points
                .iter()
                .filter(|p| p.strategy == strategy)
                .map(|p| (p.urls as f64, p.wall.as_secs_f64()))
                .collect(),
            dashed: strategy.is_pitfall(),
        })
        .collect();
    let chart = LineChart {
        title,
        x_label: "URLs (each waits the same delay)",
        y_label: "",
        x_units: &COUNT,
        y_units: &SECONDS,
        series,
    };
    shared::render::chart::line_chart_svg(&chart, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(strategy: Strategy, urls: usize, ms: u64) -> SweepPoint {
        SweepPoint {
            strategy,
            urls,
            wall: Duration::from_millis(ms),
        }
    }

    #[test]
    fn the_table_has_a_row_per_count_and_dashes_for_skipped_points() {
        let points = [
            point(Strategy::Sequential, 1, 100),
            point(Strategy::Tokio, 1, 100),
            point(Strategy::Tokio, 10, 102),
        ];
        let table = sweep_table(&points);
        assert_eq!(table.len(), 4);
        assert_eq!(table[2], "| 1 | 0.100 s | - | - | 0.100 s | - |");
        assert_eq!(table[3], "| 10 | - | - | - | 0.102 s | - |");
    }

    #[test]
    fn the_chart_is_one_line_per_strategy_with_two_points() {
        let points = [
            point(Strategy::Sequential, 1, 100),
            point(Strategy::Sequential, 10, 1000),
            point(Strategy::Tokio, 1, 100),
            point(Strategy::Tokio, 10, 101),
        ];
        let svg = sweep_svg(&points, "a < b").unwrap();
        // Only the strategies with points are in the legend (plotters
        // writes each text on a line of its own).
        let legend = |name: &str| svg.contains(&format!(">\n{name}\n</text>"));
        assert!(legend("sequential") && legend("tokio"), "{svg}");
        assert!(!legend("threads"), "{svg}");
        // Four points and two legend dots.
        assert_eq!(svg.matches("<circle").count(), 6);
        assert!(svg.contains("a &lt; b"));
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
