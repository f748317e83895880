//! Lesson 04: async reqwest on tokio, the course's `gevent.spawn` and
//! `gevent.joinall` after `monkey.patch_all()`.
//!
//! [`fetch_async`] is [`crate::fetch_blocking`] with the async client:
//! the same request, but every wait is an `.await`, where the task parks
//! and its thread runs another task. [`Tokio`] spawns one task per URL and
//! joins them, so every wait overlaps with every other and a run costs
//! about the longest wait, with no thread sitting in any of them. What
//! limits it is the descriptors (a socket per request in flight) and the
//! CPU work per request (a connect, a write, a parse), not the waiting.

use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;

use crate::error::{body_size, check_length, check_status};
use crate::{Fetch, FetchError, MAX_BODY, Outcome, Reporter, parse_url};

// ANCHOR: fetch_async
/// The same fetch with the async client. Each `.await` is where the task
/// parks and its thread moves on to another task: the wait for the head
/// of the answer, and the wait for each piece of the body (at most
/// [`MAX_BODY`] in all).
pub async fn fetch_async(
    client: &reqwest::Client,
    url: &str,
    timeout: Duration,
) -> Outcome {
    let failed = |e: reqwest::Error| FetchError::from_reqwest(&e, timeout);
    let mut response =
        client.get(parse_url(url)?).send().await.map_err(failed)?;
    check_status(response.status())?;
    check_length(response.content_length())?;
    let mut n = 0u64;
    while let Some(piece) = response.chunk().await.map_err(failed)? {
        n += piece.len() as u64;
        if n > MAX_BODY {
            return Err(FetchError::TooLarge(MAX_BODY));
        }
    }
    body_size(n)
}
// ANCHOR_END: fetch_async

/// Async reqwest on tokio: one task per URL, spawned all at once and
/// joined (`gevent.joinall([gevent.spawn(...)])`). A task that waits for
/// its reply is parked, and its thread runs the next one; every wait
/// overlaps with every other. `concurrency` caps how many requests are in
/// flight at once, with a semaphore.
pub struct Tokio {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    timeout: Duration,
    concurrency: Option<usize>,
}

// ANCHOR: tokio
impl Fetch for Tokio {
    fn fetch_all(&self, urls: &[String], report: &Reporter) -> Vec<Outcome> {
        let permits = self
            .concurrency
            .map(|k| Arc::new(tokio::sync::Semaphore::new(k)));
        self.runtime.block_on(async {
            let mut tasks = Vec::with_capacity(urls.len());
            for (i, url) in urls.iter().enumerate() {
                // With a cap, the spawner waits here for a free permit: the
                // next request starts when one of the K in flight is done.
                let permit = match &permits {
                    Some(p) => Arc::clone(p).acquire_owned().await.ok(),
                    None => None,
                };
                // The spawner prints the `GET:` lines, in URL order, as
                // gevent's greenlets print theirs when they start.
                let lane = report.begin(i, url);
                // Each task owns what it uses: a clone of the client (one
                // connection pool behind an `Arc`), its URL, its permit.
                let (client, url, report, timeout) = (
                    self.client.clone(),
                    url.clone(),
                    report.clone(),
                    self.timeout,
                );
                tasks.push(tokio::spawn(async move {
                    let fetch = fetch_async(&client, &url, timeout);
                    let outcome = report.waiting(&lane, &url, fetch).await;
                    drop(permit);
                    outcome
                }));
            }
            join_all(tasks).await.into_iter().map(joined).collect()
        })
    }
}
// ANCHOR_END: tokio

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
        // writing and parsing.
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
            timeout,
            concurrency,
        })
    }
}

/// A task's result: a panicked task is that URL's error.
pub(crate) fn joined(
    result: Result<Outcome, tokio::task::JoinError>,
) -> Outcome {
    result.unwrap_or_else(|e| Err(FetchError::Other(format!("task: {e}"))))
}
