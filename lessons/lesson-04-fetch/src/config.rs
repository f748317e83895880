//! Lesson 04: what a run fetches, and with which strategies.
//!
//! With no flags, the course's demo: three pages of 300, 200 and 100 ms
//! ([`DEMO_DELAYS_MS`]) on a delay server started for the run, fetched
//! sequentially and then with tokio. The flags scale it: N local URLs of
//! one delay ([`delay_paths`]), or real URLs ([`Targets::Remote`]).

use std::time::Duration;

use crate::Strategy;

/// The course's three pages, as local delays: slowest first, so that the
/// concurrent run finishes them in the opposite order.
pub const DEMO_DELAYS_MS: [u64; 3] = [300, 200, 100];

/// Up to this many URLs, every `GET:` and `... received` line is printed;
/// beyond it, only failures and a summary per strategy (and a progress bar
/// on a terminal).
pub const LINES_UP_TO: usize = 20;

/// The default timeout of one request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// `n` local paths that each wait `delay_ms`.
pub fn delay_paths(n: usize, delay_ms: u64) -> Vec<String> {
    vec![format!("/delay/{delay_ms}"); n]
}

/// What to fetch: paths on a delay server started for the run, or real
/// URLs.
#[derive(Clone, Debug, PartialEq)]
pub enum Targets {
    /// Paths such as `/delay/300` on a local [`shared::DelayServer`].
    Local(Vec<String>),
    /// Full URLs, fetched as given (the internet, or `serve` elsewhere).
    Remote(Vec<String>),
}

impl Targets {
    /// How many URLs.
    pub fn len(&self) -> usize {
        match self {
            Targets::Local(v) | Targets::Remote(v) => v.len(),
        }
    }

    /// Whether there is nothing to fetch.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The longest local delay, if every target is a local `/delay/`.
    pub(crate) fn local_delay(&self) -> Option<Duration> {
        let Targets::Local(paths) = self else {
            return None;
        };
        paths
            .iter()
            .map(|p| p.strip_prefix("/delay/")?.parse().ok())
            .try_fold(0, |max: u64, ms: Option<u64>| Some(max.max(ms?)))
            .map(Duration::from_millis)
    }
}

/// A run of the lesson: which strategies, on which URLs.
#[derive(Clone, Debug)]
pub struct Config {
    /// The strategies, run one after another on the same URLs.
    pub strategies: Vec<Strategy>,
    /// What to fetch.
    pub targets: Targets,
    /// The timeout of each request.
    pub timeout: Duration,
    /// For [`Strategy::Tokio`]: at most this many requests in flight.
    pub concurrency: Option<usize>,
    /// Print the lines to stdout (the transcript keeps them either way).
    pub echo: bool,
    /// Record the run for `--timeline` / `--svg`.
    pub trace: bool,
    /// Show a progress bar for runs of more than [`LINES_UP_TO`] URLs.
    pub progress: bool,
    /// With several strategies, skip those that would take longer than
    /// this (sequential at 10 000 × 100 ms is 17 minutes).
    pub skip_longer_than: Option<Duration>,
}

impl Default for Config {
    /// The course's demo: three pages, sequentially and then concurrently.
    fn default() -> Config {
        Config {
            strategies: vec![Strategy::Sequential, Strategy::Tokio],
            targets: Targets::Local(
                DEMO_DELAYS_MS
                    .iter()
                    .map(|ms| format!("/delay/{ms}"))
                    .collect(),
            ),
            timeout: DEFAULT_TIMEOUT,
            concurrency: None,
            echo: false,
            trace: false,
            progress: false,
            skip_longer_than: Some(Duration::from_secs(20)),
        }
    }
}
