//! Lesson 00, the tour: every lesson's claim about cost, measured in one run
//! and printed as one table.
//!
//! **Python original:** none of its own. The course makes claims in prose
//! ("a coroutine switch costs far less than a thread switch", "a greenlet
//! needs less memory than a thread"); the tour turns each claim into a
//! figure measured on your machine, now.
//!
//! **Rust mapping:** each lesson's library has a `measure` function (the
//! same one its `measure` subcommand prints). The tour calls those
//! functions directly, never by spawning `cargo`, with sizes small enough
//! that the whole tour finishes in well under a minute, and prints a table:
//! lesson, what is compared, the figures, and the ratio that matters.
//!
//! **Run it:**
//!
//! ```text
//! cargo run --release -p lesson-00-tour
//! cargo run --release -p lesson-00-tour -- --only 1   # one lesson's row
//! ```
//!
//! Always `--release`: a debug build measures the debug build, and a
//! 4 ns switch becomes 100 ns.
//!
//! **What to notice:** the ratios, not the absolute numbers. Timing on a
//! shared 2-core machine is noisy, so every figure is a median of several
//! rounds, and figures are only compared with figures from the same run.
//!
//! Adding a lesson to the tour means adding one [`Stop`] to [`stops`].

use shared::Figure;

/// How long each lesson may measure: `Quick` for tests, `Normal` for the
/// tour a learner runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// Tiny sizes: proves every stop runs, in a second or so even in a
    /// debug build. The figures are meaningless.
    Quick,
    /// The tour's sizes: a few seconds per lesson in a release build.
    Normal,
}

/// One row of the tour's table: what a lesson measured.
#[derive(Clone, Debug)]
pub struct Row {
    /// The lesson's package name, e.g. `lesson-01-yield`.
    pub lesson: &'static str,
    /// What is compared, in a few words (at most 26 characters).
    pub compared: &'static str,
    /// The figures, as the lesson's `measure` printed them.
    pub figures: Vec<Figure>,
    /// The comparisons that matter, in words, one per line.
    pub ratios: Vec<String>,
}

/// One lesson's stop on the tour: its number, and how to measure it.
pub struct Stop {
    /// Lesson number, as in the package name.
    pub number: u32,
    /// What the stop measures, shown on the progress bar.
    pub title: &'static str,
    /// Runs the lesson's measured mode.
    pub run: fn(Size) -> shared::Result<Row>,
}

/// Every lesson that exists, in course order.
pub fn stops() -> Vec<Stop> {
    vec![Stop {
        number: 1,
        title: "lesson 01: send into a generator",
        run: lesson_01,
    }]
}

/// Looks a figure up by name; a missing figure is a bug in the lesson's
/// `measure`, reported as an error rather than a panic.
fn figure(figures: &[Figure], name: &str) -> shared::Result<f64> {
    figures
        .iter()
        .find(|f| f.name == name)
        .map(|f| f.value)
        .ok_or_else(|| format!("the lesson's measure gave no `{name}`").into())
}

fn lesson_01(size: Size) -> shared::Result<Row> {
    // A million sends take a few milliseconds per round for the coroutine;
    // the thread variant's count is scaled down inside `measure`, because
    // each of its sends is two OS-thread hand-offs.
    let (sends, rounds) = match size {
        Size::Quick => (2_000, 1),
        Size::Normal => (1_000_000, 5),
    };
    let figures = lesson_01_yield::measure(sends, rounds);
    let machine = figure(&figures, "send_ns_state_machine")?;
    let coroutine = figure(&figures, "send_ns_coroutine")?;
    let thread = figure(&figures, "send_ns_thread")?;
    Ok(Row {
        lesson: "lesson-01-yield",
        compared: "one send into a consumer",
        ratios: vec![
            format!(
                "thread {} vs coroutine {}: {}",
                human_ns(thread),
                human_ns(coroutine),
                times(thread / coroutine),
            ),
            format!(
                "coroutine {} vs state machine {}: {}",
                human_ns(coroutine),
                human_ns(machine),
                times(coroutine / machine),
            ),
        ],
        figures,
    })
}

/// `4.1 ns`, `12.3 µs`, `1.20 ms`: a duration in nanoseconds, readable.
pub fn human_ns(ns: f64) -> String {
    match ns {
        n if n >= 1e6 => format!("{:.2} ms", n / 1e6),
        n if n >= 1e3 => format!("{:.1} µs", n / 1e3),
        n if n >= 1.0 => format!("{n:.1} ns"),
        n => format!("{n:.2} ns"),
    }
}

/// `5000×`, `4.9×`: a ratio, with decimals only where they matter.
pub fn times(ratio: f64) -> String {
    if !ratio.is_finite() {
        "n/a".to_owned()
    } else if ratio >= 10.0 {
        format!("{ratio:.0}×")
    } else {
        format!("{ratio:.1}×")
    }
}

/// The table, as printed: one block per lesson, one line per figure, the
/// ratios under them.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{:<17} {:<26} {:<24} {:>10}\n",
        "lesson", "what is compared", "figure", "value"
    ));
    out.push_str(&format!("{}\n", "-".repeat(80)));
    for row in rows {
        for (i, f) in row.figures.iter().enumerate() {
            let (lesson, compared) = if i == 0 {
                (row.lesson, row.compared)
            } else {
                ("", "")
            };
            out.push_str(&format!(
                "{lesson:<17} {compared:<26} {:<24} {:>10}\n",
                f.name,
                f.value_text()
            ));
        }
        for ratio in &row.ratios {
            out.push_str(&format!("{:<17} ratio: {ratio}\n", ""));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stop_runs_at_quick_size_and_gives_figures() {
        for stop in stops() {
            let row = (stop.run)(Size::Quick).unwrap();
            assert!(!row.figures.is_empty(), "{} gave no figures", stop.title);
            for f in &row.figures {
                assert!(f.value.is_finite() && f.value >= 0.0, "{f}");
            }
            let table = table(&[row]);
            assert!(table.contains("ratio:"), "{table}");
        }
    }

    #[test]
    fn durations_and_ratios_read_well() {
        assert_eq!(human_ns(4.12), "4.1 ns");
        assert_eq!(human_ns(0.144), "0.14 ns");
        assert_eq!(human_ns(12_345.0), "12.3 µs");
        assert_eq!(human_ns(1_200_000.0), "1.20 ms");
        assert_eq!(times(4.93), "4.9×");
        assert_eq!(times(2978.4), "2978×");
        assert_eq!(times(f64::NAN), "n/a");
    }
}
