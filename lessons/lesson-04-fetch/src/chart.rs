//! The sweep: total time against the number of URLs, for every strategy,
//! as a markdown table and a small hand-drawn SVG chart (log–log axes).
//!
//! Why by hand: a chart of five lines over four or five points is a few
//! dozen SVG elements, and drawing them here keeps the workspace free of a
//! plotting dependency for one picture.

use std::fmt::Write as _;
use std::time::Duration;

use shared::DelayServer;
use shared::render::escape_xml;

use crate::{Ctx, Strategy, delay_paths, in_flight_cap, skip_reason};

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
    for strategy in Strategy::ALL {
        let most = counts.iter().copied().max().unwrap_or(0);
        let cap = in_flight_cap(most, true);
        let fetcher = strategy.build(timeout, cap)?;
        let ctx = Ctx::quiet(strategy, timeout);
        for &n in counts {
            if skip_reason(strategy, n, delay, budget).is_some() {
                continue;
            }
            let urls: Vec<String> = delay_paths(n, delay_ms)
                .iter()
                .map(|p| server.url(p))
                .collect();
            let (outcomes, wall) =
                shared::timed(|| fetcher.fetch_all(&urls, &ctx));
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
    for strategy in Strategy::ALL {
        let _ = write!(header, " {strategy} |");
        rule.push_str("---:|");
    }
    let mut lines = vec![header, rule];
    for n in counts {
        let mut row = format!("| {n} |");
        for strategy in Strategy::ALL {
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

/// One colour per strategy; the pitfall in the course's red.
fn colour(strategy: Strategy) -> &'static str {
    match strategy {
        Strategy::Sequential => "#555555",
        Strategy::Threads => "#2e9d4a",
        Strategy::Rayon => "#e08a00",
        Strategy::Tokio => "#2f6fd0",
        Strategy::BlockingInTokio => "#d93636",
    }
}

/// The points as a line chart: URLs across (log), seconds up (log), one
/// line per strategy, a legend. Self-contained SVG with a white
/// background, like the timelines.
pub fn sweep_svg(points: &[SweepPoint], title: &str) -> String {
    const W: f64 = 800.0;
    const H: f64 = 440.0;
    let (left, right, top, bottom) = (70.0, W - 190.0, 50.0, H - 50.0);
    let decade = |v: f64| v.log10();
    let most = points.iter().map(|p| p.urls).max().unwrap_or(10).max(10);
    let x_max = decade(most as f64).ceil();
    let secs = |p: &SweepPoint| p.wall.as_secs_f64().max(1e-3);
    let y_lo = points.iter().map(secs).fold(f64::MAX, f64::min);
    let y_hi = points.iter().map(secs).fold(0.0, f64::max);
    let (y_min, y_max) = if points.is_empty() {
        (-1.0, 1.0)
    } else {
        (
            decade(y_lo).floor(),
            decade(y_hi).ceil().max(decade(y_lo).floor() + 1.0),
        )
    };
    let x = |n: usize| left + (right - left) * decade(n as f64) / x_max;
    let y = |s: f64| {
        bottom - (bottom - top) * (decade(s) - y_min) / (y_max - y_min)
    };

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
         <rect x=\"0\" y=\"0\" width=\"{W}\" height=\"{H}\" fill=\"#ffffff\"/>\n\
         <text class=\"title\" x=\"16\" y=\"26\">{}</text>",
        escape_xml(title),
        escape_xml(title)
    );
    // Grid and labels: one line per decade on each axis.
    for d in 0..=(x_max as u32) {
        let n = 10usize.pow(d);
        let gx = x(n);
        let _ = writeln!(
            svg,
            "<line class=\"grid\" x1=\"{gx:.1}\" y1=\"{top}\" x2=\"{gx:.1}\" \
             y2=\"{bottom}\"/>\n<text x=\"{gx:.1}\" y=\"{}\" \
             text-anchor=\"middle\">{n}</text>",
            bottom + 18.0
        );
    }
    let mut d = y_min;
    while d <= y_max {
        let s = 10f64.powf(d);
        let gy = y(s);
        let _ = writeln!(
            svg,
            "<line class=\"grid\" x1=\"{left}\" y1=\"{gy:.1}\" x2=\"{right}\" \
             y2=\"{gy:.1}\"/>\n<text x=\"{}\" y=\"{:.1}\" \
             text-anchor=\"end\">{} s</text>",
            left - 6.0,
            gy + 4.0,
            trim(s)
        );
        d += 1.0;
    }
    let _ = writeln!(
        svg,
        "<line class=\"axis\" x1=\"{left}\" y1=\"{bottom}\" x2=\"{right}\" \
         y2=\"{bottom}\"/>\n<line class=\"axis\" x1=\"{left}\" y1=\"{top}\" \
         x2=\"{left}\" y2=\"{bottom}\"/>\n<text x=\"{:.1}\" y=\"{}\" \
         text-anchor=\"middle\">URLs (each waits the same delay)</text>",
        (left + right) / 2.0,
        H - 12.0
    );
    // One line and its dots per strategy, and its legend entry.
    for (i, strategy) in Strategy::ALL.into_iter().enumerate() {
        let mine: Vec<_> =
            points.iter().filter(|p| p.strategy == strategy).collect();
        let c = colour(strategy);
        // The pitfall's points are the sequential ones (that is its
        // lesson): dashed, so that the line underneath still shows.
        let dash = if strategy.is_pitfall() {
            " stroke-dasharray=\"7 5\""
        } else {
            ""
        };
        let xy: Vec<String> = mine
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.urls), y(secs(p))))
            .collect();
        if xy.len() > 1 {
            let _ = writeln!(
                svg,
                "<polyline fill=\"none\" stroke=\"{c}\" stroke-width=\"2\"{dash} \
                 points=\"{}\"/>",
                xy.join(" ")
            );
        }
        for p in &mine {
            let _ = writeln!(
                svg,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{c}\">\
                 <title>{strategy}: {} URLs in {:.3} s</title></circle>",
                x(p.urls),
                y(secs(p)),
                p.urls,
                secs(p)
            );
        }
        let ly = top + 10.0 + 22.0 * i as f64;
        let _ = writeln!(
            svg,
            "<line x1=\"{}\" y1=\"{ly}\" x2=\"{}\" y2=\"{ly}\" stroke=\"{c}\" \
             stroke-width=\"3\"{dash}/>\n<text x=\"{}\" y=\"{}\">{strategy}</text>",
            right + 16.0,
            right + 40.0,
            right + 46.0,
            ly + 4.0
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// `0.1`, `1`, `10`: a decade's label without trailing zeros.
fn trim(s: f64) -> String {
    let text = format!("{s:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
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
        let svg = sweep_svg(&points, "a < b");
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 4);
        assert!(svg.contains("<title>a &lt; b</title>"));
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
