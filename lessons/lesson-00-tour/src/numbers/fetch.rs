//! `fetch.csv`: lesson 04's strategies against the number of URLs, each
//! URL a local `/delay/50` (the delay server of `shared`, started for each
//! size), total seconds per strategy, one round each.
//!
//! The one-at-a-time strategies take N × 50 ms: sequential at 100 URLs is
//! five seconds, at 1,000 almost a minute. Lesson 04's own `run` skips a
//! strategy whose estimate is over a budget (and the `threads` strategy
//! past 2,000 threads); the run says which it skipped, and those sizes
//! have no row. What the CSV shows is still the lesson: the waiting
//! strategies' lines end early because they would climb off the chart.

use std::time::Duration;

use lesson_04_fetch::{Config, Strategy, Targets, delay_paths};

use super::{Csv, Mode, Progress, cell};

/// `(URL counts, delay per URL in ms, skip a strategy estimated longer)`.
fn sizes(mode: Mode) -> (&'static [usize], u64, Duration) {
    match mode {
        Mode::Tiny => (&[2, 4], 5, Duration::from_secs(4)),
        Mode::Quick => (&[10, 100, 1_000], 50, Duration::from_secs(4)),
        Mode::Full => (&[10, 100, 1_000, 10_000], 50, Duration::from_secs(6)),
    }
}

/// How many steps the progress bar counts for this part.
pub fn steps(mode: Mode) -> usize {
    sizes(mode).0.len()
}

/// Every strategy at every URL count it finishes within the budget.
pub fn csv(mode: Mode, progress: &Progress) -> shared::Result<Csv> {
    let (counts, delay_ms, budget) = sizes(mode);
    let mut csv = Csv::new("fetch.csv", &["strategy", "urls", "seconds"]);
    for &n in counts {
        progress
            .step(format!("fetch: {n} URLs × {delay_ms} ms, every strategy"));
        let config = Config {
            strategies: Strategy::all().to_vec(),
            targets: Targets::Local(delay_paths(n, delay_ms)),
            timeout: lesson_04_fetch::DEFAULT_TIMEOUT,
            concurrency: None,
            echo: false,
            trace: false,
            // One bar is enough: ours.
            progress: false,
            skip_longer_than: Some(budget),
        };
        let run = lesson_04_fetch::run(&config)
            .map_err(|e| format!("fetch at {n} URLs: {e}"))?;
        for report in &run.reports {
            let failed = report.failures();
            if failed > 0 {
                progress.note(format!(
                    "fetch: {} at {n} URLs: {failed} fetches failed, no row \
                     recorded",
                    report.strategy
                ));
                continue;
            }
            csv.push(vec![
                report.strategy.to_string(),
                n.to_string(),
                cell(report.wall.as_secs_f64()),
            ]);
        }
        // Skipped strategies have no report; the run's transcript says
        // why (over the budget, or too many threads), in a line of its own.
        for line in run.transcript.lines() {
            if line.contains("skipped:") || line.starts_with("note:") {
                progress.note(format!("fetch: at {n} URLs, {line}"));
            }
        }
        progress.done();
    }
    Ok(csv)
}
