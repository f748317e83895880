//! The five ways to fetch a list of URLs, behind one trait, [`Fetch`].
//!
//! Every strategy prints the same lines through the same helpers
//! ([`Ctx::fetch_one_blocking`] and [`Ctx::fetch_one_async`]): `GET: url`
//! when a request starts, `n bytes received from url.` when it ends, or
//! `nothing received from url: why.` So the strategies differ only in *how
//! many requests wait at once*, and on which threads they wait, which is
//! the whole lesson. Each one builds its client once (connection reuse:
//! the second request to the same server skips the TCP handshake) with a
//! timeout per request, and only `fetch_all` is timed.

use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use rayon::prelude::*;
use shared::State;

use crate::urlopen::urlopen;
use crate::{Ctx, FetchError, Outcome};

// ANCHOR: fetch_trait
/// A way of fetching a list of URLs. `fetch_all` returns one outcome per
/// URL, in the order of `urls`, whatever order they finished in.
pub trait Fetch {
    /// Fetches every URL and returns the body length or the error of
    /// each, printing the `GET:` and `... received` lines through `ctx`.
    fn fetch_all(&self, urls: &[String], ctx: &Ctx) -> Vec<Outcome>;
}
// ANCHOR_END: fetch_trait

/// The blocking client every blocking strategy builds: no proxy (a
/// learner's `http_proxy` must not capture requests to 127.0.0.1), and a
/// timeout for the whole request.
fn blocking_client(timeout: Duration) -> shared::Result<BlockingClient> {
    Ok(reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .build()?)
}

type BlockingClient = reqwest::blocking::Client;

// ANCHOR: sequential
/// Python's `for url in urls: f(url)`: one request at a time, each one
/// blocking the only thread until its answer is in.
pub struct Sequential {
    client: BlockingClient,
}

impl Sequential {
    /// Builds the client (not timed: it loads TLS roots and starts the
    /// blocking client's helper thread).
    pub fn new(timeout: Duration) -> shared::Result<Sequential> {
        Ok(Sequential {
            client: blocking_client(timeout)?,
        })
    }
}

impl Fetch for Sequential {
    fn fetch_all(&self, urls: &[String], ctx: &Ctx) -> Vec<Outcome> {
        urls.iter()
            .enumerate()
            .map(|(i, url)| ctx.fetch_one_blocking(&self.client, i, url))
            .collect()
    }
}
// ANCHOR_END: sequential

// ANCHOR: threads
/// One OS thread per URL, all sharing one blocking client. Every thread
/// blocks on its own request, so all the waits overlap; the price is a
/// thread (a stack, a kernel task, a scheduler entry) per request.
pub struct Threads {
    client: BlockingClient,
}

/// Each thread only waits for a reply; a small stack is plenty, and keeps
/// a thousand threads at a quarter of a GiB of address space.
const THREAD_STACK: usize = 256 * 1024;

impl Threads {
    /// Builds the shared client.
    pub fn new(timeout: Duration) -> shared::Result<Threads> {
        Ok(Threads {
            client: blocking_client(timeout)?,
        })
    }
}

impl Fetch for Threads {
    fn fetch_all(&self, urls: &[String], ctx: &Ctx) -> Vec<Outcome> {
        // `scope`: the threads borrow `urls`, the client and `ctx`, and
        // the scope joins them all before it returns.
        std::thread::scope(|s| {
            let handles: Vec<_> = urls
                .iter()
                .enumerate()
                .map(|(i, url)| {
                    std::thread::Builder::new()
                        .stack_size(THREAD_STACK)
                        .spawn_scoped(s, move || {
                            ctx.fetch_one_blocking(&self.client, i, url)
                        })
                })
                .collect();
            // A thread that could not be started (out of threads or
            // memory) is that URL's error, not a panic.
            handles
                .into_iter()
                .map(|spawned| match spawned {
                    Ok(handle) => handle.join().unwrap_or_else(|_| {
                        Err(FetchError::Other("the thread panicked".into()))
                    }),
                    Err(e) => Err(FetchError::Other(format!(
                        "cannot start a thread: {e}"
                    ))),
                })
                .collect()
        })
    }
}
// ANCHOR_END: threads

// ANCHOR: rayon
/// `par_iter` over the URLs with the blocking client. Rayon's pool has one
/// thread per core, and a pool thread that waits for a reply is a core's
/// worth of pool doing nothing: at most `pool size` requests are in flight,
/// and the run takes `ceil(N / pool) × delay`. Rayon is for CPU work.
pub struct Rayon {
    client: BlockingClient,
}

impl Rayon {
    /// Builds the shared client. The pool is rayon's global one.
    pub fn new(timeout: Duration) -> shared::Result<Rayon> {
        Ok(Rayon {
            client: blocking_client(timeout)?,
        })
    }

    /// How many threads rayon's global pool has: the ceiling on requests
    /// in flight (`RAYON_NUM_THREADS`, or the number of cores).
    pub fn pool_size() -> usize {
        rayon::current_num_threads()
    }
}

impl Fetch for Rayon {
    fn fetch_all(&self, urls: &[String], ctx: &Ctx) -> Vec<Outcome> {
        // An indexed parallel iterator: `collect` puts each outcome at its
        // URL's index, whichever pool thread fetched it.
        urls.par_iter()
            .enumerate()
            .map(|(i, url)| ctx.fetch_one_blocking(&self.client, i, url))
            .collect()
    }
}
// ANCHOR_END: rayon

// ANCHOR: tokio
/// Async reqwest on tokio: one task per URL, spawned all at once and
/// joined (`gevent.joinall([gevent.spawn(...)])`). A task that waits for
/// its reply is parked, and its thread runs the next one; every wait
/// overlaps with every other. `concurrency` caps how many requests are in
/// flight at once, with a semaphore.
pub struct Tokio {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    concurrency: Option<usize>,
}

impl Tokio {
    /// Builds the runtime and the async client; `concurrency` of `None`
    /// means every request at once.
    pub fn new(
        timeout: Duration,
        concurrency: Option<usize>,
    ) -> shared::Result<Tokio> {
        // Tokio's default runtime, what `#[tokio::main]` builds: one worker
        // thread per core. The overlap does not come from the workers (a
        // current-thread runtime overlaps every wait too, as gevent does
        // on its one thread); they share the client's own CPU work, which
        // is what limits a run of ten thousand requests: connecting,
        // writing and parsing, about 100 µs per request here.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(timeout)
            .build()?;
        Ok(Tokio {
            runtime,
            client,
            concurrency,
        })
    }
}

impl Fetch for Tokio {
    fn fetch_all(&self, urls: &[String], ctx: &Ctx) -> Vec<Outcome> {
        let permits = self
            .concurrency
            .map(|k| Arc::new(tokio::sync::Semaphore::new(k)));
        self.runtime.block_on(async {
            let mut tasks = Vec::with_capacity(urls.len());
            for (i, url) in urls.iter().enumerate() {
                // With a cap, the spawner waits here for a free permit: the
                // next request starts when one of the K in flight is done.
                // (`acquire_owned` fails only on a closed semaphore, and
                // nobody closes this one.)
                let permit = match &permits {
                    Some(p) => Arc::clone(p).acquire_owned().await.ok(),
                    None => None,
                };
                let lane = ctx.begin(i, url);
                // Each task owns what it uses: a clone of the client (an
                // `Arc` inside, sharing one connection pool), its URL, the
                // context, its lane and its permit.
                let (client, url, ctx) =
                    (self.client.clone(), url.clone(), ctx.clone());
                tasks.push(tokio::spawn(async move {
                    let outcome =
                        ctx.fetch_one_async(&client, &lane, &url).await;
                    drop(permit);
                    outcome
                }));
            }
            join_all(tasks).await.into_iter().map(joined).collect()
        })
    }
}
// ANCHOR_END: tokio

/// A task's result: a panicked task is that URL's error.
fn joined(result: Result<Outcome, tokio::task::JoinError>) -> Outcome {
    result.unwrap_or_else(|e| Err(FetchError::Other(format!("task: {e}"))))
}

// ANCHOR: pitfall
/// THE PITFALL, on purpose: the same tasks as [`Tokio`], on a runtime
/// with one thread as gevent has, but each one calls a *blocking* GET
/// ([`urlopen`], the stand-in for Python's unpatched `urlopen`). A task
/// never reaches an `.await` while its request is out, so it never gives
/// the thread back: the runtime runs the tasks one after another, and the
/// run takes as long as [`Sequential`]. This is gevent without
/// `monkey.patch_all()`. (On the multi-thread runtime the same mistake
/// blocks every worker in turn: as many requests at once as workers,
/// rayon's ceiling, and no `.await` anywhere else can run meanwhile.)
pub struct BlockingInTokio {
    runtime: tokio::runtime::Runtime,
    timeout: Duration,
}

impl BlockingInTokio {
    /// Builds the single-threaded runtime.
    pub fn new(timeout: Duration) -> shared::Result<BlockingInTokio> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(BlockingInTokio { runtime, timeout })
    }
}

impl Fetch for BlockingInTokio {
    fn fetch_all(&self, urls: &[String], ctx: &Ctx) -> Vec<Outcome> {
        self.runtime.block_on(async {
            let tasks = urls.iter().enumerate().map(|(i, url)| {
                let (url, ctx, timeout) =
                    (url.clone(), ctx.clone(), self.timeout);
                tokio::spawn(async move {
                    let lane = ctx.begin(i, &url);
                    // WRONG: no `.await` in here. `urlopen` parks the
                    // runtime's only thread in `read` for the whole
                    // request; no other task can run until it returns.
                    let outcome = {
                        let _blocked = lane.span(State::Blocked, "urlopen");
                        urlopen(&url, timeout)
                    };
                    ctx.say_done(&lane, &url, &outcome);
                    outcome
                })
            });
            join_all(tasks).await.into_iter().map(joined).collect()
        })
    }
}
// ANCHOR_END: pitfall
