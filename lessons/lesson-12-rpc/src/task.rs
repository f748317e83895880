//! Lesson 12: what travels between a console and its agents, and what a
//! console makes of it.
//!
//! A task is one command sent to several hosts under one id. Three kinds
//! of message carry it, all JSON:
//!
//! - the [`Request`] each agent gets: the task id and the command as
//!   words (never a shell line);
//! - the [`Reply`] each agent sends back: its name, how the command
//!   ended, what it printed (each stream capped), how long it took;
//! - the [`Header`] the console leaves first in the task's results queue:
//!   the command, the hosts and when it was sent, so that a later `check`
//!   in another process knows which hosts to wait for and until when.
//!
//! [`Task`] is a header plus the replies so far, and says of each host
//! whether it answered, is still pending, or is past its deadline.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// A task's id: the number the console prints (`task id: 45334`) and
/// `check_task` takes.
pub type TaskId = u32;

/// What an agent is asked to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The task this command belongs to (also the `correlation_id`).
    pub id: TaskId,
    /// The program and its arguments, run without a shell.
    pub argv: Vec<String>,
}

/// How a command ended on one host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// It exited by itself with this status.
    Exited {
        /// The exit status.
        code: i32,
    },
    /// A signal from outside the agent ended it.
    Signalled {
        /// The signal's number.
        signal: i32,
    },
    /// It ran past the agent's timeout and was killed (SIGKILL).
    TimedOut {
        /// The agent's timeout, in milliseconds.
        after_ms: u64,
    },
    /// The agent would not run it: not on its allowlist.
    Refused {
        /// Why, in one line.
        why: String,
    },
    /// The agent could not start it (no such program, say).
    Failed {
        /// Why, in one line.
        why: String,
    },
}

/// One host's answer to one task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// The agent's name (its routing key).
    pub host: String,
    /// How the command ended.
    pub outcome: Outcome,
    /// What it wrote on stdout, up to the agent's cap (lossy UTF-8).
    pub stdout: String,
    /// What it wrote on stderr, up to the agent's cap.
    pub stderr: String,
    /// Bytes of stdout beyond the cap, not sent.
    pub stdout_cut: u64,
    /// Bytes of stderr beyond the cap, not sent.
    pub stderr_cut: u64,
    /// The cap, in bytes, for the note on a cut stream.
    pub cap: u64,
    /// The process's id, while it ran (none if it never started).
    pub pid: Option<u32>,
    /// When the command started, in µs since the Unix epoch (for the
    /// timeline; the console and its agents share a clock on one machine).
    pub started_us: u64,
    /// How long it ran, in µs.
    pub took_us: u64,
}

/// The first message in a task's results queue: what a later `check`
/// needs to know besides the replies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The task's id.
    pub id: TaskId,
    /// The command as the learner typed it.
    pub command: String,
    /// The hosts it was sent to, in the order given.
    pub hosts: Vec<String>,
    /// When it was sent, in ms since the Unix epoch.
    pub sent_ms: u64,
    /// How long after that a host that has not answered is given up on.
    pub patience_ms: u64,
}

/// Any message in a results queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "message", rename_all = "snake_case")]
pub enum Message {
    /// The console's header.
    Task(Header),
    /// An agent's reply.
    Result(Reply),
}

impl Message {
    /// The message as the bytes of a message body.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("plain data serialises")
    }

    /// A body read back, or one line saying what is wrong with it.
    pub fn from_bytes(body: &[u8]) -> shared::Result<Message> {
        serde_json::from_slice(body).map_err(|e| {
            format!("a results queue held a message that is not one: {e}")
                .into()
        })
    }
}

/// Now, in ms since the Unix epoch: the clock every party of a task reads.
pub fn now_ms() -> u64 {
    now_us() / 1000
}

/// Now, in µs since the Unix epoch.
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// Where one host stands in a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostState<'a> {
    /// Its reply has arrived.
    Answered(&'a Reply),
    /// No reply yet, and its deadline has not passed.
    Pending,
    /// No reply, and the deadline has passed.
    NoAnswer,
}

/// A task as a console knows it: its header and the replies so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    /// What was sent, to whom, when.
    pub header: Header,
    /// The replies so far, by host.
    pub replies: BTreeMap<String, Reply>,
}

impl Task {
    /// A task with no replies yet.
    pub fn new(header: Header) -> Task {
        Task {
            header,
            replies: BTreeMap::new(),
        }
    }

    /// Files `reply` under its host. A reply from a host the task was not
    /// sent to, or a second one from the same host, is ignored: only the
    /// hosts in the header are waited for.
    pub fn file(&mut self, reply: Reply) {
        if self.header.hosts.contains(&reply.host) {
            self.replies.entry(reply.host.clone()).or_insert(reply);
        }
    }

    /// Where `host` stands at `now_ms`.
    pub fn state(&self, host: &str, now_ms: u64) -> HostState<'_> {
        match self.replies.get(host) {
            Some(reply) => HostState::Answered(reply),
            None if now_ms >= self.deadline_ms() => HostState::NoAnswer,
            None => HostState::Pending,
        }
    }

    /// When a host that has not answered is given up on.
    pub fn deadline_ms(&self) -> u64 {
        self.header.sent_ms + self.header.patience_ms
    }

    /// Whether every host has answered or is past its deadline.
    pub fn settled(&self, now_ms: u64) -> bool {
        self.header
            .hosts
            .iter()
            .all(|h| self.state(h, now_ms) != HostState::Pending)
    }

    /// How many hosts are in each state: (answered, pending, no answer).
    pub fn counts(&self, now_ms: u64) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for host in &self.header.hosts {
            match self.state(host, now_ms) {
                HostState::Answered(_) => counts.0 += 1,
                HostState::Pending => counts.1 += 1,
                HostState::NoAnswer => counts.2 += 1,
            }
        }
        counts
    }

    // ANCHOR: check_lines
    /// What `check_task N` prints at `now_ms`: a title, then each host's
    /// state in the order the hosts were given, with its output indented.
    pub fn check_lines(&self, now_ms: u64) -> Vec<String> {
        let header = &self.header;
        let mut lines = vec![format!(
            "task {}: `{}` on {}",
            header.id,
            header.command,
            header.hosts.join(" ")
        )];
        for host in &header.hosts {
            match self.state(host, now_ms) {
                HostState::Pending => lines.push(format!("{host}: pending")),
                HostState::NoAnswer => lines.push(format!(
                    "{host}: no answer after {}",
                    seconds(header.patience_ms)
                )),
                HostState::Answered(reply) => {
                    lines.push(format!("{host}: {}", ending(reply)));
                    lines.extend(output_lines(reply));
                }
            }
        }
        lines
    }
    // ANCHOR_END: check_lines

    /// The one line `tasks` prints for this task.
    pub fn summary(&self, now_ms: u64) -> String {
        let (answered, pending, silent) = self.counts(now_ms);
        let mut parts = vec![format!("{answered} answered")];
        if pending > 0 {
            parts.push(format!("{pending} pending"));
        }
        if silent > 0 {
            parts.push(format!("{silent} no answer"));
        }
        format!(
            "{}: `{}` on {}: {}",
            self.header.id,
            self.header.command,
            self.header.hosts.join(" "),
            parts.join(", ")
        )
    }
}

/// A time in ms as the console shows it: whole seconds when it is one,
/// else one decimal.
fn seconds(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// How a host's command ended, in a few words (`exit 0 after 3 ms`).
pub fn ending(reply: &Reply) -> String {
    let took = format!("{} ms", reply.took_us / 1000);
    match &reply.outcome {
        Outcome::Exited { code } => format!("exit {code} after {took}"),
        Outcome::Signalled { signal } => {
            format!("killed by signal {signal} after {took}")
        }
        Outcome::TimedOut { after_ms } => {
            format!("timed out after {}, killed", seconds(*after_ms))
        }
        Outcome::Refused { why } => format!("refused: {why}"),
        Outcome::Failed { why } => format!("failed: {why}"),
    }
}

/// A reply's output, indented under its host: stdout as is, stderr
/// marked, and a note for each stream the agent cut.
fn output_lines(reply: &Reply) -> Vec<String> {
    let mut lines: Vec<String> =
        reply.stdout.lines().map(|l| format!("    {l}")).collect();
    lines.extend(reply.stderr.lines().map(|l| format!("  ! {l}")));
    for (stream, cut) in
        [("stdout", reply.stdout_cut), ("stderr", reply.stderr_cut)]
    {
        if cut > 0 {
            lines.push(format!(
                "  [{stream} cut at {} KiB: {cut} more bytes not sent]",
                reply.cap / 1024
            ));
        }
    }
    lines
}

/// How long a console waits for a host by default: the agents' default
/// timeout and some time in the queues.
pub const DEFAULT_PATIENCE: Duration = Duration::from_secs(15);
