//! Lesson 09: the course's two listeners. One pops a list with `BLPOP`
//! (producer/consumer: each message goes to exactly one listener), one
//! subscribes to a channel (pub/sub: each message goes to every listener
//! connected *at that moment*, and to nobody else).
//!
//! Python: `task = self.rcon.blpop(self.queue, 0)[1]; print "Task get",
//! task` and `for i in self.ps.listen(): if i['type'] == 'message': print
//! "Task get", i['data']`. Both print `Task get 7`.
//!
//! The difference that matters: a message pushed to the list while no
//! listener runs waits in Redis for the next one; a message published
//! while no subscriber is connected is gone. `listen_pubsub` in the tests
//! shows it: what was published before the subscription never arrives.

use std::time::Duration;

use shared::{Lane, Transcript};

use crate::connect::{client, lost, sync_connection};

/// The course's list and channel.
#[derive(Clone, Debug)]
pub struct Names {
    /// `task:prodcons:queue`.
    pub queue: String,
    /// `task:pubsub:channel`.
    pub channel: String,
}

impl Default for Names {
    fn default() -> Names {
        Names {
            queue: "task:prodcons:queue".to_owned(),
            channel: "task:pubsub:channel".to_owned(),
        }
    }
}

// ANCHOR: list
/// The `BLPOP` listener: prints `Task get <item>` for `count` items (or
/// until the list stays empty for `idle`).
pub fn listen_list(
    url: &str,
    queue: &str,
    count: usize,
    idle: Duration,
    out: &Transcript,
    lane: &Lane,
) -> shared::Result<()> {
    let mut redis = sync_connection(url)?;
    out.say(lane, "listen task queue");
    for _ in 0..count {
        let popped: Option<(String, String)> = redis::cmd("BLPOP")
            .arg(queue)
            .arg(idle.as_secs_f64())
            .query(&mut redis)
            .map_err(lost)?;
        let Some((_, task)) = popped else { break };
        out.say(lane, format!("Task get {task}"));
    }
    Ok(())
}
// ANCHOR_END: list

// ANCHOR: pubsub
/// The pub/sub listener: subscribes, then prints `Task get <data>` for
/// `count` messages (or until none comes for `idle`). `ready` is called
/// once the subscription is confirmed: what is published before that is
/// never seen.
pub fn listen_pubsub(
    url: &str,
    channel: &str,
    count: usize,
    idle: Duration,
    out: &Transcript,
    lane: &Lane,
    ready: impl FnOnce(),
) -> shared::Result<()> {
    // A connection of its own: once subscribed, it can do nothing else.
    let mut redis = sync_connection(url)?;
    let mut pubsub = redis.as_pubsub();
    pubsub.subscribe(channel).map_err(lost)?;
    pubsub.set_read_timeout(Some(idle)).map_err(lost)?;
    out.say(lane, "listen task channel");
    ready();
    for _ in 0..count {
        let message = match pubsub.get_message() {
            Ok(message) => message,
            Err(e) if e.is_timeout() => break,
            Err(e) => return Err(lost(e)),
        };
        let data: String = message.get_payload().map_err(lost)?;
        out.say(lane, format!("Task get {data}"));
    }
    Ok(())
}
// ANCHOR_END: pubsub

/// `PUBLISH channel data`: how many subscribers received it.
pub fn publish(url: &str, channel: &str, data: &str) -> shared::Result<usize> {
    let mut redis = client(url)?
        .get_connection_with_timeout(crate::connect::CONNECT_PATIENCE)?;
    redis::cmd("PUBLISH")
        .arg(channel)
        .arg(data)
        .query(&mut redis)
        .map_err(lost)
}
