//! Lesson 04: the pitfall, a blocking call inside async tasks: the
//! course's gevent program with `monkey.patch_all()` left out.
//!
//! [`BlockingInTokio`] spawns the same tasks as [`crate::Tokio`], on a
//! runtime with one thread as gevent has, but each task calls
//! [`crate::urlopen`], a blocking GET. A task gives its thread back only
//! at an `.await`, and there is none while the request is out: the runtime
//! runs the tasks one after another, one request is in flight at a time,
//! and the run costs as much as [`crate::Sequential`], for all its
//! `spawn` and `join_all`.

use std::time::Duration;

use futures::future::join_all;

use crate::tasks::joined;
use crate::{Fetch, Outcome, Reporter, urlopen};

// ANCHOR: pitfall
/// THE PITFALL, on purpose: the same tasks as [`crate::Tokio`], on a
/// runtime with one thread as gevent has, but each one calls a *blocking*
/// GET ([`urlopen`], the stand-in for Python's unpatched `urlopen`): gevent
/// without `monkey.patch_all()`. (On a multi-thread runtime the same
/// mistake blocks every worker in turn: as many requests at once as
/// workers, rayon's ceiling.)
pub struct BlockingInTokio {
    runtime: tokio::runtime::Runtime,
    timeout: Duration,
}

impl Fetch for BlockingInTokio {
    fn fetch_all(&self, urls: &[String], report: &Reporter) -> Vec<Outcome> {
        self.runtime.block_on(async {
            let tasks = urls.iter().enumerate().map(|(i, url)| {
                let (url, report, timeout) =
                    (url.clone(), report.clone(), self.timeout);
                tokio::spawn(async move {
                    // WRONG: no `.await` in here. `urlopen` parks the
                    // runtime's only thread in `read` for the whole
                    // request; no other task can run until it returns.
                    report
                        .blocking(i, &url, "urlopen", || urlopen(&url, timeout))
                })
            });
            join_all(tasks).await.into_iter().map(joined).collect()
        })
    }
}
// ANCHOR_END: pitfall

impl BlockingInTokio {
    /// Builds the single-threaded runtime.
    pub fn new(timeout: Duration) -> shared::Result<BlockingInTokio> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(BlockingInTokio { runtime, timeout })
    }
}
