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
use std::sync::Mutex as StoryLock;

use super::Queue;
use std::sync::LockResult;

use super::sync::{Condvar, Mutex, MutexGuard, PoisonError, thread};

/// What the naive queues did, step by step, while a replay records it:
/// `None` when nobody is recording (every hunt's schedule but the one
/// replayed for its story). A std lock: shuttle runs one thread at a
/// time, and nothing waits while holding it.
static STORY: StoryLock<Option<Vec<String>>> = StoryLock::new(None);

/// Records `what` the current (shuttle) thread did, if recording. The
/// closure only formats values already computed: calling the queue from
/// it would add scheduling points, and a replay would no longer follow
/// the schedule it replays.
pub(crate) fn tell(what: impl FnOnce() -> String) {
    let mut story = STORY.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(lines) = story.as_mut() {
        let me = thread::current();
        let who = me.name().unwrap_or("main");
        lines.push(format!("{who}: {}", what()));
    }
}

/// Starts recording the naive queues' steps.
pub fn record_story() {
    *STORY.lock().unwrap_or_else(PoisonError::into_inner) = Some(Vec::new());
}

/// Stops recording, and returns the steps recorded.
pub fn take_story() -> Vec<String> {
    let mut story = STORY.lock().unwrap_or_else(PoisonError::into_inner);
    story.take().unwrap_or_default()
}

// ANCHOR: one_condvar
/// **Wrong.** A bounded queue with one condition variable for both
/// kinds of waiter, and `notify_one`.
#[derive(Debug)]
pub struct OneCondvarQueue<T> {
    items: Mutex<VecDeque<T>>,
    changed: Told,
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
            changed: Told(Condvar::new()),
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

/// The naive queue's condition variable: shuttle's, telling the story
/// of every wait, wake-up and notify while a replay records it.
#[derive(Debug)]
struct Told(Condvar);

impl Told {
    fn wait<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
    ) -> LockResult<MutexGuard<'a, T>> {
        tell(|| "waits".to_owned());
        let woken = self.0.wait(guard);
        tell(|| "wakes up".to_owned());
        woken
    }

    fn notify_one(&self) {
        tell(|| "notify_one".to_owned());
        self.0.notify_one();
    }
}

// ANCHOR: put_if_room
/// **Wrong.** Puts `item` on an unbounded `queue` once `qsize()` says
/// there is room below `max`. Between the look and the put, another cook
/// can take the same room.
pub fn put_if_room<T>(queue: &Queue<T>, max: usize, item: T) {
    loop {
        let held = queue.qsize();
        if held < max {
            tell(|| format!("sees {held} < {max}: room"));
            // Another thread may run right here, and see the same room.
            queue.put(item);
            tell(|| "puts".to_owned());
            return;
        }
        thread::yield_now();
    }
}
// ANCHOR_END: put_if_room
