//! Lesson 09: the reliable queue, which loses nothing when a consumer
//! dies.
//!
//! `BRPOP` hands a message over and forgets it: a consumer that dies
//! between the pop and the end of its work has lost the message for
//! good (at-most-once delivery). The reliable pattern keeps a copy until
//! the work is done:
//!
//! 1. **take**: `BLMOVE source processing RIGHT LEFT`, one atomic step:
//!    the message leaves the source and lands in `processing`;
//! 2. **work** on it;
//! 3. **ack**: `LREM processing 1 message`: now it may be forgotten;
//! 4. **reap**: a reaper looks at `processing` and puts every entry that
//!    has been there longer than a *visibility timeout* back on the
//!    source, where another consumer takes it.
//!
//! A consumer killed between 1 and 3 leaves its message in `processing`;
//! the reaper returns it; another consumer processes it. A consumer that
//! is merely slow (longer than the visibility timeout) gets its message
//! processed twice, and so does one killed between recording its result
//! and the ack: delivery is *at least once*. A handler makes a duplicate
//! harmless by being idempotent: record results under the message's id
//! (`SADD`, `HSET id result`, an upsert keyed by id), never `INCR`.
//!
//! Consumers are separate OS processes (`reliable --worker`), each with
//! its own connection: a blocking `BLMOVE` holds its connection, and a
//! kill takes down exactly one consumer. The same commands spread the work
//! over machines: point every worker's `REDIS_URL` at one server.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use shared::{Trace, Transcript};

use crate::analyse::{Pace, analyse};
use crate::connect::{lost, numbered, sync_connection};

/// The three lists of one reliable queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Queue {
    /// Where producers push and consumers take.
    pub source: String,
    /// Taken, not yet acknowledged.
    pub processing: String,
    /// One entry `"<message> <pid>"` per processing that completed: the
    /// run's record, duplicates included.
    pub done: String,
}

impl Queue {
    /// `base`, `base:processing`, `base:done`.
    pub fn named(base: &str) -> Queue {
        Queue {
            source: base.to_owned(),
            processing: format!("{base}:processing"),
            done: format!("{base}:done"),
        }
    }
}

/// How a worker takes a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Take {
    /// `BLMOVE` to `processing`, `LREM` when done: at least once.
    Blmove,
    /// `BRPOP`: at most once, for the comparison.
    Brpop,
}

// ANCHOR: take
/// Takes the next message into `processing`, waiting at most `idle`.
pub fn take(
    redis: &mut redis::Connection,
    queue: &Queue,
    idle: Duration,
) -> shared::Result<Option<String>> {
    redis::cmd("BLMOVE")
        .arg(&queue.source)
        .arg(&queue.processing)
        .arg("RIGHT")
        .arg("LEFT")
        .arg(idle.as_secs_f64())
        .query(redis)
        .map_err(lost)
}

/// Acknowledges `message`: it is done and may be forgotten.
pub fn ack(
    redis: &mut redis::Connection,
    queue: &Queue,
    message: &str,
) -> shared::Result<()> {
    redis::cmd("LREM")
        .arg(&queue.processing)
        .arg(1)
        .arg(message)
        .query::<()>(redis)
        .map_err(lost)
}
// ANCHOR_END: take

// ANCHOR: requeue
/// Moves `message` from `processing` back to the source's consuming end,
/// only if it is still in `processing` (its consumer may have acked it
/// since the reaper looked): one script, so nothing runs in between.
const REQUEUE: &str = r"
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then
    redis.call('RPUSH', KEYS[2], ARGV[1])
    return 1
end
return 0";
// ANCHOR_END: requeue

// ANCHOR: reaper
/// Returns to the source every entry that has sat in `processing` longer
/// than `visibility`. It remembers when it first saw each entry, so
/// consumers need not stamp what they take.
pub struct Reaper {
    visibility: Duration,
    first_seen: HashMap<String, Instant>,
}

impl Reaper {
    /// A reaper with this visibility timeout.
    pub fn new(visibility: Duration) -> Reaper {
        Reaper {
            visibility,
            first_seen: HashMap::new(),
        }
    }

    /// One look at `processing`: the entries it returned to the source.
    pub fn sweep(
        &mut self,
        redis: &mut redis::Connection,
        queue: &Queue,
    ) -> shared::Result<Vec<String>> {
        let now = Instant::now();
        let entries: Vec<String> = redis::cmd("LRANGE")
            .arg(&queue.processing)
            .arg(0)
            .arg(-1)
            .query(redis)
            .map_err(lost)?;
        // Forget what was acknowledged; start the clock on what is new.
        self.first_seen.retain(|entry, _| entries.contains(entry));
        let mut requeued = Vec::new();
        for entry in entries {
            let since = *self.first_seen.entry(entry.clone()).or_insert(now);
            if now.duration_since(since) < self.visibility {
                continue;
            }
            let moved: i64 = redis::cmd("EVAL")
                .arg(REQUEUE)
                .arg(2)
                .arg(&queue.processing)
                .arg(&queue.source)
                .arg(&entry)
                .query(redis)
                .map_err(lost)?;
            self.first_seen.remove(&entry);
            if moved == 1 {
                requeued.push(entry);
            }
        }
        Ok(requeued)
    }
}
// ANCHOR_END: reaper

// ANCHOR: worker
/// One consumer process: take, analyse, record, ack, until the source
/// stays empty for `idle`. Prints `took <m>` and `done <m>`.
pub fn worker(
    url: &str,
    queue: &Queue,
    how: Take,
    pace: Pace,
    idle: Duration,
    out: &Transcript,
) -> shared::Result<()> {
    let mut redis = sync_connection(url)?;
    let trace = Trace::disabled();
    let lane = trace.lane("worker");
    let pid = std::process::id();
    loop {
        let message = match how {
            Take::Blmove => take(&mut redis, queue, idle)?,
            Take::Brpop => redis::cmd("BRPOP")
                .arg(&queue.source)
                .arg(idle.as_secs_f64())
                .query::<Option<(String, String)>>(&mut redis)
                .map_err(lost)?
                .map(|(_, message)| message),
        };
        let Some(message) = message else {
            return Ok(());
        };
        out.say(&lane, format!("took {message}"));
        let result = analyse(&lane, pace, message);
        redis::cmd("RPUSH")
            .arg(&queue.done)
            .arg(format!("{result} {pid}"))
            .query::<()>(&mut redis)
            .map_err(lost)?;
        if how == Take::Blmove {
            ack(&mut redis, queue, &result)?;
        }
        out.say(&lane, format!("done {result}"));
    }
}
// ANCHOR_END: worker

/// One reliable run: the messages, the consumers, the timeouts.
#[derive(Clone, Debug)]
pub struct Reliable {
    /// The Redis server.
    pub url: String,
    /// The queue's lists.
    pub queue: Queue,
    /// Messages pushed first (`"0"`, `"1"`, …).
    pub messages: usize,
    /// Consumer processes.
    pub consumers: usize,
    /// How the consumers take.
    pub take: Take,
    /// The work per message.
    pub pace: Pace,
    /// How long an entry may sit in `processing` before the reaper
    /// returns it.
    pub visibility: Duration,
    /// SIGKILL the first consumer that takes a message, mid-task.
    pub kill_one: bool,
    /// Give up after this long, whatever is left.
    pub patience: Duration,
}

/// What a run found in the `done` record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Messages processed at least once.
    pub processed: usize,
    /// Processings beyond the first of a message.
    pub duplicates: usize,
    /// Messages never processed.
    pub lost: Vec<String>,
    /// The killed consumer and the message it held.
    pub killed: Option<(u32, String)>,
    /// Who completed the killed message, if anybody.
    pub rescued_by: Vec<u32>,
    /// Entries the reaper returned to the source.
    pub requeued: usize,
}

/// Runs `run.consumers` worker processes of `exe` (this lesson's binary)
/// against a freshly filled queue, reaping in this thread, until every
/// message is done or nothing more can happen.
pub fn run(
    exe: &Path,
    run: &Reliable,
    out: &Transcript,
    trace: &Trace,
) -> shared::Result<Outcome> {
    let mut redis = sync_connection(&run.url)?;
    let queue = &run.queue;
    let mut pipe = redis::pipe();
    pipe.atomic()
        .del(&queue.source)
        .del(&queue.processing)
        .del(&queue.done)
        .lpush(&queue.source, numbered(run.messages));
    pipe.query::<()>(&mut redis).map_err(lost)?;

    let mut workers: Vec<Child> = (0..run.consumers)
        .map(|_| spawn_worker(exe, run))
        .collect::<shared::Result<_>>()?;
    let killed = Mutex::new(None);
    let outcome = std::thread::scope(|scope| {
        for worker in &mut workers {
            let pid = worker.id();
            let stdout = worker.stdout.take().expect("piped");
            let killed = &killed;
            scope.spawn(move || {
                let lane = trace.lane(format!("worker {pid}"));
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    out.say(&lane, format!("[worker {pid}] {line}"));
                    let Some(message) = line.strip_prefix("took ") else {
                        continue;
                    };
                    let mut killed = killed.lock().expect("not poisoned");
                    if run.kill_one && killed.is_none() {
                        sigkill(pid);
                        out.say(&lane, format!("[main] SIGKILL worker {pid}"));
                        *killed = Some((pid, message.to_owned()));
                    }
                }
            });
        }
        let result = watch(&mut redis, run);
        for worker in &mut workers {
            let _ = worker.kill();
            let _ = worker.wait();
        }
        result
    });
    let requeued = outcome?;
    let killed = killed.into_inner().expect("not poisoned");
    tally(&mut redis, run, killed, requeued)
}

/// Reaps until every message is done, or the source and `processing` are
/// empty and nothing is done for a while (a lost message), or patience
/// runs out. Returns how many entries it requeued.
fn watch(
    redis: &mut redis::Connection,
    run: &Reliable,
) -> shared::Result<usize> {
    let queue = &run.queue;
    let mut reaper = Reaper::new(run.visibility);
    let mut requeued = 0;
    let start = Instant::now();
    // Long enough that a consumer still in the middle of its last
    // message (popped by BRPOP, so in no list) is not counted as lost.
    let settle = run.pace.analyse * 2 + run.visibility + Duration::from_secs(1);
    let (mut last_done, mut quiet_since) = (0, Instant::now());
    // Often enough to end the run promptly and reap on time.
    let period = (run.visibility / 4)
        .clamp(Duration::from_millis(1), Duration::from_millis(10));
    loop {
        requeued += reaper.sweep(redis, queue)?.len();
        let done: Vec<String> = redis::cmd("LRANGE")
            .arg(&queue.done)
            .arg(0)
            .arg(-1)
            .query(redis)
            .map_err(lost)?;
        let unique = unique_messages(&done).len();
        if unique >= run.messages {
            return Ok(requeued);
        }
        if done.len() != last_done {
            (last_done, quiet_since) = (done.len(), Instant::now());
        }
        let (waiting, taken): (usize, usize) = redis::pipe()
            .llen(&queue.source)
            .llen(&queue.processing)
            .query(redis)
            .map_err(lost)?;
        if waiting == 0 && taken == 0 && quiet_since.elapsed() > settle {
            return Ok(requeued);
        }
        if start.elapsed() > run.patience {
            return Ok(requeued);
        }
        std::thread::sleep(period);
    }
}

fn unique_messages(done: &[String]) -> std::collections::BTreeSet<&str> {
    done.iter()
        .filter_map(|entry| entry.split(' ').next())
        .collect()
}

fn tally(
    redis: &mut redis::Connection,
    run: &Reliable,
    killed: Option<(u32, String)>,
    requeued: usize,
) -> shared::Result<Outcome> {
    let done: Vec<String> = redis::cmd("LRANGE")
        .arg(&run.queue.done)
        .arg(0)
        .arg(-1)
        .query(redis)
        .map_err(lost)?;
    let unique = unique_messages(&done);
    let lost = numbered(run.messages)
        .into_iter()
        .filter(|m| !unique.contains(m.as_str()))
        .collect();
    let rescued_by = match &killed {
        Some((_, message)) => done
            .iter()
            .filter_map(|entry| entry.split_once(' '))
            .filter(|(m, _)| m == message)
            .filter_map(|(_, pid)| pid.parse().ok())
            .collect(),
        None => Vec::new(),
    };
    Ok(Outcome {
        processed: unique.len(),
        duplicates: done.len() - unique.len(),
        lost,
        killed,
        rescued_by,
        requeued,
    })
}

fn spawn_worker(exe: &Path, run: &Reliable) -> shared::Result<Child> {
    let take = match run.take {
        Take::Blmove => "blmove",
        Take::Brpop => "brpop",
    };
    Command::new(exe)
        .args(["reliable", "--worker", "--queue", &run.queue.source])
        .args(["--take", take])
        .arg("--analyse-ms")
        .arg(run.pace.analyse.as_millis().to_string())
        .env("REDIS_URL", &run.url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("cannot start a worker {}: {e}", exe.display()).into()
        })
}

fn sigkill(pid: u32) {
    use rustix::process::{Pid, Signal, kill_process};
    if let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) {
        let _ = kill_process(pid, Signal::KILL);
    }
}
