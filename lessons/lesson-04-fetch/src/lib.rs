//! Lesson 04: fetching URLs one after another, and all at once.
//!
//! **Python original.** `../shared/seeds/004_ef699e389cc80635.txt` (and
//! `002_4a3846ad69afcffc.txt`): after `monkey.patch_all()`, `f(url)` prints
//! `GET: <url>`, reads the page with `urlopen(url).read()` and prints
//! `<n> bytes received from <url>.`; the program calls `f` for python.org,
//! yahoo.com and github.com one after another and prints the cost, then
//! runs the same three as `gevent.spawn(f, url)` under `gevent.joinall` and
//! prints that cost. The second is about as long as the slowest page, the
//! first as long as all three together.
//!
//! **Rust mapping.** The pages come from a local [`shared::DelayServer`]
//! (`/delay/300` answers after 300 ms), so the run needs no internet and
//! its timings mean something. Five strategies implement one trait,
//! [`Fetch`], and print the same lines:
//!
//! | strategy | Python | what waits | in flight at once |
//! |---|---|---|---|
//! | [`Sequential`] | `for url in urls: f(url)` | the one thread | 1 |
//! | [`Threads`] | `threading.Thread` per URL | one OS thread per URL | N |
//! | [`Rayon`] | a `ThreadPoolExecutor` sized to the cores | a pool thread | pool size |
//! | [`Tokio`] | `gevent.spawn` + `joinall`, patched | a parked task | N (or `--concurrency`) |
//! | [`BlockingInTokio`] | the same, *without* `monkey.patch_all()` | the one thread | 1 (the pitfall) |
//!
//! `urlopen` is `reqwest::blocking`; `monkey.patch_all()` is using the async
//! client (`reqwest::Client`), whose waits are `.await`s that hand the
//! thread back to the runtime.
//!
//! **Run it.**
//!
//! ```text
//! cargo run -p lesson-04-fetch                        # the seed's demo, locally
//! cargo run -p lesson-04-fetch -- --strategy all      # every strategy, a table
//! cargo run -p lesson-04-fetch -- --strategy all --timeline
//! cargo run --release -p lesson-04-fetch -- --strategy tokio --urls 10000 --delay-ms 100
//! cargo run --release -p lesson-04-fetch -- --strategy tokio --urls 100 --concurrency 8
//! cargo run -p lesson-04-fetch -- --url https://www.python.org/ --url https://github.com/
//! cargo run -p lesson-04-fetch -- serve --port 8000   # the delay server alone
//! cargo run --release -p lesson-04-fetch -- measure   # name=value lines
//! cargo run --release -p lesson-04-fetch -- sweep --svg sweep.svg  # time vs N
//! ```
//!
//! **What to notice.**
//!
//! - Async wins on *waiting*: three requests of 300, 200 and 100 ms take
//!   600 ms one after another and 300 ms together. Nothing ran faster;
//!   the waits overlapped, and no thread sat in any of them.
//! - Each strategy has its own ceiling on overlap, and it is not the CPU:
//!   threads are capped by how many threads you can afford, rayon by its
//!   pool (one per core), tokio by file descriptors and the server.
//! - The pitfall: a blocking call inside a task takes the thread with it.
//!   [`BlockingInTokio`] is as slow as [`Sequential`], and its timeline is
//!   the sequential one, red (blocked) where tokio's is blue (waiting).

mod chart;
mod strategies;
mod urlopen;

pub use chart::{SweepPoint, sweep, sweep_svg, sweep_table};
pub use strategies::{
    BlockingInTokio, Fetch, Rayon, Sequential, Threads, Tokio,
};
pub use urlopen::urlopen;

use std::fmt;
use std::time::Duration;

use indicatif::ProgressBar;
use shared::{DelayServer, Figure, Lane, State, Trace, Transcript};

/// The seed's three pages, as local delays: slowest first, so that the
/// concurrent run finishes them in the opposite order.
pub const DEMO_DELAYS_MS: [u64; 3] = [300, 200, 100];

/// Up to this many URLs, every `GET:` and `... received` line is printed;
/// beyond it, only failures and a summary per strategy (and a progress bar
/// on a terminal).
pub const LINES_UP_TO: usize = 20;

/// The default timeout of one request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// File descriptors kept aside for everything that is not a request's
/// socket: stdio, the runtimes' wakers, the listener, TLS roots.
const FD_RESERVE: u64 = 64;

/// The longest body any strategy reads, 64 MiB: enough for any page, and
/// a bound, so that a server that never stops sending cannot fill the
/// memory. A longer body is a failed fetch, [`FetchError::TooLarge`].
pub const MAX_BODY: u64 = 64 << 20;

/// Why one URL could not be fetched: one line, no backtrace.
#[derive(Clone, Debug, PartialEq)]
pub enum FetchError {
    /// The URL does not parse, or is not `http`/`https`.
    BadUrl(String),
    /// DNS failed, or nothing listens there (connection refused).
    Connect(String),
    /// The request took longer than its timeout.
    Timeout(Duration),
    /// The server answered with a status outside 200..=299.
    Status(u16, String),
    /// The body was longer than this many bytes ([`MAX_BODY`]), or said
    /// it would be.
    TooLarge(u64),
    /// Anything else (a reset mid-body, a thread that could not start).
    Other(String),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::BadUrl(why) => write!(f, "bad URL: {why}"),
            FetchError::Connect(why) => write!(f, "cannot connect: {why}"),
            FetchError::Timeout(after) => {
                write!(f, "timed out after {} ms", after.as_millis())
            }
            FetchError::Status(code, reason) => {
                write!(f, "HTTP {code} {reason}")
            }
            FetchError::TooLarge(cap) => {
                write!(f, "body over {} MiB", cap >> 20)
            }
            FetchError::Other(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for FetchError {}

impl FetchError {
    /// Sorts a reqwest error into one of ours, with its innermost cause as
    /// the message: reqwest's own text ("error sending request for url")
    /// says less than the `Connection refused` at the bottom of the chain.
    fn from_reqwest(error: &reqwest::Error, timeout: Duration) -> FetchError {
        let mut cause: &dyn std::error::Error = error;
        while let Some(inner) = cause.source() {
            cause = inner;
        }
        let why = cause.to_string();
        if error.is_timeout() {
            FetchError::Timeout(timeout)
        } else if error.is_connect() {
            FetchError::Connect(why)
        } else if error.is_builder() {
            FetchError::BadUrl(why)
        } else {
            FetchError::Other(why)
        }
    }
}

/// What fetching one URL gave: the body's length, or why not.
pub type Outcome = Result<usize, FetchError>;

/// Parses a URL the way every strategy does, so that a bad one gets the
/// same message whichever strategy meets it.
pub fn parse_url(url: &str) -> Result<reqwest::Url, FetchError> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| FetchError::BadUrl(e.to_string()))?;
    match parsed.scheme() {
        "http" | "https" => Ok(parsed),
        other => Err(FetchError::BadUrl(format!(
            "scheme `{other}` is not http or https"
        ))),
    }
}

/// The five strategies, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Strategy {
    /// One request after another, `reqwest::blocking`.
    Sequential,
    /// One OS thread per URL, `reqwest::blocking`.
    Threads,
    /// Rayon's `par_iter`, `reqwest::blocking`: as many at once as cores.
    Rayon,
    /// Async reqwest on tokio, every request in flight at once.
    Tokio,
    /// The pitfall: a blocking GET inside tokio tasks, one at a time.
    BlockingInTokio,
}

impl Strategy {
    /// Every strategy, in the order of the table: clap's list of the
    /// variants, in the order they are declared.
    pub fn all() -> &'static [Strategy] {
        <Strategy as clap::ValueEnum>::value_variants()
    }

    /// The short tag that starts its lanes' names on the timeline.
    pub fn tag(self) -> &'static str {
        match self {
            Strategy::Sequential => "seq",
            Strategy::Threads => "thread",
            Strategy::Rayon => "rayon",
            Strategy::Tokio => "tokio",
            Strategy::BlockingInTokio => "pitfall",
        }
    }

    /// Whether this is the strategy shown as a mistake.
    pub fn is_pitfall(self) -> bool {
        self == Strategy::BlockingInTokio
    }

    /// Builds the strategy with its client. `concurrency` only matters to
    /// [`Strategy::Tokio`].
    pub fn build(
        self,
        timeout: Duration,
        concurrency: Option<usize>,
    ) -> shared::Result<Box<dyn Fetch>> {
        Ok(match self {
            Strategy::Sequential => Box::new(Sequential::new(timeout)?),
            Strategy::Threads => Box::new(Threads::new(timeout)?),
            Strategy::Rayon => Box::new(Rayon::new(timeout)?),
            Strategy::Tokio => Box::new(Tokio::new(timeout, concurrency)?),
            Strategy::BlockingInTokio => {
                Box::new(BlockingInTokio::new(timeout)?)
            }
        })
    }
}

/// The name used on the command line, in the table and in the figures:
/// clap's name of the variant (`blocking-in-tokio`).
impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = clap::ValueEnum::to_possible_value(self)
            .expect("no strategy is hidden from the command line");
        f.write_str(value.get_name())
    }
}

/// What every fetch of a run shares: where lines go, where spans go, the
/// progress bar, and how lanes are named. Cheap to clone (a few `Arc`s),
/// so each task or thread can own one.
#[derive(Clone, Debug)]
pub struct Ctx {
    out: Transcript,
    main: Lane,
    strategy: Strategy,
    origin: Option<String>,
    timeout: Duration,
    lines: bool,
    progress: ProgressBar,
}

impl Ctx {
    /// A context printing to `out` and tracing on `main`'s trace, for a
    /// run of `strategy` with this per-request `timeout`.
    pub fn new(
        out: Transcript,
        main: Lane,
        strategy: Strategy,
        timeout: Duration,
    ) -> Ctx {
        Ctx {
            out,
            main,
            strategy,
            origin: None,
            timeout,
            lines: true,
            progress: ProgressBar::hidden(),
        }
    }

    /// A context that prints nothing and traces nothing: for measuring.
    pub fn quiet(strategy: Strategy, timeout: Duration) -> Ctx {
        let trace = Trace::disabled();
        Ctx::new(Transcript::quiet(), trace.lane("main"), strategy, timeout)
            .with_lines(false)
    }

    /// Lane names drop this prefix (`http://127.0.0.1:PORT`), so the
    /// timeline shows `/delay/300`.
    pub fn with_origin(mut self, origin: impl Into<String>) -> Ctx {
        self.origin = Some(origin.into());
        self
    }

    /// Whether to print the `GET:` and `... received` lines of successful
    /// fetches (failures are always printed).
    pub fn with_lines(mut self, lines: bool) -> Ctx {
        self.lines = lines;
        self
    }

    /// A progress bar to advance once per finished URL.
    pub fn with_progress(mut self, progress: ProgressBar) -> Ctx {
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
        self.say_get(&lane, url);
        lane
    }

    /// Prints `GET: url`.
    pub fn say_get(&self, lane: &Lane, url: &str) {
        if self.lines {
            self.out.say(lane, format!("GET: {url}"));
        }
    }

    /// Prints how the fetch of `url` ended, and advances the progress bar.
    pub fn say_done(&self, lane: &Lane, url: &str, outcome: &Outcome) {
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

    // ANCHOR: fetch_one_blocking
    /// One blocking fetch, with its lines and its span: the Python `f(url)`
    /// for the blocking strategies. The span is `Blocked`: this OS thread
    /// can do nothing else until the answer is in.
    pub fn fetch_one_blocking(
        &self,
        client: &reqwest::blocking::Client,
        i: usize,
        url: &str,
    ) -> Outcome {
        let lane = self.begin(i, url);
        let outcome = {
            let _blocked = lane.span(State::Blocked, "GET");
            let get = || -> Outcome {
                let response = client
                    .get(parse_url(url)?)
                    .send()
                    .map_err(|e| FetchError::from_reqwest(&e, self.timeout))?;
                check_status(response.status())?;
                read_body_blocking(response, self.timeout)
            };
            get()
        };
        self.say_done(&lane, url, &outcome);
        outcome
    }
    // ANCHOR_END: fetch_one_blocking

    // ANCHOR: fetch_one_async
    /// The same fetch with the async client, on the `lane` that
    /// [`Ctx::begin`] returned (the spawner prints the `GET:` lines, in
    /// URL order, as gevent's greenlets print theirs when they start).
    /// Each `.await` is where the task parks and its thread moves on to
    /// another task: the span is `Waiting`, a wait that costs the thread
    /// nothing.
    pub async fn fetch_one_async(
        &self,
        client: &reqwest::Client,
        lane: &Lane,
        url: &str,
    ) -> Outcome {
        let outcome = async {
            let _waiting = lane.span(State::Waiting, "GET");
            let response = client
                .get(parse_url(url)?)
                .send()
                .await
                .map_err(|e| FetchError::from_reqwest(&e, self.timeout))?;
            check_status(response.status())?;
            read_body_async(response, self.timeout).await
        }
        .await;
        self.say_done(lane, url, &outcome);
        outcome
    }
    // ANCHOR_END: fetch_one_async
}

/// A status outside 200..=299 is a failed fetch, as `urlopen` raises
/// `HTTPError` for it.
fn check_status(status: reqwest::StatusCode) -> Result<(), FetchError> {
    if status.is_success() {
        Ok(())
    } else {
        let reason = status.canonical_reason().unwrap_or("").to_owned();
        Err(FetchError::Status(status.as_u16(), reason))
    }
}

/// A body that says it is longer than [`MAX_BODY`] is refused before a
/// byte of it is read.
fn check_length(claimed: Option<u64>) -> Result<(), FetchError> {
    match claimed {
        Some(n) if n > MAX_BODY => Err(FetchError::TooLarge(MAX_BODY)),
        _ => Ok(()),
    }
}

/// Reads a blocking response's body to its end, counting its bytes and
/// keeping none, and stops at [`MAX_BODY`].
fn read_body_blocking(
    response: reqwest::blocking::Response,
    timeout: Duration,
) -> Outcome {
    use std::io::Read;
    check_length(response.content_length())?;
    // One byte past the cap is how a body over it shows itself.
    let mut body = response.take(MAX_BODY + 1);
    let n = std::io::copy(&mut body, &mut std::io::sink()).map_err(|e| {
        // The reader's errors are reqwest's, wrapped in an `io::Error`.
        match e.get_ref().and_then(|e| e.downcast_ref::<reqwest::Error>()) {
            Some(e) => FetchError::from_reqwest(e, timeout),
            None if e.kind() == std::io::ErrorKind::TimedOut => {
                FetchError::Timeout(timeout)
            }
            None => FetchError::Other(e.to_string()),
        }
    })?;
    body_size(n)
}

/// The same for an async response: each `.await` on the next chunk is a
/// wait that hands the thread back.
async fn read_body_async(
    mut response: reqwest::Response,
    timeout: Duration,
) -> Outcome {
    check_length(response.content_length())?;
    let mut n = 0u64;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| FetchError::from_reqwest(&e, timeout))?
    {
        n += chunk.len() as u64;
        if n > MAX_BODY {
            return Err(FetchError::TooLarge(MAX_BODY));
        }
    }
    body_size(n)
}

/// A body of `n` bytes, if it is within [`MAX_BODY`].
pub(crate) fn body_size(n: u64) -> Outcome {
    match usize::try_from(n) {
        Ok(n) if n as u64 <= MAX_BODY => Ok(n),
        _ => Err(FetchError::TooLarge(MAX_BODY)),
    }
}

/// `n` local paths that each wait `delay_ms`.
pub fn delay_paths(n: usize, delay_ms: u64) -> Vec<String> {
    vec![format!("/delay/{delay_ms}"); n]
}

/// What to fetch: paths on a delay server started for the run, or real
/// URLs.
#[derive(Clone, Debug, PartialEq)]
pub enum Targets {
    /// Paths such as `/delay/300` on a local [`DelayServer`].
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
    fn local_delay(&self) -> Option<Duration> {
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
    /// The seed's demo: three pages, sequentially and then concurrently.
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

/// Raises this process's soft limit on open files to its hard limit, and
/// returns the new soft limit. Every request in flight holds a socket, and
/// with the server in the same process, two; the usual soft limit of 1024
/// would stop a run at about 500 requests in flight.
pub fn raise_open_files_limit() -> u64 {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        let raised = Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        // Refused (a sandbox): the old limit stands, and the cap below
        // works from it.
        let _ = setrlimit(Resource::Nofile, raised);
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

/// How many requests may be in flight at once within the open-files
/// limit, if that is fewer than `urls`: the cap a run must apply, or
/// `None` if the limit is no obstacle.
pub fn in_flight_cap(urls: usize, server_in_process: bool) -> Option<usize> {
    let limit = raise_open_files_limit();
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
    const MAX_THREADS: usize = 2000;
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

/// The most OS threads the `threads` strategy may start in one run.
pub const MAX_OS_THREADS: usize = 10_000;

// ANCHOR: run
/// Runs every strategy of `config` on its targets, one after another, and
/// prints what the seed prints, a cost line per strategy and the table.
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
    if config.strategies == [Strategy::Threads] && n > MAX_OS_THREADS {
        return Err(format!(
            "the threads strategy starts one OS thread per URL; {n} URLs \
             is more than this lesson allows ({MAX_OS_THREADS}): try \
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
        let mut ctx =
            Ctx::new(out.clone(), main.clone(), strategy, config.timeout)
                .with_lines(lines)
                .with_progress(progress.clone());
        if let Some(origin) = &origin {
            ctx = ctx.with_origin(origin.clone());
        }
        if let Some(server) = &server {
            server.reset_peak();
        }
        let (outcomes, wall) = shared::timed(|| fetcher.fetch_all(&urls, &ctx));
        progress.finish_and_clear();
        let report = Report {
            strategy,
            wall,
            outcomes,
            peak_in_flight: server.as_ref().map(DelayServer::peak_in_flight),
        };
        if !lines {
            let ok = n - report.failures();
            out.say(&main, format!("{strategy}: {ok} of {n} fetched."));
        }
        out.say(
            &main,
            format!("{strategy} cost {:.3} s", wall.as_secs_f64()),
        );
        reports.push(report);
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
// ANCHOR_END: run

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

/// Sizes for [`measure`]: `urls` local URLs of `delay_ms` each for every
/// strategy, `rounds` rounds (the median is kept), and one tokio run of
/// `scale_urls` URLs (0 to skip it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// URLs per strategy.
    pub urls: usize,
    /// Delay of each URL, in ms.
    pub delay_ms: u64,
    /// Rounds per strategy; the median wall time is reported.
    pub rounds: usize,
    /// URLs of the tokio scale run (0: skip).
    pub scale_urls: usize,
}

impl Sizes {
    /// Well under a second, even in a debug build: proves it runs.
    pub const QUICK: Sizes = Sizes {
        urls: 4,
        delay_ms: 5,
        rounds: 1,
        scale_urls: 50,
    };
    /// The tour's size: about four seconds, most of it the two
    /// one-at-a-time strategies.
    pub const NORMAL: Sizes = Sizes {
        urls: 10,
        delay_ms: 50,
        rounds: 3,
        scale_urls: 1000,
    };
    /// The issue's targets (`measure` with no flags): 20 × 100 ms per
    /// strategy, and 10 000 × 100 ms for tokio. About 15 seconds.
    pub const TARGETS: Sizes = Sizes {
        urls: 20,
        delay_ms: 100,
        rounds: 3,
        scale_urls: 10_000,
    };
}

// ANCHOR: measure
/// Measures every strategy on the same local URLs and returns the figures:
/// `wall_ms_<strategy>` (median of `rounds`), `peak_in_flight_<strategy>`,
/// `speedup_tokio` over sequential, and for `scale_urls` URLs with tokio
/// `wall_ms_tokio_scale_first` (one round that opens every connection)
/// and `wall_ms_tokio_scale` (the median of `rounds` more, reusing them),
/// with `scale_urls` itself. Fails if any fetch fails.
pub fn measure(sizes: Sizes) -> shared::Result<Vec<Figure>> {
    let server = DelayServer::start(None)?;
    let timeout = DEFAULT_TIMEOUT;
    let urls: Vec<String> = delay_paths(sizes.urls, sizes.delay_ms)
        .iter()
        .map(|p| server.url(p))
        .collect();
    let mut figures = Vec::new();
    let mut walls = Vec::new();
    for &strategy in Strategy::all() {
        let fetcher = strategy.build(timeout, None)?;
        let ctx = Ctx::quiet(strategy, timeout);
        let (wall, peak) =
            timed_rounds(&*fetcher, &urls, &ctx, &server, sizes.rounds)?;
        let name = strategy.to_string().replace('-', "_");
        figures.push(Figure::new(format!("wall_ms_{name}"), wall, "ms"));
        figures.push(Figure::new(
            format!("peak_in_flight_{name}"),
            peak as f64,
            "requests",
        ));
        walls.push((strategy, wall));
    }
    let wall_of =
        |s: Strategy| walls.iter().find(|(w, _)| *w == s).map(|w| w.1);
    if let (Some(seq), Some(tokio)) =
        (wall_of(Strategy::Sequential), wall_of(Strategy::Tokio))
    {
        figures.push(Figure::new("speedup_tokio", seq / tokio, "x"));
    }
    if sizes.scale_urls > 0 {
        let urls: Vec<String> = delay_paths(sizes.scale_urls, sizes.delay_ms)
            .iter()
            .map(|p| server.url(p))
            .collect();
        let cap = in_flight_cap(urls.len(), true);
        let fetcher = Strategy::Tokio.build(timeout, cap)?;
        let ctx = Ctx::quiet(Strategy::Tokio, timeout);
        // The first round opens every connection; later ones find them
        // in the client's pool, as a crawler's second pass would.
        let (first, _) = timed_rounds(&*fetcher, &urls, &ctx, &server, 1)?;
        figures.push(Figure::new("wall_ms_tokio_scale_first", first, "ms"));
        let (wall, _) =
            timed_rounds(&*fetcher, &urls, &ctx, &server, sizes.rounds)?;
        figures.push(Figure::new("wall_ms_tokio_scale", wall, "ms"));
        figures.push(Figure::new("scale_urls", urls.len() as f64, "urls"));
    }
    Ok(figures)
}
// ANCHOR_END: measure

/// The median wall time in ms over `rounds` rounds, and the highest peak
/// of requests in flight; an error if any fetch failed.
fn timed_rounds(
    fetcher: &dyn Fetch,
    urls: &[String],
    ctx: &Ctx,
    server: &DelayServer,
    rounds: usize,
) -> shared::Result<(f64, usize)> {
    let mut samples = Vec::new();
    let mut peak = 0;
    for _ in 0..rounds.max(1) {
        server.reset_peak();
        let (outcomes, wall) = shared::timed(|| fetcher.fetch_all(urls, ctx));
        peak = peak.max(server.peak_in_flight());
        let failed = outcomes.iter().filter(|o| o.is_err()).count();
        if let Some(Err(first)) = outcomes.iter().find(|o| o.is_err()) {
            return Err(format!(
                "{failed} of {} fetches failed, the first with: {first}",
                urls.len()
            )
            .into());
        }
        samples.push(wall.as_secs_f64() * 1e3);
    }
    Ok((shared::median(samples), peak))
}
