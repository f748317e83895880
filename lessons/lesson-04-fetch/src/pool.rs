//! Lesson 04: rayon's `par_iter`, Python's `ThreadPoolExecutor` sized to
//! the cores.
//!
//! Rayon looks like the obvious parallel loop, and it is, for CPU work.
//! Its pool has one thread per core, and a pool thread blocked in
//! [`crate::fetch_blocking`] is a core's worth of pool doing nothing: at
//! most [`Rayon::pool_size`] requests are in flight, and a run of N URLs
//! takes `ceil(N / pool) × delay`.

use std::time::Duration;

use rayon::prelude::*;

use crate::sequential::{BlockingClient, blocking_client};
use crate::{Fetch, Outcome, Reporter, fetch_blocking};

// ANCHOR: rayon
/// `par_iter` over the URLs with the blocking client, on rayon's pool of
/// one thread per core. Rayon is for CPU work.
pub struct Rayon {
    client: BlockingClient,
    timeout: Duration,
}

impl Fetch for Rayon {
    fn fetch_all(&self, urls: &[String], report: &Reporter) -> Vec<Outcome> {
        // An indexed parallel iterator: `collect` puts each outcome at its
        // URL's index, whichever pool thread fetched it.
        urls.par_iter()
            .enumerate()
            .map(|(i, url)| {
                report.blocking(i, url, "GET", || {
                    fetch_blocking(&self.client, url, self.timeout)
                })
            })
            .collect()
    }
}
// ANCHOR_END: rayon

impl Rayon {
    /// Builds the shared client. The pool is rayon's global one.
    pub fn new(timeout: Duration) -> shared::Result<Rayon> {
        let client = blocking_client(timeout)?;
        Ok(Rayon { client, timeout })
    }

    /// How many threads rayon's global pool has: the ceiling on requests
    /// in flight (`RAYON_NUM_THREADS`, or the number of cores).
    pub fn pool_size() -> usize {
        rayon::current_num_threads()
    }
}
