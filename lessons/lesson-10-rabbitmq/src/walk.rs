//! Lesson 10: the default run, every pattern of the seed in order, each
//! with its consumers running as tasks beside its producers.
//!
//! Each program of a pattern is a "terminal": it prints into its own
//! transcript, and once the pattern is over the run prints each terminal's
//! command and lines under the pattern's heading, then the routes the
//! pattern declared (producer → exchange → queue → consumer). Within a
//! terminal the order is the program's own; between terminals it is the
//! order you would start them in: consumers first, since a message sent to
//! an exchange with no queue bound is dropped.

use std::time::Duration;

use shared::{Lane, Trace, Transcript};
use tokio::sync::oneshot;

use crate::consume::{Ack, never};
use crate::declare::{Names, Route, Topology};
use crate::logs::{self, Kind, Subscription};
use crate::work::{self, Worker};
use crate::{hello, rpc};

/// How long a `.` of a task takes in the walk (the seed's worker sleeps a
/// second).
pub const DOT: Duration = Duration::from_millis(100);

/// The work queue's four tasks.
pub const TASKS: [&str; 4] = [
    "First message.",
    "Second message..",
    "Third message...",
    "Fourth message....",
];

/// One program of a pattern, and what it printed.
struct Terminal {
    command: String,
    out: Transcript,
    lane: Lane,
}

impl Terminal {
    fn new(trace: &Trace, command: &str) -> Terminal {
        Terminal {
            command: command.to_owned(),
            out: Transcript::quiet(),
            lane: trace.lane(command),
        }
    }
}

/// Prints a pattern: its heading, each terminal, its routes.
fn show(
    out: &Transcript,
    lane: &Lane,
    heading: &str,
    terminals: &[&Terminal],
    topology: &Topology,
) {
    out.say(lane, format!("== {heading} =="));
    for terminal in terminals {
        out.say(lane, format!("$ {}", terminal.command));
        for line in terminal.out.lines() {
            out.say(lane, line);
        }
    }
    for line in topology.diagram().lines() {
        out.say(lane, format!("route: {line}"));
    }
    out.say(lane, "");
}

/// A `ready` callback and the future that waits for it.
fn ready() -> (impl FnOnce(), impl Future<Output = ()>) {
    let (tell, told) = oneshot::channel::<()>();
    (
        move || {
            let _ = tell.send(());
        },
        async move {
            let _ = told.await;
        },
    )
}

/// The whole walk, printed to `out`.
pub async fn walk(
    url: &str,
    names: &Names,
    out: &Transcript,
) -> shared::Result<()> {
    let trace = Trace::disabled();
    let lane = trace.lane("walk");
    hello_world(url, names, out, &lane, &trace).await?;
    work_queue(url, names, out, &lane, &trace).await?;
    fanout(url, names, out, &lane, &trace).await?;
    direct(url, names, out, &lane, &trace).await?;
    topic(url, names, out, &lane, &trace).await?;
    rpc_call(url, names, out, &lane, &trace).await
}

fn default_route(queue: &str, consumer: &str) -> Route {
    Route {
        exchange: String::new(),
        kind: "direct",
        key: queue.to_owned(),
        queue: queue.to_owned(),
        consumer: consumer.to_owned(),
    }
}

async fn hello_world(
    url: &str,
    names: &Names,
    out: &Transcript,
    lane: &Lane,
    trace: &Trace,
) -> shared::Result<()> {
    let receiver = Terminal::new(trace, "receive --count 1");
    let sender = Terminal::new(trace, "send");
    let (is_ready, wait) = ready();
    let receiving = hello::receive(
        url,
        &names.hello,
        Some(1),
        never(),
        is_ready,
        &receiver.out,
        &receiver.lane,
    );
    let sending = async {
        wait.await;
        hello::send(url, &names.hello, &sender.out, &sender.lane).await
    };
    tokio::try_join!(receiving, sending)?;
    let topology = Topology::default();
    topology.add(default_route(&names.hello, "receive"));
    let heading = "Hello World: send.py and receive.py";
    show(out, lane, heading, &[&receiver, &sender], &topology);
    Ok(())
}

async fn work_queue(
    url: &str,
    names: &Names,
    out: &Transcript,
    lane: &Lane,
    trace: &Trace,
) -> shared::Result<()> {
    let command = "worker --count 2 --dot-ms 100 --prefetch 0";
    let workers =
        [Terminal::new(trace, command), Terminal::new(trace, command)];
    let producer = Terminal::new(trace, "new-task ...");
    let worker = Worker {
        queue: names.task_queue.clone(),
        // Unlimited: the broker deals the tasks out in turn as they come,
        // whatever each worker is doing (`demo-fair` shows prefetch 1).
        prefetch: None,
        ack: Ack::Manual,
        dot: DOT,
        count: Some(2),
        show_redelivered: false,
    };
    // The second worker starts once the first consumes, and the tasks go
    // out once both do: then the broker deals them out in turn.
    let (first_ready, first_waiting) = ready();
    let (second_ready, second_waiting) = ready();
    let first = work::worker(
        url,
        &worker,
        never(),
        first_ready,
        &workers[0].out,
        &workers[0].lane,
    );
    let second = async {
        first_waiting.await;
        work::worker(
            url,
            &worker,
            never(),
            second_ready,
            &workers[1].out,
            &workers[1].lane,
        )
        .await
    };
    let produce = async {
        second_waiting.await;
        for task in TASKS {
            work::new_task(
                url,
                &names.task_queue,
                task,
                &producer.out,
                &producer.lane,
            )
            .await?;
        }
        Ok::<_, shared::Error>(())
    };
    tokio::try_join!(first, second, produce)?;
    let topology = Topology::default();
    topology.add(default_route(&names.task_queue, "worker 1, worker 2"));
    let heading = "Work queues: new_task.py and two worker.py, round-robin";
    show(
        out,
        lane,
        heading,
        &[&workers[0], &workers[1], &producer],
        &topology,
    );
    Ok(())
}

async fn fanout(
    url: &str,
    names: &Names,
    out: &Transcript,
    lane: &Lane,
    trace: &Trace,
) -> shared::Result<()> {
    let receivers = [
        Terminal::new(trace, "receive-logs --count 1"),
        Terminal::new(trace, "receive-logs --count 1"),
    ];
    let emitter = Terminal::new(trace, "emit-log");
    let topology = Topology::default();
    let subscription = |name: &str| Subscription {
        exchange: names.logs.clone(),
        kind: Kind::Fanout,
        keys: Vec::new(),
        count: Some(1),
        name: name.to_owned(),
    };
    let (subs, (one_ready, one_wait), (two_ready, two_wait)) = (
        [
            subscription("receive-logs 1"),
            subscription("receive-logs 2"),
        ],
        ready(),
        ready(),
    );
    let one = logs::receive(
        url,
        &subs[0],
        never(),
        one_ready,
        &receivers[0].out,
        &receivers[0].lane,
        &topology,
    );
    let two = async {
        one_wait.await;
        logs::receive(
            url,
            &subs[1],
            never(),
            two_ready,
            &receivers[1].out,
            &receivers[1].lane,
            &topology,
        )
        .await
    };
    let emit = async {
        two_wait.await;
        let message = logs::DEFAULT_LOG;
        logs::emit(
            url,
            &names.logs,
            Kind::Fanout,
            "",
            message,
            &emitter.out,
            &emitter.lane,
        )
        .await
    };
    tokio::try_join!(one, two, emit)?;
    let heading =
        "Publish/subscribe: emit_log.py and two receive_logs.py (fanout)";
    show(
        out,
        lane,
        heading,
        &[&receivers[0], &receivers[1], &emitter],
        &topology,
    );
    Ok(())
}

/// The direct and topic patterns: receivers bound with `keys` (each with
/// the count of logs it will get), then the emitter's `(key, message)`s.
async fn routed(
    url: &str,
    exchange: &str,
    kind: Kind,
    receivers: &[(&[&str], usize)],
    logs_sent: &[(&str, &str)],
    trace: &Trace,
) -> shared::Result<(Vec<Terminal>, Terminal, Topology)> {
    let topology = Topology::default();
    let (verb, noun) = match kind {
        Kind::Topic => ("emit-log-topic", "receive-logs-topic"),
        _ => ("emit-log-direct", "receive-logs-direct"),
    };
    let terminals: Vec<Terminal> = receivers
        .iter()
        .map(|(keys, count)| {
            let keys: Vec<String> = keys
                .iter()
                .map(|k| format!("{k:?}").replace('"', "'"))
                .collect();
            Terminal::new(
                trace,
                &format!("{noun} {} --count {count}", keys.join(" ")),
            )
        })
        .collect();
    let emitter = Terminal::new(trace, &format!("{verb} KEY MESSAGE"));
    // Each receiver starts once the one before it has bound its queue;
    // the emitter once the last has.
    let mut waits = Vec::new();
    let mut receiving = Vec::new();
    for (n, ((keys, count), terminal)) in
        receivers.iter().zip(&terminals).enumerate()
    {
        let (is_ready, wait) = ready();
        let before = waits.pop();
        waits.push(wait);
        let subscription = Subscription {
            exchange: exchange.to_owned(),
            kind,
            keys: keys.iter().map(|k| (*k).to_owned()).collect(),
            count: Some(*count),
            name: format!("{noun} {}", n + 1),
        };
        let topology = &topology;
        receiving.push(async move {
            if let Some(before) = before {
                before.await;
            }
            logs::receive(
                url,
                &subscription,
                never(),
                is_ready,
                &terminal.out,
                &terminal.lane,
                topology,
            )
            .await
        });
    }
    let last = waits.pop();
    let emit = async {
        if let Some(last) = last {
            last.await;
        }
        for (key, message) in logs_sent {
            logs::emit(
                url,
                exchange,
                kind,
                key,
                message,
                &emitter.out,
                &emitter.lane,
            )
            .await?;
        }
        Ok::<_, shared::Error>(())
    };
    let (received, emitted) =
        tokio::join!(futures::future::try_join_all(receiving), emit);
    received?;
    emitted?;
    Ok((terminals, emitter, topology))
}

async fn direct(
    url: &str,
    names: &Names,
    out: &Transcript,
    lane: &Lane,
    trace: &Trace,
) -> shared::Result<()> {
    let receivers: [(&[&str], usize); 2] =
        [(&["error"], 1), (&["info", "warning", "error"], 3)];
    let sent = [
        ("info", "Hello World!"),
        ("warning", "Disk 91% full."),
        ("error", "Run. Run. Or it will explode."),
    ];
    let (terminals, emitter, topology) = routed(
        url,
        &names.direct_logs,
        Kind::Direct,
        &receivers,
        &sent,
        trace,
    )
    .await?;
    let mut all: Vec<&Terminal> = terminals.iter().collect();
    all.push(&emitter);
    let heading = "Routing: emit_log_direct.py and two receive_logs_direct.py";
    show(out, lane, heading, &all, &topology);
    Ok(())
}

async fn topic(
    url: &str,
    names: &Names,
    out: &Transcript,
    lane: &Lane,
    trace: &Trace,
) -> shared::Result<()> {
    let receivers: [(&[&str], usize); 3] =
        [(&["#"], 3), (&["kern.*"], 2), (&["*.critical"], 2)];
    let sent = [
        ("kern.critical", "A critical kernel error"),
        ("kern.info", "Kernel booted"),
        ("cron.critical", "A critical cron error"),
    ];
    let (terminals, emitter, topology) = routed(
        url,
        &names.topic_logs,
        Kind::Topic,
        &receivers,
        &sent,
        trace,
    )
    .await?;
    let mut all: Vec<&Terminal> = terminals.iter().collect();
    all.push(&emitter);
    let heading = "Topics: emit_log_topic.py and three receive_logs_topic.py";
    show(out, lane, heading, &all, &topology);
    Ok(())
}

async fn rpc_call(
    url: &str,
    names: &Names,
    out: &Transcript,
    lane: &Lane,
    trace: &Trace,
) -> shared::Result<()> {
    let server = Terminal::new(trace, "rpc-server --count 1");
    let client = Terminal::new(trace, "rpc-client 30");
    let (is_ready, wait) = ready();
    let serving = rpc::rpc_server(
        url,
        &names.rpc_queue,
        Some(1),
        never(),
        is_ready,
        &server.out,
        &server.lane,
    );
    let calling = async {
        wait.await;
        let patience = Duration::from_secs(30);
        rpc::rpc_client(
            url,
            &names.rpc_queue,
            30,
            patience,
            &client.out,
            &client.lane,
        )
        .await
    };
    tokio::try_join!(serving, calling)?;
    let topology = Topology::default();
    topology.add(default_route(&names.rpc_queue, "rpc-server"));
    topology.add(default_route("amq.gen-…", "rpc-client (reply_to)"));
    let heading = "RPC: rpc_server.py and rpc_client.py";
    show(out, lane, heading, &[&server, &client], &topology);
    Ok(())
}
