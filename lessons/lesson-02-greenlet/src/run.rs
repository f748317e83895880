//! Lesson 02: one run of the demo, as the binary and the tests ask for
//! it: which switch, how long `test1` sleeps, whether it prints and
//! records, and what the run leaves behind.

use std::time::Duration;

use shared::{Trace, Transcript};

use crate::demo::{Who, greenlet_demo};

/// Which switch runs the demo.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Impl {
    // Plain text, not doc links, in these two: clap prints them in
    // `--help`.
    /// `Greenlet`, on corosensei.
    #[default]
    Greenlet,
    /// `bare`: the hand-written switch (x86_64 Linux only).
    Bare,
}

/// One run of the demo. The default is the course's: greenlets, no
/// sleep, quiet and untraced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Greenlet or bare.
    pub implementation: Impl,
    /// Milliseconds `test1` blocks after printing 12 (`time.sleep`).
    pub sleep_ms: u64,
    /// Print the transcript to stdout (else only keep it).
    pub echo: bool,
    /// Record a trace for `--timeline` / `--svg`.
    pub trace: bool,
    /// The greenlet that panics after its first line, if any: to see the
    /// panic reach main as an error that names it.
    pub panic_in: Option<Who>,
}

/// What a run leaves behind: the lines it said and what ran when.
#[derive(Debug)]
pub struct Run {
    /// Every line said, in order.
    pub transcript: Transcript,
    /// The trace (empty unless `Config::trace`).
    pub trace: Trace,
}

/// Runs the demo with the chosen switch.
///
/// Fails if a stack cannot be mapped, if `bare` is asked for on a
/// platform other than x86_64 Linux, or if a greenlet panicked: the error
/// names it.
pub fn run(config: &Config) -> shared::Result<Run> {
    let trace = Trace::recording(config.trace);
    let out = if config.echo {
        Transcript::stdout()
    } else {
        Transcript::quiet()
    };
    let sleep = Duration::from_millis(config.sleep_ms);
    match config.implementation {
        Impl::Greenlet => greenlet_demo(&out, &trace, sleep, config.panic_in)?,
        Impl::Bare => {
            crate::arch::run_bare(&out, &trace, sleep, config.panic_in)?;
        }
    }
    Ok(Run {
        transcript: out,
        trace,
    })
}
