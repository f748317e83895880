//! Lesson 04: running the strategies one after another on the same URLs,
//! and the closing table.
//!
//! [`run`] is the driver behind the command line: it starts the delay
//! server when the targets are local, raises the open-files limit and caps
//! tokio below it, skips a strategy that would take too long or start too
//! many threads, times `fetch_all` of each strategy (the client is built
//! before the clock starts), asks the server how many requests it served
//! at once, and prints a cost line per strategy and the [`table`].

use std::time::Duration;

use indicatif::ProgressBar;
use shared::{DelayServer, Trace, Transcript};

use crate::{
    Config, LINES_UP_TO, MAX_THREADS, Outcome, Rayon, Reporter, Strategy,
    Targets,
};

/// File descriptors kept aside for everything that is not a request's
/// socket: stdio, the runtimes' wakers, the listener, TLS roots.
const FD_RESERVE: u64 = 64;

/// How one strategy did.
#[derive(Clone, Debug)]
pub struct Report {
    /// Which strategy.
    pub strategy: Strategy,
    /// The wall time of `fetch_all` (the client was built before).
    pub wall: Duration,
    /// One outcome per URL, in URL order.
    pub outcomes: Vec<Outcome>,
    /// The most requests the local server was serving at once, if the
    /// targets were local.
    pub peak_in_flight: Option<usize>,
}

impl Report {
    /// How many fetches failed.
    pub fn failures(&self) -> usize {
        self.outcomes.iter().filter(|o| o.is_err()).count()
    }
}

/// A finished run: what was printed, what was recorded, and the reports.
#[derive(Debug)]
pub struct Run {
    /// Every line printed.
    pub transcript: Transcript,
    /// The recorded trace (empty unless `Config::trace`).
    pub trace: Trace,
    /// One report per strategy that ran.
    pub reports: Vec<Report>,
    /// The delay server's address, when the targets were local.
    pub server: Option<std::net::SocketAddr>,
}

impl Run {
    /// Failed fetches over every strategy.
    pub fn failures(&self) -> usize {
        self.reports.iter().map(Report::failures).sum()
    }

    /// Fetches over every strategy.
    pub fn fetches(&self) -> usize {
        self.reports.iter().map(|r| r.outcomes.len()).sum()
    }
}

/// How many requests may be in flight at once within the open-files
/// limit (raised to its hard limit first: every request in flight holds
/// a socket, two with the server in the same process, and the usual soft
/// limit of 1,024 would stop a run at about 500), if that is fewer than `urls`: the cap a run must apply, or
/// `None` if the limit is no obstacle.
pub fn in_flight_cap(urls: usize, server_in_process: bool) -> Option<usize> {
    let limit = shared::net::raise_fd_limit();
    let per_request = if server_in_process { 2 } else { 1 };
    let cap = limit.saturating_sub(FD_RESERVE) / per_request;
    let cap = usize::try_from(cap).unwrap_or(usize::MAX).max(1);
    (cap < urls).then_some(cap)
}

/// Why a strategy is skipped in a multi-strategy run: it would take too
/// long, or start too many threads.
pub(crate) fn skip_reason(
    strategy: Strategy,
    urls: usize,
    delay: Option<Duration>,
    budget: Duration,
) -> Option<String> {
    if strategy == Strategy::Threads && urls > MAX_THREADS {
        return Some(format!(
            "{urls} URLs would start {urls} OS threads (this run allows \
             {MAX_THREADS})"
        ));
    }
    let delay = delay?;
    let rounds = match strategy {
        Strategy::Sequential | Strategy::BlockingInTokio => urls,
        Strategy::Rayon => urls.div_ceil(Rayon::pool_size()),
        Strategy::Threads | Strategy::Tokio => 1,
    };
    let estimate = delay.saturating_mul(u32::try_from(rounds).ok()?);
    (estimate > budget).then(|| {
        format!(
            "would take about {:.0} s ({rounds} × {} ms)",
            estimate.as_secs_f64(),
            delay.as_millis()
        )
    })
}

/// Runs every strategy of `config` on its targets, one after another, and
/// prints what the course's program prints, a cost line per strategy and the table.
pub fn run(config: &Config) -> shared::Result<Run> {
    let out = if config.echo {
        Transcript::stdout()
    } else {
        Transcript::quiet()
    };
    let trace = Trace::recording(config.trace);
    let main = trace.lane("main");
    let n = config.targets.len();

    // Local targets get a server for the run; it stops when `server`
    // drops, at the end of this function.
    let (server, urls) = match &config.targets {
        Targets::Local(paths) => {
            let server = DelayServer::start(None)?;
            let urls = paths.iter().map(|p| server.url(p)).collect();
            (Some(server), urls)
        }
        Targets::Remote(urls) => (None, urls.clone()),
    };
    let origin = server.as_ref().map(|s| format!("http://{}", s.addr()));

    // One OS thread per URL stops being a lesson long before it stops
    // working: refuse a threads run the machine would spend its time
    // creating threads for, with a line that says what to use instead.
    // (With several strategies, `skip_reason` skips it sooner.)
    if config.strategies == [Strategy::Threads] && n > MAX_THREADS {
        return Err(format!(
            "the threads strategy starts one OS thread per URL; {n} URLs \
             is more than this lesson allows ({MAX_THREADS}): try \
             --strategy tokio"
        )
        .into());
    }

    let mut concurrency = config.concurrency;
    if config.strategies.contains(&Strategy::Tokio)
        && let Some(cap) = in_flight_cap(n, server.is_some())
        && concurrency.is_none_or(|k| k > cap)
    {
        out.say(
            &main,
            format!(
                "note: the open-files limit allows about {cap} requests in \
                 flight{}; capping tokio at {cap} (raise it with \
                 `ulimit -n`).",
                if server.is_some() {
                    " with the server in this process"
                } else {
                    ""
                }
            ),
        );
        concurrency = Some(cap);
    }

    let lines = n <= LINES_UP_TO;
    let mut reports = Vec::new();
    for &strategy in &config.strategies {
        if config.strategies.len() > 1
            && let Some(budget) = config.skip_longer_than
            && let Some(why) =
                skip_reason(strategy, n, config.targets.local_delay(), budget)
        {
            out.say(&main, format!("{strategy} skipped: {why}."));
            continue;
        }
        // Build the client before the clock starts: the first one loads
        // TLS roots, and that is not what we are timing.
        let fetcher = strategy.build(config.timeout, concurrency)?;
        let progress = if config.progress && !lines {
            progress_bar(strategy, n)
        } else {
            ProgressBar::hidden()
        };
        let mut report = Reporter::new(out.clone(), main.clone(), strategy)
            .with_lines(lines)
            .with_progress(progress.clone());
        if let Some(origin) = &origin {
            report = report.with_origin(origin.clone());
        }
        if let Some(server) = &server {
            server.reset_peak();
        }
        let (outcomes, wall) =
            shared::timed(|| fetcher.fetch_all(&urls, &report));
        progress.finish_and_clear();
        let done = Report {
            strategy,
            wall,
            outcomes,
            peak_in_flight: server.as_ref().map(DelayServer::peak_in_flight),
        };
        if !lines {
            let ok = n - done.failures();
            out.say(&main, format!("{strategy}: {ok} of {n} fetched."));
        }
        out.say(
            &main,
            format!("{strategy} cost {:.3} s", wall.as_secs_f64()),
        );
        reports.push(done);
    }
    for line in table(&reports) {
        out.say(&main, line);
    }
    Ok(Run {
        transcript: out,
        trace,
        reports,
        server: server.as_ref().map(DelayServer::addr),
    })
}

/// A bar on stderr, drawn only when stderr is a terminal.
fn progress_bar(strategy: Strategy, n: usize) -> ProgressBar {
    let bar = ProgressBar::new(n as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{prefix:>18} [{bar:40}] {pos}/{len} {elapsed}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(strategy.to_string());
    bar
}

/// The closing table: strategy, wall time, speedup over sequential, and
/// the peak of requests in flight at the server.
pub fn table(reports: &[Report]) -> Vec<String> {
    // A run in which every fetch failed measured how fast things fail,
    // not how fast they are fetched: it gets no speedup, and is no base.
    let fetched_any = |r: &&Report| r.failures() < r.outcomes.len();
    let sequential = reports
        .iter()
        .filter(fetched_any)
        .find(|r| r.strategy == Strategy::Sequential)
        .map(|r| r.wall);
    let mut lines = vec![
        String::new(),
        format!(
            "{:<28} {:>10} {:>8} {:>15}",
            "strategy", "wall time", "speedup", "peak in flight"
        ),
    ];
    for report in reports {
        let name = if report.strategy.is_pitfall() {
            format!("{} (pitfall)", report.strategy)
        } else {
            report.strategy.to_string()
        };
        let speedup = match sequential {
            Some(seq) if !report.wall.is_zero() && fetched_any(&report) => {
                format!("{:.2}x", seq.as_secs_f64() / report.wall.as_secs_f64())
            }
            _ => "-".into(),
        };
        let peak = report
            .peak_in_flight
            .map_or_else(|| "-".into(), |p| p.to_string());
        lines.push(format!(
            "{name:<28} {:>8.3} s {speedup:>8} {peak:>15}",
            report.wall.as_secs_f64()
        ));
    }
    lines
}
