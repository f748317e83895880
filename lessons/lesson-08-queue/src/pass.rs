//! Lesson 08: the pass between kitchen and tables, on each kind of queue.
//!
//! The demo's cooks and eaters do not care which queue carries the meals:
//! they `put` and `get` through a [`Pass`]. Each implementation first
//! tries without waiting, and only when that fails waits for real inside
//! a span on the caller's lane, so the timeline shows *who waited, for
//! what*: a cook's `full` span (the queue held its capacity when the cook
//! arrived) or an eater's `empty` span. The trying is the observer; the
//! waiting is the queue's own.
//!
//! **Rust mapping.**
//!
//! | the restaurant | [`Queue`] | `sync_channel(10)` | crossbeam `bounded(10)` | may |
//! |---|---|---|---|---|
//! | put, wait while full | `put` | `send` | `send` | `room.wait()`, then `send` |
//! | get, wait while empty | `get` | `recv` | `recv` | `recv`, then `room.post()` |
//! | `qsize()` | `qsize` | counted by hand | `len` | capacity − free permits |
//! | two eaters | share the queue | share the `Receiver` behind a `Mutex` | clone the `Receiver` | clone the `Receiver` |
//!
//! may has no bounded channel: its `mpmc::channel` never makes a sender
//! wait. The bound is built from what may offers, a counting semaphore
//! (`may::sync::Semphore`, spelled so) with one permit per place: a cook
//! takes a permit before sending, an eater gives one back after
//! receiving. A cook with no permit parks as a coroutine, and its worker
//! thread runs someone else.

use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::{Mutex, PoisonError, mpsc};

use shared::{Lane, State};

use crate::Queue;

/// One meal: its number in the run (each is made once; tests check each
/// is eaten once) and the `elem` the cook rolled, which the lines print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meal {
    /// 1, 2, … in the order cooks started making them.
    pub number: u32,
    /// `random.randrange(9)`.
    pub elem: u32,
}

/// What goes through the pass: a meal, or `None`, the stop value that
/// tells one eater the restaurant is closing.
pub type Order = Option<Meal>;

/// A queue of [`Order`]s between cooks and eaters.
pub trait Pass: Send + Sync {
    /// Puts `order`, waiting (in a `full` span on `lane`) while full.
    fn put(&self, order: Order, lane: &Lane);
    /// Takes the next order, waiting (in an `empty` span on `lane`) while
    /// there is none.
    fn get(&self, lane: &Lane) -> Order;
    /// How many orders it holds now, as the lines print it.
    fn qsize(&self) -> usize;
    /// Marks an order taken with `get` as handled (`Queue::task_done`).
    /// The channels have no such count: a no-op.
    fn task_done(&self) {}
    /// Waits until every order put has been handled (`Queue::join`). The
    /// channels have no such count: returns at once, and the demo's
    /// cooks-then-stop-values order is what ends their eaters.
    fn join(&self) {}
}

impl Pass for Queue<Order> {
    fn put(&self, order: Order, lane: &Lane) {
        if let Err(crate::Full(order)) = self.try_put(order) {
            let _full = lane.span(State::Blocked, "full");
            Queue::put(self, order);
        }
    }

    fn get(&self, lane: &Lane) -> Order {
        self.try_get().unwrap_or_else(|crate::Empty| {
            let _empty = lane.span(State::Waiting, "empty");
            Queue::get(self)
        })
    }

    fn qsize(&self) -> usize {
        Queue::qsize(self)
    }

    fn task_done(&self) {
        // The demo calls it once per get: never too often.
        let _ = Queue::task_done(self);
    }

    fn join(&self) {
        Queue::join(self);
    }
}

/// `std::sync::mpsc::sync_channel(capacity)`. Its `Receiver` is for one
/// consumer only, so the two eaters share it behind a `Mutex`: the eater
/// holding it waits in `recv`, the other waits for the lock. It has no
/// `len`, so `held` counts sends minus receives, each counted just after
/// it happened: a receive can be counted before the send it took, so the
/// count can run one or two behind or ahead of the channel (it is shown
/// as 0 when below), never drifting.
#[derive(Debug)]
pub struct StdPass {
    sender: mpsc::SyncSender<Order>,
    receiver: Mutex<mpsc::Receiver<Order>>,
    held: AtomicIsize,
}

impl StdPass {
    /// A channel with room for `capacity` orders.
    pub fn new(capacity: usize) -> StdPass {
        let (sender, receiver) = mpsc::sync_channel(capacity);
        StdPass {
            sender,
            receiver: Mutex::new(receiver),
            held: AtomicIsize::new(0),
        }
    }
}

impl Pass for StdPass {
    fn put(&self, order: Order, lane: &Lane) {
        if let Err(mpsc::TrySendError::Full(order)) =
            self.sender.try_send(order)
        {
            let _full = lane.span(State::Blocked, "full");
            self.sender.send(order).expect("the pass owns the receiver");
        }
        self.held.fetch_add(1, Ordering::SeqCst);
    }

    fn get(&self, lane: &Lane) -> Order {
        let receiver =
            self.receiver.lock().unwrap_or_else(PoisonError::into_inner);
        let order = receiver.try_recv().unwrap_or_else(|_| {
            let _empty = lane.span(State::Waiting, "empty");
            receiver.recv().expect("the pass owns a sender")
        });
        // A put counts after its send: never below zero here for long,
        // but saturate rather than wrap if a get overtakes the count.
        let _ =
            self.held
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                    Some(n.saturating_sub(1))
                });
        order
    }

    fn qsize(&self) -> usize {
        usize::try_from(self.held.load(Ordering::SeqCst)).unwrap_or(0)
    }
}

/// `crossbeam::channel::bounded(capacity)`: many senders, many
/// receivers, and a `len`.
#[derive(Debug)]
pub struct CrossbeamPass {
    sender: crossbeam::channel::Sender<Order>,
    receiver: crossbeam::channel::Receiver<Order>,
}

impl CrossbeamPass {
    /// A channel with room for `capacity` orders.
    pub fn new(capacity: usize) -> CrossbeamPass {
        let (sender, receiver) = crossbeam::channel::bounded(capacity);
        CrossbeamPass { sender, receiver }
    }
}

impl Pass for CrossbeamPass {
    fn put(&self, order: Order, lane: &Lane) {
        use crossbeam::channel::TrySendError;
        if let Err(TrySendError::Full(order)) = self.sender.try_send(order) {
            let _full = lane.span(State::Blocked, "full");
            self.sender.send(order).expect("the pass owns a receiver");
        }
    }

    fn get(&self, lane: &Lane) -> Order {
        self.receiver.try_recv().unwrap_or_else(|_| {
            let _empty = lane.span(State::Waiting, "empty");
            self.receiver.recv().expect("the pass owns a sender")
        })
    }

    fn qsize(&self) -> usize {
        self.receiver.len()
    }
}

/// may's unbounded `mpmc::channel`, bounded by a semaphore with one
/// permit per place. For may coroutines: its waits park the coroutine,
/// not the thread. may's `Sender` is not `Sync`, so the cooks share it
/// behind a `Mutex` (held only for a `send`, which never waits).
pub struct MayPass {
    sender: Mutex<may::sync::mpmc::Sender<Order>>,
    receiver: may::sync::mpmc::Receiver<Order>,
    room: may::sync::Semphore,
    capacity: usize,
}

impl std::fmt::Debug for MayPass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MayPass")
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl MayPass {
    /// A channel and a semaphore with `capacity` permits.
    pub fn new(capacity: usize) -> MayPass {
        let (sender, receiver) = may::sync::mpmc::channel();
        MayPass {
            sender: Mutex::new(sender),
            receiver,
            room: may::sync::Semphore::new(capacity),
            capacity,
        }
    }
}

impl MayPass {
    /// A receiving end for one eater. may's `Receiver` is `Send` but not
    /// `Sync`, and its channel is multi-consumer: each eater takes a
    /// clone rather than sharing one.
    pub fn receiver(&self) -> may::sync::mpmc::Receiver<Order> {
        self.receiver.clone()
    }
}

impl MayPass {
    /// Puts `order`: a permit first (parking while none is free), then
    /// the send, which never waits.
    pub fn put(&self, order: Order, lane: &Lane) {
        if !self.room.try_wait() {
            let _full = lane.span(State::Blocked, "full");
            self.room.wait();
        }
        self.sender
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(order)
            .expect("the pass owns a receiver");
    }

    /// Takes the next order on `receiver`, then frees its place.
    pub fn get(
        &self,
        receiver: &may::sync::mpmc::Receiver<Order>,
        lane: &Lane,
    ) -> Order {
        let order = receiver.try_recv().unwrap_or_else(|_| {
            let _empty = lane.span(State::Waiting, "empty");
            receiver.recv().expect("the pass owns a sender")
        });
        self.room.post();
        order
    }

    /// Places taken: the capacity minus the free permits.
    pub fn qsize(&self) -> usize {
        self.capacity.saturating_sub(self.room.get_value())
    }
}
