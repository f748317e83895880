//! Lesson 08: two ways to get a bounded queue wrong, kept compiled and
//! **labelled wrong**, for shuttle to find.
//!
//! They live only in [`crate::checked`], on shuttle's types: they are
//! here to be caught, not shipped.
//!
//! - [`OneCondvarQueue`]: one condition variable for "not full" and "not
//!   empty", woken with `notify_one`. **Wrong:** a notify meant for an
//!   eater can wake a cook, and is lost; with two cooks, two eaters and
//!   room for one, every thread can end up waiting. Shuttle reports the
//!   deadlock.
//! - [`put_if_room`]: "check, then act": look at `qsize()`, and put if it
//!   is below the limit, on an unbounded queue. **Wrong:** two cooks can
//!   both see room for one and both put. The queue overfills.

use std::collections::VecDeque;

use super::Queue;
use super::sync::{Condvar, Mutex, PoisonError, thread};

// ANCHOR: one_condvar
/// **Wrong.** A bounded queue with one condition variable for both
/// kinds of waiter, and `notify_one`.
#[derive(Debug)]
pub struct OneCondvarQueue<T> {
    items: Mutex<VecDeque<T>>,
    changed: Condvar,
    maxsize: usize,
}

impl<T> OneCondvarQueue<T> {
    /// Puts `item`, waiting while the queue holds `maxsize`.
    pub fn put(&self, item: T) {
        let mut items =
            self.items.lock().unwrap_or_else(PoisonError::into_inner);
        while items.len() >= self.maxsize {
            items = self
                .changed
                .wait(items)
                .unwrap_or_else(PoisonError::into_inner);
        }
        items.push_back(item);
        // Meant for an eater; may wake a cook, who goes back to sleep.
        self.changed.notify_one();
    }

    /// Takes an item, waiting while the queue is empty.
    pub fn get(&self) -> T {
        let mut items =
            self.items.lock().unwrap_or_else(PoisonError::into_inner);
        while items.is_empty() {
            items = self
                .changed
                .wait(items)
                .unwrap_or_else(PoisonError::into_inner);
        }
        let item = items.pop_front().expect("checked non-empty");
        // Meant for a cook; may wake an eater, who goes back to sleep.
        self.changed.notify_one();
        item
    }
}
// ANCHOR_END: one_condvar

impl<T> OneCondvarQueue<T> {
    /// An empty queue with room for `maxsize` items (at least 1).
    pub fn new(maxsize: usize) -> OneCondvarQueue<T> {
        OneCondvarQueue {
            items: Mutex::new(VecDeque::new()),
            changed: Condvar::new(),
            maxsize: maxsize.max(1),
        }
    }

    /// How many items it holds now.
    pub fn qsize(&self) -> usize {
        self.items
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

// ANCHOR: put_if_room
/// **Wrong.** Puts `item` on an unbounded `queue` once `qsize()` says
/// there is room below `max`. Between the look and the put, another cook
/// can take the same room.
pub fn put_if_room<T>(queue: &Queue<T>, max: usize, item: T) {
    loop {
        if queue.qsize() < max {
            // Another thread may run right here, and see the same room.
            queue.put(item);
            return;
        }
        thread::yield_now();
    }
}
// ANCHOR_END: put_if_room
