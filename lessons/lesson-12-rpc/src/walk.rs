//! Lesson 12: the default run: three agents as processes of their own, and
//! the seed's session typed into a console, plus the two ways a host can
//! fail to answer well (a timeout, and no such host).
//!
//! The agents are this very binary (`agent --name h1` …), started as child
//! processes as they would be started on three machines, all on one
//! broker; `h3` is given a 1 s timeout so that one command times out there
//! and not on `h1`. The console's lines are [`prompt::answer`]'s, so the
//! output is what the interactive console prints for the same input.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use shared::{Lane, Transcript};

use crate::console::Console;
use crate::prompt::{self, PROMPT};
use crate::task::TaskId;

/// The console's patience in the default run: long enough for `sleep 2`
/// on `h1`, short enough that waiting for the missing `h4` is brief.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// Agent processes, interrupted (as Ctrl-C would) and reaped on drop.
pub struct Agents {
    children: Vec<Child>,
}

impl Agents {
    /// Starts `exe agent --name NAME` for each `(name, timeout_s)` on the
    /// broker at `url`, and returns once each says it is waiting.
    pub fn start(
        exe: &Path,
        url: &str,
        prefix: &str,
        agents: &[(&str, u64)],
    ) -> shared::Result<Agents> {
        let mut started = Agents {
            children: Vec::new(),
        };
        for (name, timeout) in agents {
            let mut child = Command::new(exe)
                .args(["--amqp", url, "--prefix", prefix, "agent", "--name"])
                .arg(name)
                .args(["--timeout", &timeout.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .spawn()
                .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
            let mut stdout =
                BufReader::new(child.stdout.take().expect("piped"));
            started.children.push(child);
            let mut line = String::new();
            stdout.read_line(&mut line)?;
            if !line.contains("waiting for tasks") {
                return Err(format!("agent {name} did not start").into());
            }
            // The rest of its lines are not part of the session: read
            // them so that it never blocks on a full pipe.
            std::thread::spawn(move || {
                std::io::copy(&mut stdout, &mut std::io::sink())
            });
        }
        Ok(started)
    }

    /// The agents' process ids, in the order started.
    pub fn pids(&self) -> Vec<u32> {
        self.children.iter().map(Child::id).collect()
    }
}

impl Drop for Agents {
    fn drop(&mut self) {
        for child in &mut self.children {
            let pid = rustix::process::Pid::from_child(child);
            let _ = rustix::process::kill_process(
                pid,
                rustix::process::Signal::INT,
            );
        }
        for child in &mut self.children {
            let _ = child.wait();
        }
    }
}

/// The lines of the session, in order; `None` marks where the run waits
/// for the last task to settle before going on.
const SESSION: &[Option<&str>] = &[
    Some(r#"run "df -h" --hosts h1 h2"#),
    Some("check_task $"),
    None,
    Some("check_task $"),
    Some(r#"run "sleep 2" --hosts h1 h3"#),
    None,
    Some("check_task $"),
    Some(r#"run "hostname" --hosts h4"#),
    None,
    Some("check_task $"),
    Some("tasks"),
];

// ANCHOR: walk
/// The session, on the broker at `url` with agents already running.
/// `$` in a line stands for the id of the last task sent.
pub async fn session(
    url: &str,
    prefix: &str,
    out: &Transcript,
    lane: &Lane,
) -> shared::Result<()> {
    let mut console = Console::open(url, prefix, PATIENCE).await?;
    let mut last: Option<TaskId> = None;
    for step in SESSION {
        match step {
            Some(line) => {
                let id = last.map(|id| id.to_string()).unwrap_or_default();
                let line = line.replace('$', &id);
                out.say(lane, format!("{PROMPT} {line}"));
                prompt::answer(&mut console, &line, out, lane).await?;
                last = console.tasks().last().map(|t| t.header.id);
            }
            None => {
                let id = last.ok_or("no task to wait for")?;
                let task = console.settled(id).await?;
                out.say(lane, format!("   ({})", waited(&task)));
            }
        }
    }
    console.close().await
}
// ANCHOR_END: walk

/// What the run waited for, in words.
fn waited(task: &crate::task::Task) -> String {
    let (answered, _, silent) = task.counts(crate::task::now_ms());
    if silent == 0 {
        format!("waited until all {answered} answered")
    } else {
        format!(
            "waited {} s for the hosts that did not answer",
            task.header.patience_ms / 1000
        )
    }
}
