//! Lesson 12: running one command on an agent: no shell, an allowlist, a
//! timeout that kills, and a cap on what is kept of its output.
//!
//! The command arrives as words and is started with `execve` directly, so
//! `df -h; rm -rf ~` is the program `df` with four odd arguments, never
//! two commands. The first word must be on the agent's allowlist, word
//! for word (`df`, not `/bin/df` nor `./df`). The process gets no stdin;
//! both of its pipes are read while it runs (a process that fills a pipe
//! nobody reads would block forever and look like a timeout), the first
//! [`CAP`] bytes of each are kept and the rest only counted. Past the
//! timeout it is killed with SIGKILL and reaped, so no process outlives
//! its task.

use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt};

use crate::task::{Outcome, Reply, now_us};

/// What an agent keeps of each output stream: 64 KiB, so that a reply
/// stays a small message whatever the command prints.
pub const CAP: usize = 64 * 1024;

/// An agent's default timeout per command.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default allowlist: commands that only read the machine's state,
/// and `sleep` for the demos.
pub const DEFAULT_ALLOW: &str = "df,uptime,hostname,echo,sleep";

/// How long the pipes are still read after the process ended: a child
/// it left behind could hold them open forever.
const DRAIN_GRACE: Duration = Duration::from_secs(1);

/// Which programs an agent runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Allow {
    /// Only these, by exact name.
    List(Vec<String>),
    /// Anything (`--allow-any`): whoever can publish to the broker can run
    /// any program on this machine.
    Any,
}

impl Allow {
    /// The list in `text`, comma-separated (`df,uptime`).
    pub fn list(text: &str) -> Allow {
        Allow::List(
            text.split(',')
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }

    /// Why `program` may not run, if it may not.
    pub fn refuses(&self, program: &str) -> Option<String> {
        match self {
            Allow::Any => None,
            Allow::List(list) if list.iter().any(|p| p == program) => None,
            Allow::List(list) => Some(format!(
                "`{program}` is not on this agent's allowlist ({})",
                list.join(", ")
            )),
        }
    }
}

/// An agent's rules for every command.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Which programs it runs.
    pub allow: Allow,
    /// How long a command may run before it is killed.
    pub timeout: Duration,
    /// How many bytes of each stream are kept.
    pub cap: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            allow: Allow::list(DEFAULT_ALLOW),
            timeout: DEFAULT_TIMEOUT,
            cap: CAP,
        }
    }
}

/// Runs `argv` under `limits` and returns host `host`'s reply.
pub async fn run(host: &str, argv: &[String], limits: &Limits) -> Reply {
    let mut reply = Reply {
        host: host.to_owned(),
        outcome: Outcome::Exited { code: 0 },
        stdout: String::new(),
        stderr: String::new(),
        stdout_cut: 0,
        stderr_cut: 0,
        cap: limits.cap as u64,
        pid: None,
        started_us: now_us(),
        took_us: 0,
    };
    let Some(program) = argv.first() else {
        reply.outcome = Outcome::Refused {
            why: "an empty command".into(),
        };
        return reply;
    };
    if let Some(why) = limits.allow.refuses(program) {
        reply.outcome = Outcome::Refused { why };
        return reply;
    }
    let started = Instant::now();
    let spawned = tokio::process::Command::new(program)
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            reply.outcome = Outcome::Failed {
                why: format!("cannot start `{program}`: {e}"),
            };
            return reply;
        }
    };
    reply.pid = child.id();
    // ANCHOR: run
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let mut reading = std::pin::pin!(async {
        tokio::join!(capped(stdout, limits.cap), capped(stderr, limits.cap))
    });
    let waited = tokio::time::timeout(limits.timeout, async {
        tokio::join!(child.wait(), reading.as_mut())
    })
    .await;
    let ((out, out_cut), (err, err_cut)) = match waited {
        Ok((status, output)) => {
            reply.outcome = match status {
                Ok(s) if s.code().is_some() => Outcome::Exited {
                    code: s.code().unwrap_or_default(),
                },
                Ok(s) => Outcome::Signalled {
                    signal: s.signal().unwrap_or_default(),
                },
                Err(e) => Outcome::Failed {
                    why: format!("lost `{program}`: {e}"),
                },
            };
            output
        }
        Err(_) => {
            // SIGKILL, then wait for it: the process is gone (reaped)
            // before the reply says so.
            let _ = child.kill().await;
            reply.outcome = Outcome::TimedOut {
                after_ms: limits.timeout.as_millis() as u64,
            };
            tokio::time::timeout(DRAIN_GRACE, reading.as_mut())
                .await
                .unwrap_or_default()
        }
    };
    // ANCHOR_END: run
    reply.took_us = started.elapsed().as_micros() as u64;
    reply.stdout = String::from_utf8_lossy(&out).into_owned();
    reply.stderr = String::from_utf8_lossy(&err).into_owned();
    reply.stdout_cut = out_cut;
    reply.stderr_cut = err_cut;
    reply
}

/// Reads `stream` to its end, keeping the first `cap` bytes; returns them
/// and how many more there were.
async fn capped(
    stream: Option<impl AsyncRead + Unpin>,
    cap: usize,
) -> (Vec<u8>, u64) {
    let Some(mut stream) = stream else {
        return (Vec::new(), 0);
    };
    let (mut kept, mut cut) = (Vec::new(), 0u64);
    let mut buf = vec![0; 16 * 1024];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return (kept, cut),
            Ok(n) => {
                let room = cap.saturating_sub(kept.len()).min(n);
                kept.extend_from_slice(&buf[..room]);
                cut += (n - room) as u64;
            }
        }
    }
}
