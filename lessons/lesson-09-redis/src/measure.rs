//! Lesson 09's `measure`: the consumer models' totals, drain rates, pub/sub
//! and the scale-out over consumer processes, as `name=value unit` lines.
//!
//! - `total_s_<model>`: 20 messages at scale 0.05 (the tour's quick run:
//!   0.005) (an analysis is
//!   100 ms, a callback 50 ms), from the first pop to the last result.
//!   The ideal, from the models' structure: sync 20 × 0.1 = 2.0 s; pool
//!   20 × 0.15 / 4 = 0.75 s; async-batch 4 batches × 0.1 = 0.40 s; async
//!   one analysis, 0.10 s.
//! - `drain_msgs_per_sec_*`: `drain` messages pushed, then popped with no
//!   analysis: one `BRPOP` per message (a round trip each); `RPOP key
//!   1000` (a thousand per round trip); the reliable take and ack one
//!   message at a time (`BLMOVE` + `LREM`, two round trips) and batched
//!   (100 `LMOVE`s in one pipeline, then 100 `LREM`s in one pipeline).
//! - `pubsub_msgs_per_sec`: `drain` messages published in pipelines of
//!   1,000, counted by a subscriber on its own connection, from the first
//!   publish to the last message received.
//! - `scaleout_msgs_per_sec_<n>`: the reliable queue with `n` consumer
//!   processes and a 10 ms analysis, from the fill to the last message
//!   (starting the processes included): the analyses are sleeps, so the
//!   processes' work overlaps even on fewer cores than `n`.

use std::path::Path;
use std::time::{Duration, Instant};

use shared::{Figure, Trace, Transcript};

use crate::analyse::Pace;
use crate::connect::{lost, sync_connection};
use crate::reliable::{Queue, Reliable, Take};
use crate::run::{Consume, Model, consume};

/// What `measure` runs.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Messages per drain and pub/sub run (100,000).
    pub drain: usize,
    /// Messages per scale-out run; 0 skips the scale-out.
    pub scaleout: usize,
    /// The consumer models' scale (0.05: an analysis is 100 ms).
    pub scale: f64,
}

impl Sizes {
    /// `measure`'s defaults.
    pub const NORMAL: Sizes = Sizes {
        drain: 100_000,
        scaleout: 200,
        scale: 0.05,
    };
}

/// Every figure; the scale-out only when `exe` (this lesson's binary, to
/// spawn consumers) is given.
pub fn measure(
    url: &str,
    sizes: Sizes,
    exe: Option<&Path>,
) -> shared::Result<Vec<Figure>> {
    let mut figures = Vec::new();
    for model in Model::ALL {
        let mut cfg = Consume::new(url);
        cfg.queue = "lesson09:measure:models".to_owned();
        cfg.pace = Pace::scaled(sizes.scale);
        cfg.heartbeat = crate::run::HEARTBEAT.mul_f64(sizes.scale);
        let report =
            consume(model, &cfg, &Trace::disabled(), &Transcript::quiet())?;
        let name = format!("total_s_{}", model.name().replace('-', "_"));
        figures.push(Figure::new(name, report.elapsed.as_secs_f64(), "s"));
    }
    let mut redis = sync_connection(url)?;
    let queue = Queue::named("lesson09:measure:drain");
    for drain in Drain::ALL {
        let name = format!("drain_msgs_per_sec_{}", drain.name());
        push(&mut redis, &queue, sizes.drain)?;
        let start = Instant::now();
        let drained = drain.run(&mut redis, &queue, sizes.drain)?;
        let rate = drained as f64 / start.elapsed().as_secs_f64();
        if drained != sizes.drain {
            return Err(format!("{name}: drained {drained}").into());
        }
        figures.push(Figure::new(name, rate, "msg/s"));
    }
    figures.push(Figure::new(
        "pubsub_msgs_per_sec",
        pubsub(url, sizes.drain)?,
        "msg/s",
    ));
    if let Some(exe) = exe.filter(|_| sizes.scaleout > 0) {
        for consumers in [1, 2, 4] {
            let run = Reliable {
                url: url.to_owned(),
                queue: Queue::named("lesson09:measure:scaleout"),
                messages: sizes.scaleout,
                consumers,
                take: Take::Blmove,
                pace: Pace::analyse_only(Duration::from_millis(10)),
                visibility: Duration::from_secs(30),
                kill_one: false,
                patience: Duration::from_secs(120),
            };
            let start = Instant::now();
            let outcome = crate::reliable::run(
                exe,
                &run,
                &Transcript::quiet(),
                &Trace::disabled(),
            )?;
            let rate = outcome.processed as f64 / start.elapsed().as_secs_f64();
            figures.push(Figure::new(
                format!("scaleout_msgs_per_sec_{consumers}"),
                rate,
                "msg/s",
            ));
        }
    }
    Ok(figures)
}

/// The ways `measure` drains a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drain {
    /// One `BRPOP` per message.
    Brpop,
    /// `RPOP key 1000`.
    Batched,
    /// `BLMOVE` + `LREM` per message.
    ReliableOne,
    /// 100 `LMOVE`s, then 100 `LREM`s, each in one pipeline.
    Reliable,
}

impl Drain {
    /// Every way, in `measure`'s order.
    pub const ALL: [Drain; 4] = [
        Drain::Brpop,
        Drain::Batched,
        Drain::ReliableOne,
        Drain::Reliable,
    ];

    /// The figure's suffix: `drain_msgs_per_sec_<name>`.
    pub fn name(self) -> &'static str {
        match self {
            Drain::Brpop => "brpop",
            Drain::Batched => "batched",
            Drain::ReliableOne => "reliable_one",
            Drain::Reliable => "reliable",
        }
    }

    /// Pops the queue's source until `count` are popped or it is empty:
    /// how many it popped. (The blocking pops stop at `count`, so the
    /// timing does not include a last wait on the empty list.)
    pub fn run(
        self,
        redis: &mut redis::Connection,
        queue: &Queue,
        count: usize,
    ) -> shared::Result<usize> {
        match self {
            Drain::Brpop => drain_brpop(redis, queue, count),
            Drain::Batched => drain_batched(redis, queue),
            Drain::ReliableOne => drain_reliable_one(redis, queue, count),
            Drain::Reliable => drain_reliable(redis, queue),
        }
    }
}

/// Empties the queue's lists and pushes `count` messages, 1,000 per
/// `LPUSH`.
pub fn push(
    redis: &mut redis::Connection,
    queue: &Queue,
    count: usize,
) -> shared::Result<()> {
    let _: () = redis::pipe()
        .del(&queue.source)
        .del(&queue.processing)
        .query(redis)
        .map_err(lost)?;
    let messages: Vec<String> =
        (0..count).map(|n| format!("message {n}")).collect();
    let mut pipe = redis::pipe();
    for chunk in messages.chunks(1000) {
        pipe.lpush(&queue.source, chunk).ignore();
    }
    pipe.query::<()>(redis).map_err(lost)?;
    Ok(())
}

// ANCHOR: drains
/// One `BRPOP` per message: a round trip each.
fn drain_brpop(
    redis: &mut redis::Connection,
    queue: &Queue,
    count: usize,
) -> shared::Result<usize> {
    let mut drained = 0;
    while drained < count {
        let popped: Option<(String, String)> = redis::cmd("BRPOP")
            .arg(&queue.source)
            .arg(0.01)
            .query(redis)
            .map_err(lost)?;
        if popped.is_none() {
            break;
        }
        drained += 1;
    }
    Ok(drained)
}

/// `RPOP key 1000`: up to a thousand messages per round trip.
fn drain_batched(
    redis: &mut redis::Connection,
    queue: &Queue,
) -> shared::Result<usize> {
    let mut drained = 0;
    while let Some(batch) = redis::cmd("RPOP")
        .arg(&queue.source)
        .arg(1000)
        .query::<Option<Vec<String>>>(redis)
        .map_err(lost)?
    {
        drained += batch.len();
    }
    Ok(drained)
}
// ANCHOR_END: drains

/// `BLMOVE` then `LREM`, one message at a time.
fn drain_reliable_one(
    redis: &mut redis::Connection,
    queue: &Queue,
    count: usize,
) -> shared::Result<usize> {
    let mut drained = 0;
    let idle = Duration::from_millis(10);
    while drained < count {
        let Some(message) = crate::reliable::take(redis, queue, idle)? else {
            break;
        };
        crate::reliable::ack(redis, queue, &message)?;
        drained += 1;
    }
    Ok(drained)
}

/// 100 `LMOVE`s in one pipeline, then their 100 `LREM`s in another: the
/// same at-least-once guarantee, two round trips per hundred messages.
fn drain_reliable(
    redis: &mut redis::Connection,
    queue: &Queue,
) -> shared::Result<usize> {
    let mut drained = 0;
    loop {
        let mut take = redis::pipe();
        for _ in 0..100 {
            take.cmd("LMOVE")
                .arg(&queue.source)
                .arg(&queue.processing)
                .arg("RIGHT")
                .arg("LEFT");
        }
        let taken: Vec<Option<String>> = take.query(redis).map_err(lost)?;
        let taken: Vec<String> = taken.into_iter().flatten().collect();
        if taken.is_empty() {
            return Ok(drained);
        }
        let mut ack = redis::pipe();
        for message in &taken {
            ack.lrem(&queue.processing, 1, message).ignore();
        }
        ack.query::<()>(redis).map_err(lost)?;
        drained += taken.len();
    }
}

/// Publishes `count` messages and counts them on a subscriber: messages
/// per second, first publish to last receipt.
fn pubsub(url: &str, count: usize) -> shared::Result<f64> {
    let channel = "lesson09:measure:channel";
    let mut subscriber = sync_connection(url)?;
    let mut publisher = sync_connection(url)?;
    let (ready, subscribed) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        let counting = scope.spawn(move || -> shared::Result<usize> {
            let mut pubsub = subscriber.as_pubsub();
            pubsub.subscribe(channel).map_err(lost)?;
            pubsub
                .set_read_timeout(Some(Duration::from_secs(5)))
                .map_err(lost)?;
            let _ = ready.send(());
            let mut received = 0;
            while received < count {
                match pubsub.get_message() {
                    Ok(_) => received += 1,
                    Err(e) if e.is_timeout() => break,
                    Err(e) => return Err(lost(e)),
                }
            }
            Ok(received)
        });
        subscribed.recv_timeout(Duration::from_secs(10))?;
        let start = Instant::now();
        let mut sent = 0;
        while sent < count {
            let batch = (count - sent).min(1000);
            let mut pipe = redis::pipe();
            for n in sent..sent + batch {
                pipe.publish(channel, n).ignore();
            }
            pipe.query::<()>(&mut publisher).map_err(lost)?;
            sent += batch;
        }
        let received =
            counting.join().expect("the subscriber does not panic")?;
        if received != count {
            return Err(
                format!("pub/sub: {received} of {count} received").into()
            );
        }
        Ok(count as f64 / start.elapsed().as_secs_f64())
    })
}
