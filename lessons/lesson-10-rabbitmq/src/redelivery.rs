//! Lesson 10: a worker killed mid-task, with and without acknowledgements
//! (`demo-redelivery`).
//!
//! The seed's claim: "if a consumer dies without sending an ack, RabbitMQ
//! will understand that a message wasn't processed fully and will re-queue
//! it"; with `no_ack=True` the broker forgets a message as soon as it has
//! sent it, so a worker that dies holding it loses it. The demo makes both
//! happen, with two real worker processes (this lesson's `worker`
//! subcommand):
//!
//! 1. worker 1 starts and takes the task; it would work on it for a
//!    minute;
//! 2. worker 2 starts (a quick one);
//! 3. worker 1 gets SIGKILL: no ack, no goodbye, its socket closed by the
//!    kernel.
//!
//! With manual acks, the broker puts the task back and hands it to worker
//! 2 with `redelivered = true`. With auto-ack the queue is empty and
//! worker 2 gets nothing: the task is lost. Each step waits for the line
//! that says the step before it happened, so the transcript is the same on
//! every run.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use lapin::BasicProperties;
use lapin::options::{BasicPublishOptions, QueuePurgeOptions};
use shared::{Lane, Transcript};
use tokio::sync::mpsc;

use crate::connect::{lost, open};
use crate::consume::Ack;
use crate::declare::{self, Durability, Names};
use crate::lines;

/// The task worker 1 is killed holding.
pub const TASK: &str = "A long task.....";

/// How long the demo waits for a worker's next line before it gives up.
const PATIENCE: Duration = Duration::from_secs(60);

/// What happened to the killed worker's task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Worker 2 received it, marked redelivered.
    Redelivered,
    /// The queue was empty and worker 2 received nothing.
    Lost,
}

/// One worker process and its stdout, line by line.
struct WorkerProcess {
    name: &'static str,
    child: Child,
    lines: mpsc::UnboundedReceiver<String>,
}

impl WorkerProcess {
    fn spawn(
        exe: &Path,
        name: &'static str,
        args: &[String],
    ) -> shared::Result<WorkerProcess> {
        let mut child = Command::new(exe)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let (send, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(WorkerProcess { name, child, lines })
    }

    /// Echoes the worker's lines until one equals `wanted`.
    async fn until(
        &mut self,
        wanted: &str,
        out: &Transcript,
        lane: &Lane,
    ) -> shared::Result<()> {
        loop {
            let line = tokio::time::timeout(PATIENCE, self.lines.recv())
                .await
                .map_err(|_| {
                    format!("{} printed nothing for {PATIENCE:?}", self.name)
                })?
                .ok_or_else(|| {
                    format!("{} exited before printing {wanted:?}", self.name)
                })?;
            out.say(lane, format!("[{}] {line}", self.name));
            if line == wanted {
                return Ok(());
            }
        }
    }

    fn signal(&mut self, signal: rustix::process::Signal) {
        let pid = rustix::process::Pid::from_child(&self.child);
        let _ = rustix::process::kill_process(pid, signal);
        let _ = self.child.wait();
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        // A demo that failed half-way leaves no worker behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the demo once with `ack`: worker processes of `exe` (this
/// lesson's binary) on the broker at `url`, queues named with `prefix`.
pub async fn run(
    exe: &Path,
    url: &str,
    prefix: &str,
    ack: Ack,
    out: &Transcript,
    lane: &Lane,
) -> shared::Result<Fate> {
    let prefix = format!("{prefix}redelivery-");
    let queue = Names::prefixed(&prefix).task_queue;
    let session = open(url, "demo-redelivery").await?;
    let channel = &session.channel;
    declare::queue(channel, &queue, Durability::Durable).await?;
    channel
        .queue_purge(queue.as_str().into(), QueuePurgeOptions::default())
        .await
        .map_err(lost)?;
    let worker = |dot_ms: &str| {
        let mut args = vec!["--amqp", url, "--prefix", &prefix, "worker"];
        args.extend(["--count", "1", "--dot-ms", dot_ms]);
        args.push("--show-redelivered");
        if ack == Ack::Auto {
            args.extend(["--auto-ack", "--prefetch", "0"]);
        }
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    // ANCHOR: run
    // Worker 1 would spend a minute on each dot: it is still at work when
    // it is killed.
    let mut one = WorkerProcess::spawn(exe, "worker 1", &worker("60000"))?;
    one.until(lines::WAITING, out, lane).await?;
    channel
        .basic_publish(
            "".into(),
            queue.as_str().into(),
            BasicPublishOptions::default(),
            TASK.as_bytes(),
            BasicProperties::default().with_delivery_mode(2),
        )
        .await
        .map_err(lost)?;
    one.until(&lines::received(TASK.as_bytes()), out, lane)
        .await?;
    let mut two = WorkerProcess::spawn(exe, "worker 2", &worker("100"))?;
    two.until(lines::WAITING, out, lane).await?;
    out.say(lane, "[demo] SIGKILL worker 1, mid-task");
    one.signal(rustix::process::Signal::KILL);
    let fate = match ack {
        Ack::Manual => {
            two.until(" [x] redelivered=true", out, lane).await?;
            two.until(lines::DONE, out, lane).await?;
            Fate::Redelivered
        }
        Ack::Auto => {
            // Once worker 1's consumer is gone, anything it held unacked
            // would be back in the queue: there is nothing.
            wait_for_consumers(channel, &queue, 1).await?;
            let (ready, _) = declare::inspect(channel, &queue).await?;
            if ready != 0 || two.lines.try_recv().is_ok() {
                return Err("with auto_ack the task came back".into());
            }
            out.say(lane, "[demo] worker 2 received nothing; Ctrl-C it");
            two.signal(rustix::process::Signal::INT);
            Fate::Lost
        }
    };
    // ANCHOR_END: run
    session.close().await?;
    Ok(fate)
}

/// Polls until `queue` has `count` consumers.
async fn wait_for_consumers(
    channel: &lapin::Channel,
    queue: &str,
    count: u32,
) -> shared::Result<()> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let (_, consumers) = declare::inspect(channel, queue).await?;
        if consumers == count {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!(
                "`{queue}` still has {consumers} consumers, not {count}"
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Both runs, acknowledgements first, each ending in one line that says
/// what became of the task.
pub async fn both(
    exe: &Path,
    url: &str,
    prefix: &str,
    out: &Transcript,
    lane: &Lane,
) -> shared::Result<[Fate; 2]> {
    out.say(lane, "== manual ack (the seed's worker) ==");
    let acked = run(exe, url, prefix, Ack::Manual, out, lane).await?;
    out.say(
        lane,
        "manual ack: worker 1 died holding the task unacknowledged; the \
         broker gave it to worker 2 with redelivered=true: nothing lost",
    );
    out.say(lane, "");
    out.say(lane, "== auto_ack (no_ack=True) ==");
    let auto = run(exe, url, prefix, Ack::Auto, out, lane).await?;
    out.say(
        lane,
        "auto_ack: the broker forgot the task when it sent it to worker 1; \
         the queue is empty: lost",
    );
    Ok([acked, auto])
}
