//! Lesson 04: fetching URLs one after another, and all at once.
//!
//! **Python original.** The course's gevent URL-fetching demo: after
//! `monkey.patch_all()`, `f(url)` prints `GET: <url>`, reads the page with
//! `urlopen(url).read()` and prints `<n> bytes received from <url>.`; the
//! program calls `f` for python.org,
//! yahoo.com and github.com one after another and prints the cost, then
//! runs the same three as `gevent.spawn(f, url)` under `gevent.joinall` and
//! prints that cost. The second is about as long as the slowest page, the
//! first as long as all three together.
//!
//! **Rust mapping.** The pages come from a local [`shared::DelayServer`]
//! (`/delay/300` answers after 300 ms), so the run needs no internet and
//! its timings mean something. Five strategies implement one trait,
//! [`Fetch`], one file each, and print the same lines through a
//! [`Reporter`]:
//!
//! | strategy | Python | what waits | in flight at once |
//! |---|---|---|---|
//! | [`Sequential`] | `for url in urls: f(url)` | the one thread | 1 |
//! | [`Threads`] | `threading.Thread` per URL | one OS thread per URL | N |
//! | [`Rayon`] | a `ThreadPoolExecutor` sized to the cores | a pool thread | pool size |
//! | [`Tokio`] | `gevent.spawn` + `joinall`, patched | a parked task | N (or `--concurrency`) |
//! | [`BlockingInTokio`] | the same, *without* `monkey.patch_all()` | the one thread | 1 (the pitfall) |
//!
//! `urlopen` is `reqwest::blocking` ([`fetch_blocking`]); `monkey.patch_all()`
//! is using the async client ([`fetch_async`]), whose waits are `.await`s
//! that hand the thread back to the runtime. Every strategy reads at most
//! [`MAX_BODY`] of a body.
//!
//! **Where things are.** `error.rs`: how a fetch fails ([`FetchError`]);
//! `strategy.rs`: the [`Fetch`] trait and the [`Strategy`] names; a file
//! per strategy (`sequential.rs`, `threads.rs`, `pool.rs` for rayon,
//! `tasks.rs` for tokio, `pitfall.rs`) and the hand-written GET
//! (`urlopen.rs`); `reporter.rs`: the lines, lanes and progress bar
//! around each fetch ([`Reporter`]); `config.rs` and `run.rs`: the driver
//! and its table ([`run`]); `measure.rs` and `sweep.rs`: the figures.
//!
//! **Run it.**
//!
//! ```text
//! cargo run -p lesson-04-fetch                        # the course's demo, locally
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

mod config;
mod error;
mod measure;
mod pitfall;
mod pool;
mod reporter;
mod run;
mod sequential;
mod strategy;
mod sweep;
mod tasks;
mod threads;
mod urlopen;

pub use config::{
    Config, DEFAULT_TIMEOUT, DEMO_DELAYS_MS, LINES_UP_TO, Targets, delay_paths,
};
pub use error::{FetchError, MAX_BODY, Outcome, parse_url};
pub use measure::{Sizes, measure};
pub use pitfall::BlockingInTokio;
pub use pool::Rayon;
pub use reporter::Reporter;
pub use run::{Report, Run, in_flight_cap, run, table};
pub use sequential::{BlockingClient, Sequential, fetch_blocking};
pub use strategy::{Fetch, Strategy};
pub use sweep::{SweepPoint, sweep, sweep_svg, sweep_table};
pub use tasks::{Tokio, fetch_async};
pub use threads::{MAX_THREADS, Threads};
pub use urlopen::urlopen;
