//! Timing helpers and the `name=value unit` line format.
//!
//! Every lesson has a `measure` subcommand that prints its figures one per
//! line, as `name=value unit`:
//!
//! ```text
//! send_ns_coroutine=4.1 ns
//! send_ns_state_machine=0.8 ns
//! ```
//!
//! The format is for people *and* scripts: the tour parses it back with
//! [`Figure::from_str`](std::str::FromStr), and a learner can `grep` it.
//! Names are `snake_case`, say what was measured and, where it helps, the
//! unit (`send_ns_...`); the unit after the space is one word (`ns`, `ms`,
//! `KiB`, `x`, `req/s`).
//!
//! Timing on a shared 2-core machine is noisy, so figures are *medians of
//! several rounds*, each round long enough (milliseconds) that the clock's
//! resolution and one-off interruptions do not matter: see [`ns_per_iter`].

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

/// One measured figure: `name=value unit`.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// `snake_case` name, e.g. `send_ns_coroutine`.
    pub name: String,
    /// The measured value.
    pub value: f64,
    /// One-word unit, e.g. `ns`.
    pub unit: String,
}

impl Figure {
    /// A figure from its three parts.
    pub fn new(
        name: impl Into<String>,
        value: f64,
        unit: impl Into<String>,
    ) -> Figure {
        Figure {
            name: name.into(),
            value,
            unit: unit.into(),
        }
    }
}

impl Figure {
    /// `value unit`, with as many decimals as the size of the value
    /// deserves: `4.12 ns`, `41.2 ns`, `412 ns`, `0.0123 ns`.
    pub fn value_text(&self) -> String {
        let v = self.value;
        // Counts (requests, connections) are whole numbers: `3 requests`
        // reads better than `3.00 requests`.
        let decimals = match v.abs() {
            a if a >= 100.0 || v.fract() == 0.0 => 0,
            a if a >= 10.0 => 1,
            a if a >= 0.1 => 2,
            _ => 4,
        };
        format!("{v:.decimals$} {}", self.unit)
    }
}

/// Prints `name=value unit`, the value as [`Figure::value_text`] shows it.
impl fmt::Display for Figure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.value_text())
    }
}

/// Why a line is not a `name=value unit` figure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseFigureError(String);

impl fmt::Display for ParseFigureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a `name=value unit` line: {}", self.0)
    }
}

impl std::error::Error for ParseFigureError {}

/// Parses `name=value unit` back (what the tour does with `measure` output).
///
/// ```
/// use shared::Figure;
/// let f: Figure = "send_ns_coroutine=4.1 ns".parse().unwrap();
/// assert_eq!(f, Figure::new("send_ns_coroutine", 4.1, "ns"));
/// assert_eq!(f.to_string(), "send_ns_coroutine=4.10 ns");
/// assert!("4.1 ns".parse::<Figure>().is_err());
/// ```
impl FromStr for Figure {
    type Err = ParseFigureError;

    fn from_str(line: &str) -> Result<Figure, ParseFigureError> {
        let bad = || ParseFigureError(line.to_owned());
        let (name, rest) = line.trim().split_once('=').ok_or_else(bad)?;
        let (value, unit) = rest.split_once(' ').ok_or_else(bad)?;
        let well_named = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if !well_named || unit.is_empty() || unit.contains(char::is_whitespace)
        {
            return Err(bad());
        }
        let value = value.parse().map_err(|_| bad())?;
        Ok(Figure::new(name, value, unit))
    }
}

/// Prints figures one per line as `name=value unit`: what every lesson's
/// `measure` subcommand does with what its library measured.
///
/// Stops at the first failed write and returns it: `?` it, and
/// [`crate::exit_code`] ends a run whose reader hung up (`measure | head
/// -1`) with status 0, and one on a full disk with one `error:` line and
/// status 1.
pub fn print_figures(figures: &[Figure]) -> std::io::Result<()> {
    for figure in figures {
        crate::outln!("{figure}")?;
    }
    Ok(())
}

/// Runs `f` once and returns its result with the wall time it took.
///
/// ```
/// let (sum, took) = shared::timed(|| (1..=100u32).sum::<u32>());
/// assert_eq!(sum, 5050);
/// assert!(took < std::time::Duration::from_secs(1));
/// ```
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = f();
    (value, start.elapsed())
}

/// The median of some samples (the mean of the middle two for an even
/// count). Medians, not means: one round that the OS interrupted should
/// not move the figure. Returns `NaN` for no samples.
///
/// ```
/// assert_eq!(shared::median(vec![5.0, 1.0, 100.0]), 5.0);
/// assert_eq!(shared::median(vec![1.0, 2.0, 3.0, 4.0]), 2.5);
/// ```
pub fn median(mut samples: Vec<f64>) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_by(f64::total_cmp);
    let mid = samples.len() / 2;
    if samples.len() % 2 == 1 {
        samples[mid]
    } else {
        (samples[mid - 1] + samples[mid]) / 2.0
    }
}

/// Median nanoseconds per iteration over `rounds` rounds of `iters`
/// iterations each. `round(iters)` must do `iters` iterations of the work;
/// it is timed as a whole, so the loop's own cost is shared by every
/// iteration instead of one clock read per iteration (a clock read costs
/// about 20 ns, more than a coroutine switch).
///
/// ```
/// let ns = shared::ns_per_iter(3, 1000, |n| {
///     for i in 0..n {
///         std::hint::black_box(i);
///     }
/// });
/// assert!(ns >= 0.0);
/// ```
pub fn ns_per_iter(
    rounds: usize,
    iters: u64,
    mut round: impl FnMut(u64),
) -> f64 {
    let iters = iters.max(1);
    let samples = (0..rounds.max(1))
        .map(|_| {
            let ((), took) = timed(|| round(iters));
            took.as_nanos() as f64 / iters as f64
        })
        .collect();
    median(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_print_and_parse_back() {
        for (value, shown) in [
            (4.1234, "x=4.12 ns"),
            (41.234, "x=41.2 ns"),
            (412.34, "x=412 ns"),
            (0.01234, "x=0.0123 ns"),
            (0.0, "x=0 ns"),
        ] {
            let figure = Figure::new("x", value, "ns");
            assert_eq!(figure.to_string(), shown);
            let back: Figure = shown.parse().unwrap();
            assert_eq!(back.name, "x");
            assert_eq!(back.unit, "ns");
        }
    }

    #[test]
    fn lines_that_are_not_figures_are_refused() {
        for line in ["", "x=1", "x 1 ns", "=1 ns", "x=one ns", "a b=1 ns"] {
            assert!(line.parse::<Figure>().is_err(), "{line:?} parsed");
        }
    }
}
