//! Lesson 04: the five strategies by name, and the one trait they share.
//!
//! [`Fetch::fetch_all`] takes a list of URLs and returns one [`Outcome`]
//! per URL. The strategies differ only in *how many requests wait at once*,
//! and on which threads they wait, which is the whole lesson; each one is
//! in a file of its own ([`Sequential`], [`Threads`], [`Rayon`],
//! [`Tokio`], [`BlockingInTokio`]). [`Strategy`] names them for the
//! command line, the table and the figures.

use std::fmt;
use std::time::Duration;

use crate::{
    BlockingInTokio, Outcome, Rayon, Reporter, Sequential, Threads, Tokio,
};

// ANCHOR: fetch_trait
/// A way of fetching a list of URLs. `fetch_all` returns one outcome per
/// URL, in the order of `urls`, whatever order they finished in.
pub trait Fetch {
    /// Fetches every URL and returns the body length or the error of
    /// each, printing the `GET:` and `... received` lines through
    /// `report`.
    fn fetch_all(&self, urls: &[String], report: &Reporter) -> Vec<Outcome>;
}
// ANCHOR_END: fetch_trait

/// The five strategies, by name. Their command-line names (and the names
/// in the table and the figures) are clap's: `blocking-in-tokio` for
/// [`Strategy::BlockingInTokio`].
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
/// clap's name of the variant.
impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = clap::ValueEnum::to_possible_value(self)
            .expect("no strategy is hidden from the command line");
        f.write_str(value.get_name())
    }
}
