//! Lesson 12: one task fanned out to three agents, on a timeline.
//!
//! The console's lane shows when it sent the task and how long it waited;
//! each host's lane shows when its command ran, from the start time and
//! duration the agent put in its reply (the agents are separate processes,
//! so the console cannot watch them run; on one machine they share its
//! clock).

use std::time::Duration;

use shared::{Lane, State, Trace, Transcript};

use crate::console::Console;
use crate::task::{Task, now_us};

/// The command of the picture: long enough to see, short enough to wait.
pub const COMMAND: &str = "sleep 0.2";

/// The hosts of the picture.
pub const HOSTS: [&str; 3] = ["h1", "h2", "h3"];

/// Sends [`COMMAND`] to [`HOSTS`] (agents already running), prints the
/// results, and records the task on `trace`. Returns the settled task.
pub async fn fan_out(
    url: &str,
    prefix: &str,
    trace: &Trace,
    out: &Transcript,
) -> shared::Result<Task> {
    // The trace's zero, on the agents' clock.
    let epoch_us = now_us() - trace.now().as_micros() as u64;
    let lane = trace.lane("console");
    let hosts: Vec<Lane> = HOSTS.iter().map(|h| trace.lane(*h)).collect();
    let mut console =
        Console::open(url, prefix, Duration::from_secs(15)).await?;
    let names: Vec<String> = HOSTS.iter().map(|h| (*h).to_owned()).collect();
    let sending = trace.now();
    let id = console.run(COMMAND, &names).await?;
    lane.record_span(State::Running, "run", sending, trace.now());
    out.say(&lane, format!("task id: {id}"));
    let waiting = trace.now();
    let task = console.settled(id).await?;
    lane.record_span(
        State::Waiting,
        "waiting for replies",
        waiting,
        trace.now(),
    );
    for (host, host_lane) in HOSTS.iter().zip(&hosts) {
        if let Some(reply) = task.replies.get(*host) {
            let start = Duration::from_micros(reply.started_us - epoch_us);
            let end = start + Duration::from_micros(reply.took_us);
            host_lane.record_span(State::Running, COMMAND, start, end);
        }
    }
    for line in task.check_lines(crate::task::now_ms()) {
        out.say(&lane, line);
    }
    console.close().await?;
    Ok(task)
}
