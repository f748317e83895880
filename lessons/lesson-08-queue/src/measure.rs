//! Lesson 08: what a queue costs, for each of the five.
//!
//! Two figures per queue, printed by `lesson-08-queue measure` and read
//! by the tour:
//!
//! - `items_per_sec_<queue>`: the course's restaurant with the sleeps and
//!   the prints taken out: 3 cooks put `items` numbers in all into a
//!   queue of 10, 2 eaters take them out. Every put and get contends for
//!   the same queue, and a full or empty queue puts someone to sleep.
//! - `handoff_ns_<queue>`: one item passed from one thread (or task) to
//!   another that is waiting for it: a ping-pong over two queues of one,
//!   timed over many round trips and halved. This is the wake-up cost
//!   alone: a futex wake and a trip through the OS scheduler for threads,
//!   a push onto a run queue for may and tokio.
//!
//! The criterion bench `benches/benches/queue.rs` times the same
//! functions, [`items_per_sec`] and [`handoff_ns`].

use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::Instant;

use shared::Figure;

use crate::{Queue, QueueKind};

/// Cooks and eaters of the measured restaurant: the demo's.
pub const COOKS: usize = 3;
/// See [`COOKS`].
pub const EATERS: usize = 2;
/// The queue's capacity: the demo's `Queue(10)`.
pub const CAPACITY: usize = 10;

/// The stop value of the measured runs: never a real item.
const STOP: u64 = u64::MAX;

/// How many items cook `i` of [`COOKS`] puts, out of `items`.
fn share(items: u64, i: usize) -> u64 {
    let cooks = COOKS as u64;
    items / cooks + u64::from((i as u64) < items % cooks)
}

/// Moves `items` numbers from 3 cooks to 2 eaters through a queue of 10
/// of `kind`, and returns items per second. Nothing is printed or
/// traced.
pub fn items_per_sec(kind: QueueKind, items: u64) -> f64 {
    let start = Instant::now();
    let eaten = match kind {
        QueueKind::Ours => restaurant_ours(items),
        QueueKind::Std => restaurant_std(items),
        QueueKind::Crossbeam => restaurant_crossbeam(items),
        QueueKind::May => restaurant_may(items),
        QueueKind::Tokio => restaurant_tokio(items),
    };
    let took = start.elapsed().as_secs_f64();
    assert_eq!(eaten, items, "{kind}: items lost or doubled");
    eaten as f64 / took.max(1e-9)
}

fn restaurant_ours(items: u64) -> u64 {
    let queue = Queue::new(CAPACITY);
    std::thread::scope(|s| {
        let cooks: Vec<_> = (0..COOKS)
            .map(|i| {
                let queue = &queue;
                s.spawn(move || (0..share(items, i)).for_each(|n| queue.put(n)))
            })
            .collect();
        let eaters: Vec<_> = (0..EATERS)
            .map(|_| {
                s.spawn(|| {
                    std::iter::from_fn(|| Some(queue.get()))
                        .take_while(|&n| n != STOP)
                        .count() as u64
                })
            })
            .collect();
        cooks
            .into_iter()
            .for_each(|c| c.join().expect("a cook panicked"));
        (0..EATERS).for_each(|_| queue.put(STOP));
        eaters
            .into_iter()
            .map(|e| e.join().expect("an eater panicked"))
            .sum()
    })
}

fn restaurant_std(items: u64) -> u64 {
    let (sender, receiver) = mpsc::sync_channel(CAPACITY);
    // One consumer only: the eaters share the receiver behind a lock.
    let receiver = Mutex::new(receiver);
    std::thread::scope(|s| {
        for i in 0..COOKS {
            let sender = sender.clone();
            s.spawn(move || {
                (0..share(items, i))
                    .for_each(|n| sender.send(n).expect("open"));
            });
        }
        drop(sender);
        let eaters: Vec<_> = (0..EATERS)
            .map(|_| {
                s.spawn(|| {
                    let mut eaten = 0;
                    loop {
                        let next = receiver
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .recv();
                        match next {
                            Ok(n) => eaten += u64::from(n != STOP),
                            Err(_) => return eaten,
                        }
                    }
                })
            })
            .collect();
        eaters
            .into_iter()
            .map(|e| e.join().expect("an eater panicked"))
            .sum()
    })
}

fn restaurant_crossbeam(items: u64) -> u64 {
    let (sender, receiver) = crossbeam::channel::bounded(CAPACITY);
    std::thread::scope(|s| {
        for i in 0..COOKS {
            let sender = sender.clone();
            s.spawn(move || {
                (0..share(items, i))
                    .for_each(|n| sender.send(n).expect("open"));
            });
        }
        drop(sender);
        let eaters: Vec<_> = (0..EATERS)
            .map(|_| {
                let receiver = receiver.clone();
                s.spawn(move || receiver.iter().count() as u64)
            })
            .collect();
        eaters
            .into_iter()
            .map(|e| e.join().expect("an eater panicked"))
            .sum()
    })
}

fn restaurant_may(items: u64) -> u64 {
    crate::run::start_may();
    let (sender, receiver) = may::sync::mpmc::channel::<u64>();
    let room = Arc::new(may::sync::Semphore::new(CAPACITY));
    let mut cooks = Vec::new();
    for i in 0..COOKS {
        let (sender, room) = (sender.clone(), Arc::clone(&room));
        let body = move || {
            for n in 0..share(items, i) {
                room.wait();
                sender.send(n).expect("open");
            }
        };
        // SAFETY: `go!` hides may's `unsafe fn spawn`; the body holds no
        // thread-local across a park and fits may's stack.
        cooks.push(may::go!(body));
    }
    let mut eaters = Vec::new();
    for _ in 0..EATERS {
        let (receiver, room) = (receiver.clone(), Arc::clone(&room));
        let body = move || {
            let mut eaten = 0;
            while let Ok(n) = receiver.recv() {
                room.post();
                if n == STOP {
                    break;
                }
                eaten += 1;
            }
            eaten
        };
        // SAFETY: as for the cooks: no thread-local across a park.
        eaters.push(may::go!(body));
    }
    cooks
        .into_iter()
        .for_each(|c| c.join().expect("a cook panicked"));
    for _ in 0..EATERS {
        room.wait();
        sender.send(STOP).expect("open");
    }
    eaters
        .into_iter()
        .map(|e| e.join().expect("an eater panicked"))
        .sum()
}

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("start a tokio runtime to measure")
}

fn restaurant_tokio(items: u64) -> u64 {
    use tokio::sync::mpsc;
    tokio_runtime().block_on(async {
        let (sender, receiver) = mpsc::channel::<u64>(CAPACITY);
        let receiver = Arc::new(tokio::sync::Mutex::new(receiver));
        for i in 0..COOKS {
            let sender = sender.clone();
            tokio::spawn(async move {
                for n in 0..share(items, i) {
                    sender.send(n).await.expect("open");
                }
            });
        }
        drop(sender);
        let eaters: Vec<_> = (0..EATERS)
            .map(|_| {
                let receiver = Arc::clone(&receiver);
                tokio::spawn(async move {
                    let mut eaten = 0;
                    while receiver.lock().await.recv().await.is_some() {
                        eaten += 1;
                    }
                    eaten
                })
            })
            .collect();
        let mut total = 0;
        for eater in eaters {
            total += eater.await.expect("an eater panicked");
        }
        total
    })
}

/// One handoff, in nanoseconds: `round_trips` ping-pongs between two
/// threads (or coroutines, or tasks) over two queues of one item, halved.
pub fn handoff_ns(kind: QueueKind, round_trips: u64) -> f64 {
    let round_trips = round_trips.max(1);
    let start = Instant::now();
    match kind {
        QueueKind::Ours => ping_pong_ours(round_trips),
        QueueKind::Std => ping_pong_std(round_trips),
        QueueKind::Crossbeam => ping_pong_crossbeam(round_trips),
        QueueKind::May => ping_pong_may(round_trips),
        QueueKind::Tokio => ping_pong_tokio(round_trips),
    }
    start.elapsed().as_nanos() as f64 / (2 * round_trips) as f64
}

fn ping_pong_ours(round_trips: u64) {
    let (ping, pong) = (Queue::new(1), Queue::new(1));
    std::thread::scope(|s| {
        s.spawn(|| (0..round_trips).for_each(|_| pong.put(ping.get())));
        (0..round_trips).for_each(|n| {
            ping.put(n);
            pong.get();
        });
    });
}

fn ping_pong_std(round_trips: u64) {
    let (ping_tx, ping_rx) = mpsc::sync_channel(1);
    let (pong_tx, pong_rx) = mpsc::sync_channel(1);
    std::thread::scope(|s| {
        s.spawn(move || {
            for n in ping_rx {
                pong_tx.send(n).expect("open");
            }
        });
        for n in 0..round_trips {
            ping_tx.send(n).expect("open");
            pong_rx.recv().expect("open");
        }
        drop(ping_tx);
    });
}

fn ping_pong_crossbeam(round_trips: u64) {
    let (ping_tx, ping_rx) = crossbeam::channel::bounded(1);
    let (pong_tx, pong_rx) = crossbeam::channel::bounded(1);
    std::thread::scope(|s| {
        s.spawn(move || {
            for n in ping_rx {
                pong_tx.send(n).expect("open");
            }
        });
        for n in 0..round_trips {
            ping_tx.send(n).expect("open");
            pong_rx.recv().expect("open");
        }
        drop(ping_tx);
    });
}

fn ping_pong_may(round_trips: u64) {
    crate::run::start_may();
    let (ping_tx, ping_rx) = may::sync::mpsc::channel::<u64>();
    let (pong_tx, pong_rx) = may::sync::mpsc::channel::<u64>();
    let echo = move || {
        while let Ok(n) = ping_rx.recv() {
            pong_tx.send(n).expect("open");
        }
    };
    let server = move || {
        for n in 0..round_trips {
            ping_tx.send(n).expect("open");
            pong_rx.recv().expect("open");
        }
    };
    // SAFETY: `go!` hides may's `unsafe fn spawn`; neither body holds a
    // thread-local across a park, and both fit may's stack.
    let echo = may::go!(echo);
    // SAFETY: as above.
    let server = may::go!(server);
    server.join().expect("the pinging coroutine panicked");
    echo.join().expect("the echoing coroutine panicked");
}

fn ping_pong_tokio(round_trips: u64) {
    use tokio::sync::mpsc;
    tokio_runtime().block_on(async {
        let (ping_tx, mut ping_rx) = mpsc::channel::<u64>(1);
        let (pong_tx, mut pong_rx) = mpsc::channel::<u64>(1);
        let echo = tokio::spawn(async move {
            while let Some(n) = ping_rx.recv().await {
                pong_tx.send(n).await.expect("open");
            }
        });
        let pinger = tokio::spawn(async move {
            for n in 0..round_trips {
                ping_tx.send(n).await.expect("open");
                pong_rx.recv().await.expect("open");
            }
        });
        pinger.await.expect("the pinging task panicked");
        echo.await.expect("the echoing task panicked");
    });
}

/// Every figure, each the median of `rounds`: `items_per_sec_<queue>`
/// (unit `items/s`) moving `items` items, and `handoff_ns_<queue>` (unit
/// `ns`) over `round_trips` ping-pongs, for each queue.
pub fn measure(items: u64, round_trips: u64, rounds: usize) -> Vec<Figure> {
    let mut figures = Vec::new();
    for kind in QueueKind::ALL {
        let name = kind.to_string();
        let rate = shared::median(
            (0..rounds.max(1))
                .map(|_| items_per_sec(kind, items))
                .collect(),
        );
        figures.push(Figure::new(
            format!("items_per_sec_{name}"),
            rate,
            "items/s",
        ));
    }
    for kind in QueueKind::ALL {
        let name = kind.to_string();
        let ns = shared::median(
            (0..rounds.max(1))
                .map(|_| handoff_ns(kind, round_trips))
                .collect(),
        );
        figures.push(Figure::new(format!("handoff_ns_{name}"), ns, "ns"));
    }
    figures
}
