//! Lesson 04: a thread per URL, Python's `threading.Thread` per request.
//!
//! The answer from before coroutines: give every request its own OS
//! thread, and let each one block in [`crate::fetch_blocking`]. All the
//! waits overlap, so a run costs about the longest wait; the price is a
//! thread per request (a stack, a kernel task, a place in the scheduler),
//! and starting and joining a thousand of them costs a visible fraction of
//! a second. [`MAX_THREADS`] is where this lesson stops.

use std::time::Duration;

use crate::sequential::{BlockingClient, blocking_client};
use crate::{Fetch, FetchError, Outcome, Reporter, fetch_blocking};

/// The most OS threads the threads strategy starts in one run. A run of
/// the threads strategy alone over more URLs is refused (with a pointer to
/// tokio); a run of several strategies skips it.
pub const MAX_THREADS: usize = 2000;

/// Each thread only waits for a reply; a small stack is plenty, and keeps
/// a thousand threads at a quarter of a GiB of address space.
const THREAD_STACK: usize = 256 * 1024;

// ANCHOR: threads
/// One OS thread per URL, all sharing one blocking client.
pub struct Threads {
    client: BlockingClient,
    timeout: Duration,
}

impl Fetch for Threads {
    fn fetch_all(&self, urls: &[String], report: &Reporter) -> Vec<Outcome> {
        // `scope`: the threads borrow `urls`, the client and `report`, and
        // the scope joins them all before it returns.
        std::thread::scope(|s| {
            let handles: Vec<_> = urls
                .iter()
                .enumerate()
                .map(|(i, url)| {
                    std::thread::Builder::new()
                        .stack_size(THREAD_STACK)
                        .spawn_scoped(s, move || {
                            report.blocking(i, url, "GET", || {
                                fetch_blocking(&self.client, url, self.timeout)
                            })
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

impl Threads {
    /// Builds the shared client.
    pub fn new(timeout: Duration) -> shared::Result<Threads> {
        let client = blocking_client(timeout)?;
        Ok(Threads { client, timeout })
    }
}
