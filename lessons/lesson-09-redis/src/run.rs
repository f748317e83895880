//! Lesson 09: one run of a consumer model. Fill the list (unless
//! `--no-fill`), start the clock, consume `messages` messages with the
//! chosen [`Model`], and report which messages were processed and how long
//! it took.
//!
//! The run is bounded where the course's loops are not: each model stops
//! after `messages` messages, and a pop that finds the list empty for
//! `idle` ends the run with an error instead of waiting for ever.

use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use shared::{Lane, Trace, Transcript};

use crate::analyse::Pace;
use crate::connect::{fill, numbered, sync_connection};
use crate::{async_batch, async_fixed, pool, sync_model};

/// The course's list: `cli.brpop('test', 0)`.
pub const QUEUE: &str = "test";

/// The heartbeat's period at scale 1 (scaled like the analyses: 5 ms at
/// the default scale, 20 beats per analysis).
pub const HEARTBEAT: Duration = Duration::from_millis(100);

/// The four consumer models: the course's three and the fixed one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Model {
    /// One thread: pop, analyse, pop (the course's first model).
    Sync,
    /// The main thread pops, four worker threads analyse and run the
    /// callback (the course's `ThreadPoolExecutor`).
    Pool,
    /// The course's asyncio model: a blocking pop inside the runtime,
    /// tasks gathered in batches of five.
    AsyncBatch,
    /// The fixed asyncio model: an async pop, a semaphore, no batches.
    Async,
}

impl Model {
    /// Every model, in the lesson's order.
    pub const ALL: [Model; 4] =
        [Model::Sync, Model::Pool, Model::AsyncBatch, Model::Async];

    /// The CLI name.
    pub fn name(self) -> &'static str {
        match self {
            Model::Sync => "sync",
            Model::Pool => "pool",
            Model::AsyncBatch => "async-batch",
            Model::Async => "async",
        }
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What one run does.
#[derive(Clone, Debug)]
pub struct Consume {
    /// The Redis server.
    pub url: String,
    /// The list to pop from.
    pub queue: String,
    /// How many messages to consume (and, with `fill`, push first).
    pub messages: usize,
    /// The analysis and callback times.
    pub pace: Pace,
    /// Push `"0"`..`messages-1` first (after emptying the list).
    pub fill: bool,
    /// How long a pop waits on an empty list before the run gives up.
    pub idle: Duration,
    /// The fixed model's bound on analyses in flight.
    pub in_flight: usize,
    /// The heartbeat's period in the async models.
    pub heartbeat: Duration,
    /// With `fill`: push one message every `trickle` from a producer
    /// thread while the model runs, instead of all of them first, so the
    /// pops have to wait.
    pub trickle: Option<Duration>,
}

impl Consume {
    /// The defaults of `consume`: the course's list, 20 messages, scale
    /// 0.05, pushed by the run.
    pub fn new(url: impl Into<String>) -> Consume {
        let scale = 0.05;
        Consume {
            url: url.into(),
            queue: QUEUE.to_owned(),
            messages: 20,
            pace: Pace::scaled(scale),
            fill: true,
            idle: Duration::from_secs(5),
            in_flight: 64,
            heartbeat: HEARTBEAT.mul_f64(scale),
            trickle: None,
        }
    }
}

/// What a model reports while it runs: the trace, the transcript, and the
/// results in the order they were finished.
pub struct Progress {
    /// Where the models record their spans.
    pub trace: Trace,
    /// Where they print.
    pub out: Transcript,
    results: Mutex<Vec<String>>,
    /// Put before every lane's name (`pool:`), when several models share
    /// one timeline.
    prefix: String,
}

impl Progress {
    /// The lane `name` on the run's timeline.
    pub fn lane(&self, name: impl fmt::Display) -> Lane {
        self.trace.lane(format!("{}{name}", self.prefix))
    }

    /// Records one processed message.
    pub fn done(&self, result: String) {
        self.lock().push(result);
    }

    /// How many messages are processed.
    pub fn count(&self) -> usize {
        self.lock().len()
    }

    /// `e`, saying how far the run got.
    pub fn context(&self, e: shared::Error) -> shared::Error {
        format!("{e} (after {} messages processed)", self.count()).into()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.results.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What a run did.
#[derive(Clone, Debug)]
pub struct Report {
    /// The model.
    pub model: Model,
    /// Every processed message's result, in the order it was finished.
    pub processed: Vec<String>,
    /// From the first pop to the last result (the fill is not counted).
    pub elapsed: Duration,
}

/// Runs every model, one after the other, on one timeline: each model's
/// lanes are named after it (`sync:main`, `pool:worker-1`, …).
pub fn consume_all(
    cfg: &Consume,
    trace: &Trace,
    out: &Transcript,
) -> shared::Result<Vec<Report>> {
    Model::ALL
        .into_iter()
        .map(|model| {
            let short = match model {
                Model::AsyncBatch => "batch",
                other => other.name(),
            };
            consume_as(model, cfg, trace, out, format!("{short}:"))
        })
        .collect()
}

/// Runs `model` on `cfg`: fills the list if asked, then consumes.
pub fn consume(
    model: Model,
    cfg: &Consume,
    trace: &Trace,
    out: &Transcript,
) -> shared::Result<Report> {
    consume_as(model, cfg, trace, out, String::new())
}

// ANCHOR: consume
fn consume_as(
    model: Model,
    cfg: &Consume,
    trace: &Trace,
    out: &Transcript,
    prefix: String,
) -> shared::Result<Report> {
    let mut redis = sync_connection(&cfg.url)?;
    let messages = numbered(cfg.messages);
    match (cfg.fill, cfg.trickle) {
        (true, None) => fill(&mut redis, &cfg.queue, &messages)?,
        (true, Some(_)) => fill(&mut redis, &cfg.queue, &[])?,
        (false, _) => {}
    }
    let run = Progress {
        trace: trace.clone(),
        out: out.clone(),
        results: Mutex::new(Vec::new()),
        prefix,
    };
    let start = Instant::now();
    std::thread::scope(|scope| {
        if let (true, Some(gap)) = (cfg.fill, cfg.trickle) {
            let lane = run.lane("producer");
            scope.spawn(move || {
                for message in messages {
                    std::thread::sleep(gap);
                    lane.mark(format!("push {message}"));
                    let pushed = redis::cmd("LPUSH")
                        .arg(&cfg.queue)
                        .arg(message)
                        .query::<()>(&mut redis);
                    if pushed.is_err() {
                        // The consumer sees the same failure and says so.
                        break;
                    }
                }
            });
        }
        match model {
            Model::Sync => sync_model::consume(cfg, &run),
            Model::Pool => pool::consume(cfg, &run),
            Model::AsyncBatch => async_batch::consume(cfg, &run),
            Model::Async => async_fixed::consume(cfg, &run),
        }
    })?;
    Ok(Report {
        model,
        elapsed: start.elapsed(),
        processed: run
            .results
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner),
    })
}
// ANCHOR_END: consume

/// A task that marks `lane` every `period` for as long as its runtime lets
/// it run: the async models' pulse. Gaps in the marks are times the
/// runtime was not running its tasks.
pub async fn heartbeat(lane: Lane, period: Duration) {
    let period = period.max(Duration::from_millis(1));
    let mut beats = tokio::time::interval(period);
    // A late beat is not made up for: a gap must stay a gap.
    beats.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        beats.tick().await;
        lane.mark("beat");
    }
}

/// Python's `repr` of a list of strings: `['0', '1', '2']`.
pub fn python_list(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")))
        .collect();
    format!("[{}]", quoted.join(", "))
}
