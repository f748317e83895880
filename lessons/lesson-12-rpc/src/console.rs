//! Lesson 12: the console's side: sending a task to its hosts under a
//! fresh id, and collecting the replies in the background.
//!
//! Every task gets a results queue of its own, `rpc_results.<id>`, which
//! is the `reply_to` of each of its requests. The console first leaves a
//! [`Header`] in it (command, hosts, when), then publishes one request per
//! host to the direct exchange. From then on the queue holds the task:
//!
//! - the interactive [`Console`] consumes it in a background task and
//!   files each reply as it comes, while the learner types;
//! - the one-shot `run` subcommand consumes nothing and exits, so the
//!   replies wait in the broker, and a later `check` ([`check`]) reads
//!   the whole queue without taking anything from it.
//!
//! Why the broker: it is the one place that both the agents and any
//! later `check` (another process, or another machine) can reach, and it
//! already holds messages nobody has read yet. A file would work only on
//! the console's machine, and the agents would need a second way to
//! deliver. The queue is deleted an hour after its last use
//! (`x-expires`), so results do not pile up.
//!
//! Task ids are random five-digit numbers, like the seed's `45334`; one
//! whose results queue already exists (a live task of any console, this
//! hour) is skipped, which keeps ids unique across consoles and runs. Two
//! consoles drawing the same number in the same millisecond could still
//! share one; with 90 000 numbers that is rare enough for a course.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::StreamExt;
use lapin::options::{
    BasicCancelOptions, BasicConsumeOptions, BasicGetOptions,
    BasicPublishOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection};
use lesson_10_rabbitmq::connect::{self, lost};
use lesson_10_rabbitmq::declare;
use tokio::sync::Notify;

use crate::agent;
use crate::task::{Header, Message, Request, Task, TaskId, now_ms};

/// How long a results queue outlives its last use.
pub const KEEP_RESULTS: Duration = Duration::from_secs(3600);

/// Task `id`'s results queue.
pub fn results_queue(prefix: &str, id: TaskId) -> String {
    format!("{prefix}rpc_results.{id}")
}

/// The command line of a task as words: split on white space, no shell.
pub fn words(command: &str) -> Vec<String> {
    command.split_whitespace().map(str::to_owned).collect()
}

/// Sends `command` to each of `hosts` as one new task: reserves an id,
/// declares its results queue, leaves the header there, and publishes one
/// request per host to the direct exchange, routed by the host's name.
pub async fn submit(
    connection: &Connection,
    channel: &Channel,
    prefix: &str,
    command: &str,
    hosts: &[String],
    patience: Duration,
) -> shared::Result<Header> {
    let argv = words(command);
    if argv.is_empty() || hosts.is_empty() {
        return Err("a task needs a command and at least one host".into());
    }
    // ANCHOR: submit
    let id = fresh_id(connection, prefix).await?;
    let results = results_queue(prefix, id);
    let mut arguments = FieldTable::default();
    let keep = KEEP_RESULTS.as_millis() as u32;
    arguments.insert("x-expires".into(), AMQPValue::LongUInt(keep));
    channel
        .queue_declare(
            results.as_str().into(),
            QueueDeclareOptions::default(),
            arguments,
        )
        .await
        .map_err(lost)?;
    let header = Header {
        id,
        command: argv.join(" "),
        hosts: hosts.to_vec(),
        sent_ms: now_ms(),
        patience_ms: patience.as_millis() as u64,
    };
    let note = Message::Task(header.clone()).to_bytes();
    publish(channel, "", &results, &note, BasicProperties::default()).await?;
    let request = serde_json::to_vec(&Request { id, argv })?;
    let exchange = agent::exchange(prefix);
    for host in hosts {
        // The request expires with the console's patience: an agent that
        // starts later does not run a command nobody waits for any more.
        let properties = BasicProperties::default()
            .with_reply_to(results.as_str().into())
            .with_correlation_id(id.to_string().into())
            .with_expiration(header.patience_ms.to_string().into());
        publish(channel, &exchange, host, &request, properties).await?;
    }
    Ok(header)
}
// ANCHOR_END: submit

async fn publish(
    channel: &Channel,
    exchange: &str,
    key: &str,
    body: &[u8],
    properties: BasicProperties,
) -> shared::Result<()> {
    channel
        .basic_publish(
            exchange.into(),
            key.into(),
            BasicPublishOptions::default(),
            body,
            properties,
        )
        .await
        .map_err(lost)?;
    Ok(())
}

/// A five-digit id whose results queue does not exist yet. The check is a
/// passive declare, which the broker answers for a missing queue by
/// closing the channel: hence a channel of its own each time.
async fn fresh_id(
    connection: &Connection,
    prefix: &str,
) -> shared::Result<TaskId> {
    let seed = RandomState::new();
    for attempt in 0u32..100 {
        let n = seed.hash_one((attempt, now_ms(), std::process::id()));
        let id = 10_000 + (n % 90_000) as TaskId;
        let probe = connection.create_channel().await.map_err(lost)?;
        let queue = results_queue(prefix, id);
        if declare::inspect(&probe, &queue).await.is_err() {
            return Ok(id);
        }
        let _ = probe.close(200, "bye".into()).await;
    }
    Err("no free task id after 100 tries: are 90 000 tasks live?".into())
}

/// Reads task `id` back from its results queue without taking anything
/// from it: `basic_get` without ack for every message, then the channel
/// is closed, which puts them all back. What the `check` subcommand does.
pub async fn check(
    connection: &Connection,
    prefix: &str,
    id: TaskId,
) -> shared::Result<Task> {
    let channel = connection.create_channel().await.map_err(lost)?;
    let queue = results_queue(prefix, id);
    if declare::inspect(&channel, &queue).await.is_err() {
        return Err(format!(
            "no task {id} on this broker (results are kept for an hour \
             after their last check)"
        )
        .into());
    }
    let mut task: Option<Task> = None;
    let mut replies = Vec::new();
    loop {
        let got = channel
            .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: false })
            .await
            .map_err(lost)?;
        let Some(message) = got else { break };
        match Message::from_bytes(&message.delivery.data)? {
            Message::Task(header) => task = Some(Task::new(header)),
            Message::Result(reply) => replies.push(reply),
        }
    }
    let _ = channel.close(200, "bye".into()).await;
    let mut task = task.ok_or_else(|| {
        format!("task {id}'s results queue has lost its header")
    })?;
    for reply in replies {
        task.file(reply);
    }
    Ok(task)
}

/// The tasks of one console, in the order they were sent, and a signal
/// for whoever waits for a change.
#[derive(Default)]
struct Book {
    tasks: Mutex<Vec<Task>>,
    changed: Notify,
}

/// The interactive console's client: one connection, and a background
/// collector per task that files its replies as they arrive.
pub struct Console {
    session: connect::Session,
    prefix: String,
    patience: Duration,
    book: Arc<Book>,
    collectors: Vec<tokio::task::JoinHandle<()>>,
}

impl Console {
    /// Connects to the broker at `url`; tasks will wait `patience` for
    /// each host.
    pub async fn open(
        url: &str,
        prefix: &str,
        patience: Duration,
    ) -> shared::Result<Console> {
        let session = connect::open(url, "console").await?;
        // Publishing to an exchange that does not exist is a channel
        // error: declare it, in case no agent has yet.
        declare::exchange(
            &session.channel,
            &agent::exchange(prefix),
            lapin::ExchangeKind::Direct,
        )
        .await?;
        Ok(Console {
            session,
            prefix: prefix.to_owned(),
            patience,
            book: Arc::default(),
            collectors: Vec::new(),
        })
    }

    /// `run "CMD ARGS" --hosts A B`: sends the task, starts collecting its
    /// replies in the background, and returns its id at once.
    pub async fn run(
        &mut self,
        command: &str,
        hosts: &[String],
    ) -> shared::Result<TaskId> {
        let (connection, channel) =
            (&self.session.connection, &self.session.channel);
        let header = submit(
            connection,
            channel,
            &self.prefix,
            command,
            hosts,
            self.patience,
        )
        .await?;
        let id = header.id;
        lock(&self.book.tasks).push(Task::new(header));
        // ANCHOR: run
        // The replies are not acknowledged one by one (no_ack): this
        // console is their only reader, and they are kept in its memory.
        let queue = results_queue(&self.prefix, id);
        let options = BasicConsumeOptions {
            no_ack: true,
            ..BasicConsumeOptions::default()
        };
        let mut replies = channel
            .basic_consume(
                queue.into(),
                "".into(),
                options,
                FieldTable::default(),
            )
            .await
            .map_err(lost)?;
        let (book, channel) = (self.book.clone(), channel.clone());
        self.collectors.push(tokio::spawn(async move {
            while let Some(Ok(delivery)) = replies.next().await {
                let all_in = match Message::from_bytes(&delivery.data) {
                    Ok(Message::Result(reply)) => file(&book, id, reply),
                    _ => false,
                };
                book.changed.notify_waiters();
                if all_in {
                    // Every host has answered: stop consuming, so that the
                    // queue, unused, expires an hour from now.
                    let cancel = BasicCancelOptions::default();
                    let _ = channel.basic_cancel(replies.tag(), cancel).await;
                    break;
                }
            }
        }));
        Ok(id)
    }
    // ANCHOR_END: run

    /// Task `id` as it stands now, if this console sent it.
    pub fn task(&self, id: TaskId) -> Option<Task> {
        lock(&self.book.tasks)
            .iter()
            .find(|t| t.header.id == id)
            .cloned()
    }

    /// Every task this console sent, oldest first.
    pub fn tasks(&self) -> Vec<Task> {
        lock(&self.book.tasks).clone()
    }

    /// Waits until every host of task `id` has answered or is past its
    /// deadline, and returns the task then.
    pub async fn settled(&self, id: TaskId) -> shared::Result<Task> {
        loop {
            // Registered before the check, so a reply filed in between
            // still wakes this wait.
            let changed = self.book.changed.notified();
            let task = self
                .task(id)
                .ok_or_else(|| format!("no task {id} in this console"))?;
            let now = now_ms();
            if task.settled(now) {
                return Ok(task);
            }
            let deadline = Duration::from_millis(task.deadline_ms() - now);
            let _ = tokio::time::timeout(deadline, changed).await;
        }
    }

    /// The patience of this console's tasks.
    pub fn patience(&self) -> Duration {
        self.patience
    }

    /// Stops the collectors and says goodbye to the broker.
    pub async fn close(self) -> shared::Result<()> {
        for collector in &self.collectors {
            collector.abort();
        }
        self.session.close().await
    }
}

/// Files `reply` under task `id` in `book`; returns whether every host of
/// the task has now answered.
fn file(book: &Book, id: TaskId, reply: crate::task::Reply) -> bool {
    let mut tasks = lock(&book.tasks);
    let Some(task) = tasks.iter_mut().find(|t| t.header.id == id) else {
        return false;
    };
    task.file(reply);
    task.replies.len() == task.header.hosts.len()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Replies by host, for tests: a task's results as a map.
pub fn outcomes(task: &Task) -> BTreeMap<String, crate::task::Outcome> {
    task.replies
        .iter()
        .map(|(h, r)| (h.clone(), r.outcome.clone()))
        .collect()
}
