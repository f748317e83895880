//! Lesson 01: one run of the demo, as the command line asks for it.
//!
//! The glue around the concept: which consumer [`Variant`] to build, the
//! [`Table`] eater that prints through the [`Transcript`] and records each
//! baozi on the timeline, and [`run`], which builds `c1`..`cN`, hands them
//! to [`crate::producer`] and returns what the run said and recorded.

use std::fmt;
use std::io;
use std::thread;
use std::time::Duration;

use clap::ValueEnum;
use shared::transcript::Colour;
use shared::{Lane, State, Trace, Transcript};

use crate::{
    Consumer, CoroutineConsumer, Eater, StateMachineConsumer, ThreadConsumer,
    producer,
};

/// How the consumers pause between baozi. Every variant, in the order the
/// lesson presents them, is `Variant::value_variants()`; the name on the
/// command line (`coroutine`, `state-machine`, `thread`) is also what
/// `Display` prints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Variant {
    /// A stackful coroutine with its own stack (`CoroutineConsumer`).
    #[default]
    Coroutine,
    /// A hand-written enum state machine (`StateMachineConsumer`).
    StateMachine,
    /// An OS thread and rendezvous channels (`ThreadConsumer`).
    Thread,
}

impl Variant {
    /// Builds a consumer of this variant around `eater`, not yet started.
    pub fn build<E>(
        self,
        name: impl Into<String>,
        eater: E,
    ) -> io::Result<Box<dyn Consumer>>
    where
        E: Eater + Send + 'static,
    {
        Ok(match self {
            Variant::Coroutine => {
                Box::new(CoroutineConsumer::new(name, eater)?)
            }
            Variant::StateMachine => {
                Box::new(StateMachineConsumer::new(name, eater))
            }
            Variant::Thread => Box::new(ThreadConsumer::new(name, eater)?),
        })
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = self.to_possible_value().expect("no variant is hidden");
        f.write_str(value.get_name())
    }
}

/// The demo's eater: says its lines through the [`Transcript`] on the
/// consumer's lane, and records each baozi as an `eat N` span.
#[derive(Clone, Debug)]
pub struct Table {
    out: Transcript,
    lane: Lane,
    eat_for: Duration,
}

impl Table {
    /// An eater that prints to `out`, records on `lane`, and takes
    /// `eat_for` over each baozi (zero: the course's demo without
    /// `time.sleep`).
    pub fn new(out: Transcript, lane: Lane, eat_for: Duration) -> Table {
        Table { out, lane, eat_for }
    }
}

impl Eater for Table {
    fn sit_down(&mut self, _name: &str) {
        self.out.say(&self.lane, "--->starting eating baozi...");
    }

    fn eat(&mut self, name: &str, baozi: u32) {
        // `thread::sleep` is the course's `time.sleep(1)`: a *blocking*
        // call. The whole OS thread stops, and with it the producer and
        // every other consumer on it, hence `Blocked` and not `Waiting`.
        let state = if self.eat_for.is_zero() {
            State::Running
        } else {
            State::Blocked
        };
        let _eating = self.lane.span(state, format!("eat {baozi}"));
        self.out
            .say(&self.lane, format!("[{name}] is eating baozi {baozi}"));
        if !self.eat_for.is_zero() {
            thread::sleep(self.eat_for);
        }
    }
}

/// One run of the demo. The default is the course's: 2 consumers, 5 baozi,
/// no sleep, coroutines, quiet and untraced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// How many consumers, named `c1`..`cN`. At least 1.
    pub consumers: usize,
    /// How many baozi the producer makes (0: only the priming).
    pub baozi: u32,
    /// Milliseconds each consumer blocks per baozi (`time.sleep`).
    pub eat_ms: u64,
    /// Coroutine, state machine or thread.
    pub variant: Variant,
    /// Print the transcript to stdout (and keep none of it), else keep it
    /// and print nothing.
    pub echo: bool,
    /// Record a trace for `--timeline` (else a disabled trace).
    pub trace: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            consumers: 2,
            baozi: 5,
            eat_ms: 0,
            variant: Variant::Coroutine,
            echo: false,
            trace: false,
        }
    }
}

/// What a run leaves behind: the lines it said and what ran when.
#[derive(Debug)]
pub struct Run {
    /// The lines said, in order (`run.transcript.lines()`), unless the run
    /// printed them (`Config::echo`).
    pub transcript: Transcript,
    /// The trace (empty unless `Config::trace`).
    pub trace: Trace,
}

/// Runs the demo: builds `c1`..`cN` of `config.variant`, runs
/// [`producer`], and drops the consumers (which joins the threads of the
/// thread variant) before returning. A printing run whose stdout closes
/// stops after the baozi it was making.
pub fn run(config: &Config) -> shared::Result<Run> {
    if config.consumers == 0 {
        return Err("the producer needs at least one consumer".into());
    }
    let trace = Trace::recording(config.trace);
    let out = if config.echo {
        Transcript::stdout()
    } else {
        Transcript::quiet()
    }
    .highlight("[producer]", Colour::Green);
    // The producer's lane first, so it is the top row of the timeline.
    let lane = trace.lane("producer");
    let eat_for = Duration::from_millis(config.eat_ms);
    let mut consumers = (1..=config.consumers)
        .map(|i| {
            let name = format!("c{i}");
            let table = Table::new(out.clone(), trace.lane(&name), eat_for);
            config.variant.build(name, table)
        })
        .collect::<io::Result<Vec<_>>>()?;
    producer(&mut consumers, config.baozi, &out, &lane)?;
    drop(consumers);
    Ok(Run {
        transcript: out,
        trace,
    })
}
