//! Lesson 04: Python's `for url in urls: f(url)`, with a blocking client.
//!
//! [`fetch_blocking`] is Python's `urlopen(url).read()`: it sends the
//! request and reads the answer, and the OS thread that calls it is
//! *blocked* until the last byte is in. [`Sequential`] calls it for each
//! URL in turn, so a run costs the sum of the waits (three pages of 300,
//! 200 and 100 ms: 600 ms) and one request is in flight at a time. The
//! threads and rayon strategies call the same function from more threads.
//!
//! The client is built once per strategy, before the clock starts: it
//! loads TLS roots and starts the blocking client's helper thread, and the
//! second request to the same server reuses the first one's connection.

use std::io::Read;
use std::time::Duration;

use crate::error::{body_size, check_length, check_status};
use crate::{Fetch, FetchError, MAX_BODY, Outcome, Reporter, parse_url};

/// `reqwest`'s blocking client, what `urlopen` is here.
pub type BlockingClient = reqwest::blocking::Client;

/// The blocking client every blocking strategy builds: no proxy (a
/// learner's `http_proxy` must not capture requests to 127.0.0.1), and a
/// timeout for the whole request.
pub(crate) fn blocking_client(
    timeout: Duration,
) -> shared::Result<BlockingClient> {
    Ok(reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .build()?)
}

// ANCHOR: fetch_blocking
/// Python's `len(urlopen(url).read())`: one GET with the blocking client.
/// `send` blocks this thread until the head of the answer is in, and
/// reading the body blocks it until the last byte (at most [`MAX_BODY`]).
pub fn fetch_blocking(
    client: &BlockingClient,
    url: &str,
    timeout: Duration,
) -> Outcome {
    let failed = |e: reqwest::Error| FetchError::from_reqwest(&e, timeout);
    let response = client.get(parse_url(url)?).send().map_err(failed)?;
    check_status(response.status())?;
    check_length(response.content_length())?;
    // Count the bytes and keep none; one byte past the cap is how a body
    // over it shows itself.
    let mut body = response.take(MAX_BODY + 1);
    let n = std::io::copy(&mut body, &mut std::io::sink())
        .map_err(|e| body_error(e, timeout))?;
    body_size(n)
}
// ANCHOR_END: fetch_blocking

/// An error while reading a blocking body: reqwest's own, wrapped in an
/// `io::Error` by the reader.
fn body_error(e: std::io::Error, timeout: Duration) -> FetchError {
    match e.get_ref().and_then(|e| e.downcast_ref::<reqwest::Error>()) {
        Some(e) => FetchError::from_reqwest(e, timeout),
        None if e.kind() == std::io::ErrorKind::TimedOut => {
            FetchError::Timeout(timeout)
        }
        None => FetchError::Other(e.to_string()),
    }
}

// ANCHOR: sequential
/// Python's `for url in urls: f(url)`: one request at a time, each one
/// blocking the only thread until its answer is in.
pub struct Sequential {
    client: BlockingClient,
    timeout: Duration,
}

impl Fetch for Sequential {
    fn fetch_all(&self, urls: &[String], report: &Reporter) -> Vec<Outcome> {
        urls.iter()
            .enumerate()
            .map(|(i, url)| {
                report.blocking(i, url, "GET", || {
                    fetch_blocking(&self.client, url, self.timeout)
                })
            })
            .collect()
    }
}
// ANCHOR_END: sequential

impl Sequential {
    /// Builds the client (not timed: it loads TLS roots and starts the
    /// blocking client's helper thread).
    pub fn new(timeout: Duration) -> shared::Result<Sequential> {
        let client = blocking_client(timeout)?;
        Ok(Sequential { client, timeout })
    }
}
