//! Lesson 04: what a run prints and records around each fetch, kept out of
//! the fetches themselves.
//!
//! The Python `f(url)` prints `GET: url` before its request and `n bytes
//! received from url.` after it. Every strategy prints those lines the
//! same way, through a [`Reporter`], which also names each request's lane
//! on the timeline, records its span (blocked or waiting), and moves the
//! progress bar of a long run. The fetches ([`crate::fetch_blocking`],
//! [`crate::fetch_async`]) know nothing of it: a strategy hands each fetch
//! to [`Reporter::blocking`] or [`Reporter::waiting`], which wrap it.

use std::future::Future;

use indicatif::ProgressBar;
use shared::{Lane, State, Trace, Transcript};

use crate::{Outcome, Strategy};

/// What every fetch of a run shares: where lines go, where spans go, the
/// progress bar, and how lanes are named. Cheap to clone (a few `Arc`s),
/// so each task or thread can own one.
#[derive(Clone, Debug)]
pub struct Reporter {
    out: Transcript,
    main: Lane,
    strategy: Strategy,
    origin: Option<String>,
    lines: bool,
    progress: ProgressBar,
}

impl Reporter {
    /// A reporter printing to `out` and tracing on `main`'s trace, for a
    /// run of `strategy`.
    pub fn new(out: Transcript, main: Lane, strategy: Strategy) -> Reporter {
        Reporter {
            out,
            main,
            strategy,
            origin: None,
            lines: true,
            progress: ProgressBar::hidden(),
        }
    }

    /// A reporter that prints nothing and traces nothing: for measuring.
    pub fn quiet(strategy: Strategy) -> Reporter {
        let trace = Trace::disabled();
        Reporter::new(Transcript::quiet(), trace.lane("main"), strategy)
            .with_lines(false)
    }

    /// Lane names drop this prefix (`http://127.0.0.1:PORT`), so the
    /// timeline shows `/delay/300`.
    pub fn with_origin(mut self, origin: impl Into<String>) -> Reporter {
        self.origin = Some(origin.into());
        self
    }

    /// Whether to print the `GET:` and `... received` lines of successful
    /// fetches (failures are always printed).
    pub fn with_lines(mut self, lines: bool) -> Reporter {
        self.lines = lines;
        self
    }

    /// A progress bar to advance once per finished URL.
    pub fn with_progress(mut self, progress: ProgressBar) -> Reporter {
        self.progress = progress;
        self
    }

    /// The lane for the `i`-th URL: its own lane when tracing, the main
    /// lane otherwise, so that an untraced run of ten thousand URLs does
    /// not build ten thousand lane names. A lane is named short enough
    /// for the terminal's chart: `seq 1 300ms` for a local `/delay/300`,
    /// `tokio 2 /bytes/9` for another local path, `seq 3 github.com`.
    pub fn lane(&self, i: usize, url: &str) -> Lane {
        let trace = self.main.trace();
        if !trace.is_enabled() {
            return self.main.clone();
        }
        let local = self.origin.as_deref().and_then(|o| url.strip_prefix(o));
        let shown = match local {
            Some(path) => match path.strip_prefix("/delay/") {
                Some(ms) => format!("{ms}ms"),
                None => path.to_owned(),
            },
            None => reqwest::Url::parse(url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_else(|| url.to_owned()),
        };
        trace.lane(format!("{} {} {shown}", self.strategy.tag(), i + 1))
    }

    /// Starts the fetch of the `i`-th URL: its lane, and the `GET:` line.
    pub fn begin(&self, i: usize, url: &str) -> Lane {
        let lane = self.lane(i, url);
        if self.lines {
            self.out.say(&lane, format!("GET: {url}"));
        }
        lane
    }

    /// Prints how the fetch of `url` ended, and advances the progress bar.
    pub fn done(&self, lane: &Lane, url: &str, outcome: &Outcome) {
        match outcome {
            Ok(n) if self.lines => {
                self.out
                    .say(lane, format!("{n} bytes received from {url}."));
            }
            Ok(_) => {}
            Err(e) => {
                let line = format!("nothing received from {url}: {e}.");
                self.progress.suspend(|| self.out.say(lane, line));
            }
        }
        self.progress.inc(1);
    }

    /// Runs `call`, a fetch that blocks its OS thread, as the `i`-th URL:
    /// the `GET:` line, a [`State::Blocked`] span named `what` for as
    /// long as it runs (this thread can do nothing else meanwhile), and
    /// the line that says how it ended.
    pub fn blocking(
        &self,
        i: usize,
        url: &str,
        what: &'static str,
        call: impl FnOnce() -> Outcome,
    ) -> Outcome {
        let lane = self.begin(i, url);
        let outcome = {
            let _blocked = lane.span(State::Blocked, what);
            call()
        };
        self.done(&lane, url, &outcome);
        outcome
    }

    /// Awaits `fetch` on the `lane` that [`Reporter::begin`] returned, in a
    /// [`State::Waiting`] span (a wait that costs the thread nothing), and
    /// prints how it ended.
    pub async fn waiting(
        &self,
        lane: &Lane,
        url: &str,
        fetch: impl Future<Output = Outcome>,
    ) -> Outcome {
        let outcome = {
            let _waiting = lane.span(State::Waiting, "GET");
            fetch.await
        };
        self.done(lane, url, &outcome);
        outcome
    }
}
