//! Lesson 08: Python's `queue.Queue`, by hand, on one `Mutex` and three
//! condition variables.
//!
//! **Python original.** The course's restaurant: `queue = Queue(10)`,
//! cooks `queue.put(elem)`, eaters `queue.get()`. CPython's `queue.py`
//! builds that class from one lock and three `threading.Condition`s
//! sharing it (`not_empty`, `not_full`, `all_tasks_done`); this file is
//! the same design in Rust.
//!
//! **Why three condition variables and not one.** A condition variable is
//! a waiting room: `notify_one` wakes *someone* in it, not someone who can
//! make progress. With one room for cooks waiting for space and eaters
//! waiting for food, a cook's `notify_one` after a `put` may wake another
//! cook (who sees a full queue and goes back to sleep), and the eater it
//! was meant for sleeps on: the wake-up is lost, and with two cooks, two
//! eaters and room for one meal, all four can end up asleep for ever.
//! `naive::OneCondvarQueue` is that queue, and shuttle finds the schedule
//! (`hunt --bug lost-wakeup`). With a room per condition, a notify only
//! ever wakes a thread waiting for exactly what just happened. (One room
//! with `notify_all` would be correct too, at the price of waking every
//! waiter on every put and get.)
//!
//! **Cost.** Every `put` and `get` takes the one lock, so cooks and eaters
//! take turns even on different ends of the queue; a `put` onto a queue
//! with a sleeping eater costs a futex wake (a system call) and the
//! eater's trip back through the OS scheduler. Two things keep the rest
//! cheap, as CPython's `Condition` does with its list of waiters: a
//! notify is skipped when nobody waits (std's `notify_one` is a system
//! call even then), and it is sent after the lock is released, so the
//! woken thread does not wake only to wait for the lock. Measured with
//! `measure` (3 cooks, 2 eaters, a queue of 10, on the course's 2-core
//! machine) the two together took the queue from about 330,000 to about
//! 1,000,000 items/s. A third, spinning and then yielding the core
//! before sleeping (`give_way`), took it to between 1.3 and 4.5 million
//! (1.9 to 4.6 times the binary without it, run in turn on a shared
//! machine). `measure` prints it next to std's, crossbeam's, may's and
//! tokio's channels.

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

use super::sync::{Condvar, Mutex, MutexGuard, PoisonError, thread};

// ANCHOR: state
/// A bounded FIFO queue between threads: Python's `queue.Queue`.
///
/// ```
/// use lesson_08_queue::Queue;
///
/// let queue = Queue::new(10); // queue = Queue(10)
/// queue.put(3); // queue.put(3)
/// assert_eq!(queue.qsize(), 1);
/// assert_eq!(queue.get(), 3); // elem = queue.get()
/// queue.task_done()?;
/// queue.join(); // every item put has been marked done
/// # Ok::<(), lesson_08_queue::TaskDoneTooOften>(())
/// ```
pub struct Queue<T> {
    /// The items and the count of unfinished tasks, behind the one lock
    /// every method takes.
    state: Mutex<State<T>>,
    /// Eaters wait here while the queue is empty; a `put` wakes one.
    not_empty: Condvar,
    /// Cooks wait here while the queue is full; a `get` wakes one.
    not_full: Condvar,
    /// `join` waits here until every item put has been marked done.
    all_tasks_done: Condvar,
    /// The capacity; 0 means unbounded, as in Python.
    maxsize: usize,
}

struct State<T> {
    items: VecDeque<T>,
    /// Items put and not yet marked done with `task_done`.
    unfinished_tasks: usize,
    /// Cooks asleep on `not_full`, eaters asleep on `not_empty`: a
    /// notify with nobody waiting is skipped, because std's `notify_one`
    /// is a system call (a futex wake) whether or not anyone sleeps.
    cooks_waiting: usize,
    eaters_waiting: usize,
}
// ANCHOR_END: state

/// How many times a cook facing a full queue, or an eater facing an empty
/// one, yields its core, once it has spun, before it sleeps on a
/// condition variable.
const YIELDS_BEFORE_SLEEP: u32 = 64;

/// `put` found the queue full (Python's `queue.Full`); the item is handed
/// back, so nothing is lost.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Full<T>(pub T);

/// `get` found the queue empty (Python's `queue.Empty`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Empty;

/// `task_done` was called more times than items were put (Python raises
/// `ValueError('task_done() called too many times')`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskDoneTooOften;

impl<T> fmt::Debug for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Full(..)")
    }
}

impl<T> fmt::Display for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is full")
    }
}

impl fmt::Display for Empty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is empty")
    }
}

impl fmt::Display for TaskDoneTooOften {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called too many times")
    }
}

impl<T> std::error::Error for Full<T> {}
impl std::error::Error for Empty {}
impl std::error::Error for TaskDoneTooOften {}

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("maxsize", &self.maxsize)
            .field("qsize", &self.qsize())
            .finish()
    }
}

impl<T> Queue<T> {
    /// A queue holding at most `maxsize` items; `Queue::new(0)` is
    /// unbounded, as `Queue(0)` is in Python (the demo refuses 0, where it
    /// would surprise).
    pub fn new(maxsize: usize) -> Queue<T> {
        Queue {
            state: Mutex::new(State {
                items: VecDeque::new(),
                unfinished_tasks: 0,
                cooks_waiting: 0,
                eaters_waiting: 0,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            all_tasks_done: Condvar::new(),
            maxsize,
        }
    }

    /// A panic in another thread while it held the lock leaves the state
    /// consistent (every method changes it in one step under the lock),
    /// so a poisoned lock is taken anyway.
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    // ANCHOR: give_way
    /// Takes the lock; while the caller would have to wait (`blocked`),
    /// lets go of the lock and looks again, a little later each time,
    /// before it goes to sleep: first spinning on the core for a few
    /// hundred cycles (crossbeam's `Backoff`, which its channels use the
    /// same way), then giving the core away with `yield_now`.
    ///
    /// Why: sleeping on a condition variable costs a futex wait, then
    /// the other side's futex wake, then a trip back through the OS
    /// scheduler, a few microseconds in all. On a busy queue the other
    /// side is usually about to act: an eater on the other core empties
    /// a slot within a spin, and one waiting for this thread's core runs
    /// in the moment a `yield_now` (one `sched_yield`) gives it. Only a
    /// thread that still finds nothing to do goes to sleep. CPython's
    /// `Condition` has no such phase: with the GIL, only one thread runs
    /// Python at a time, so there is nobody to spin for.
    fn give_way(
        &self,
        blocked: impl Fn(&State<T>) -> bool,
    ) -> MutexGuard<'_, State<T>> {
        let mut state = self.lock();
        let backoff = crossbeam::utils::Backoff::new();
        let mut yields = 0;
        while blocked(&state) && yields < YIELDS_BEFORE_SLEEP {
            drop(state);
            if backoff.is_completed() {
                yields += 1;
                thread::yield_now();
            } else {
                backoff.snooze();
            }
            state = self.lock();
        }
        state
    }
    // ANCHOR_END: give_way

    fn is_full(&self, state: &State<T>) -> bool {
        self.maxsize > 0 && state.items.len() >= self.maxsize
    }

    // ANCHOR: put
    /// Puts `item` at the back, waiting while the queue is full.
    pub fn put(&self, item: T) {
        let mut state = self.give_way(|s| self.is_full(s));
        // `while`, not `if`: a woken cook must look again. Another cook
        // may have filled the slot between the notify and this thread
        // getting the lock back, and condition variables may also wake
        // a thread for no reason at all (a spurious wake-up).
        while self.is_full(&state) {
            state.cooks_waiting += 1;
            state = self
                .not_full
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            state.cooks_waiting -= 1;
        }
        self.push(state, item);
    }

    /// The end of every put: the item goes in, one more task is open,
    /// and one waiting eater (if any) is woken. The decision to wake is
    /// made under the lock, where an eater counts itself in before it
    /// sleeps, so no eater can fall asleep unseen.
    fn push(&self, mut state: MutexGuard<'_, State<T>>, item: T) {
        state.items.push_back(item);
        state.unfinished_tasks += 1;
        let wake = state.eaters_waiting > 0;
        // Unlock first: the woken eater's first act is to take the lock,
        // so waking it while still holding the lock makes it wait again.
        drop(state);
        if wake {
            self.not_empty.notify_one();
        }
    }
    // ANCHOR_END: put

    // ANCHOR: get
    /// Takes the item at the front, waiting while the queue is empty.
    pub fn get(&self) -> T {
        let mut state = self.give_way(|s| s.items.is_empty());
        while state.items.is_empty() {
            state.eaters_waiting += 1;
            state = self
                .not_empty
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            state.eaters_waiting -= 1;
        }
        self.pop(state)
    }

    /// The end of every get: one slot is free, so one waiting cook (if
    /// any) is woken. Only cooks wait on `not_full`: this notify cannot
    /// be spent on another eater.
    fn pop(&self, mut state: MutexGuard<'_, State<T>>) -> T {
        let item = state.items.pop_front().expect("checked non-empty");
        let wake = state.cooks_waiting > 0;
        drop(state);
        if wake {
            self.not_full.notify_one();
        }
        item
    }
    // ANCHOR_END: get

    /// Puts `item` if there is room now, else hands it back
    /// (`put_nowait`, or `put(item, block=False)`).
    pub fn try_put(&self, item: T) -> Result<(), Full<T>> {
        let state = self.lock();
        if self.is_full(&state) {
            return Err(Full(item));
        }
        self.push(state, item);
        Ok(())
    }

    /// Takes an item if there is one now (`get_nowait`).
    pub fn try_get(&self) -> Result<T, Empty> {
        let state = self.lock();
        if state.items.is_empty() {
            return Err(Empty);
        }
        Ok(self.pop(state))
    }

    /// Puts `item`, waiting at most `timeout` for room
    /// (`put(item, timeout=...)`); a full queue hands the item back.
    pub fn put_timeout(
        &self,
        item: T,
        timeout: Duration,
    ) -> Result<(), Full<T>> {
        let deadline = Instant::now() + timeout;
        let mut state = self.lock();
        while self.is_full(&state) {
            // Wake-ups may be spurious or spent by another cook: wait
            // only for what is left of the timeout, not all of it again.
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Full(item));
            }
            state.cooks_waiting += 1;
            state = self
                .not_full
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            state.cooks_waiting -= 1;
        }
        self.push(state, item);
        Ok(())
    }

    /// Takes an item, waiting at most `timeout` for one
    /// (`get(timeout=...)`).
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, Empty> {
        let deadline = Instant::now() + timeout;
        let mut state = self.lock();
        while state.items.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Empty);
            }
            state.eaters_waiting += 1;
            state = self
                .not_empty
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            state.eaters_waiting -= 1;
        }
        Ok(self.pop(state))
    }

    /// How many items the queue holds *now*. By the time the caller
    /// looks at the number, another thread may have changed it: use it to
    /// print, never to decide (see `naive::put_if_room`).
    pub fn qsize(&self) -> usize {
        self.lock().items.len()
    }

    /// The capacity given to [`Queue::new`] (0: unbounded).
    pub fn maxsize(&self) -> usize {
        self.maxsize
    }

    // ANCHOR: join
    /// Marks one item taken with `get` as done. Called more times than
    /// items were put, it changes nothing and returns the error value
    /// (Python raises `ValueError`).
    pub fn task_done(&self) -> Result<(), TaskDoneTooOften> {
        let mut state = self.lock();
        if state.unfinished_tasks == 0 {
            return Err(TaskDoneTooOften);
        }
        state.unfinished_tasks -= 1;
        if state.unfinished_tasks == 0 {
            // Every joiner can go now, not just one: `notify_all`.
            self.all_tasks_done.notify_all();
        }
        Ok(())
    }

    /// Waits until every item ever put has been marked done.
    pub fn join(&self) {
        let mut state = self.lock();
        while state.unfinished_tasks > 0 {
            state = self
                .all_tasks_done
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
    // ANCHOR_END: join
}
