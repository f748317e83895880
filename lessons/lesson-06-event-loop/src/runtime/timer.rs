//! Timers: a heap of deadlines, consulted for the reactor's timeout.
//!
//! There is no timer thread. A sleeping task leaves `(deadline, waker)` in
//! a min-heap; before each `epoll_wait` the executor wakes every entry
//! whose deadline has passed and passes the time until the *earliest*
//! remaining one as the wait's timeout. So one `epoll_wait` waits for
//! sockets and for the next timer at the same time.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

// ANCHOR: timer_entry
/// One sleeping task: when to wake it, and how.
struct Entry {
    deadline: Instant,
    // Ties are broken by arrival: two sleeps with the same deadline wake
    // in the order they were started, so runs are reproducible.
    seq: u64,
    waker: Waker,
}
// ANCHOR_END: timer_entry

impl PartialEq for Entry {
    fn eq(&self, other: &Entry) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Entry) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Entry) -> Ordering {
        (self.deadline, self.seq).cmp(&(other.deadline, other.seq))
    }
}

// ANCHOR: timers
/// Every pending deadline; the earliest on top.
#[derive(Default)]
pub(crate) struct Timers {
    // `BinaryHeap` is a max-heap; `Reverse` makes it give the earliest.
    heap: BinaryHeap<Reverse<Entry>>,
    seq: u64,
}

impl Timers {
    /// Wakes `waker` at `deadline` (or on the first turn after it).
    pub(crate) fn add(&mut self, deadline: Instant, waker: Waker) {
        self.seq += 1;
        let seq = self.seq;
        self.heap.push(Reverse(Entry {
            deadline,
            seq,
            waker,
        }));
    }

    /// The earliest deadline still pending: what bounds `epoll_wait`.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse(entry)| entry.deadline)
    }

    /// Takes every entry due at `now`, earliest first, and returns their
    /// wakers in that order, so the tasks run in deadline order.
    pub(crate) fn expired(&mut self, now: Instant) -> Vec<Waker> {
        let mut due = Vec::new();
        while let Some(Reverse(entry)) = self.heap.peek() {
            if entry.deadline > now {
                break;
            }
            if let Some(Reverse(entry)) = self.heap.pop() {
                due.push(entry.waker);
            }
        }
        due
    }
}
// ANCHOR_END: timers

// ANCHOR: sleep
/// The future of [`sleep`]: ready once its deadline has passed.
#[derive(Debug)]
#[must_use = "a sleep does nothing unless awaited"]
pub struct Sleep {
    deadline: Instant,
    // The waker we left in the heap, if any: registering once is enough,
    // unless the task polling us changes (then the old entry only causes
    // a spurious wake-up, and we add one for the new waker).
    registered: Option<Waker>,
}

/// Sleeps for `duration` without blocking the thread: the task is parked
/// and the thread runs others. gevent's `gevent.sleep`, asyncio's
/// `asyncio.sleep`, tokio's `tokio::time::sleep`.
///
/// Like `gevent.sleep(0)`, even a zero sleep gives way once: it always
/// returns `Pending` on its first poll, so every other ready task runs
/// before it resumes.
///
/// # Panics
///
/// When polled outside [`Runtime::block_on`](crate::runtime::Runtime).
pub fn sleep(duration: Duration) -> Sleep {
    let now = Instant::now();
    let deadline = now
        .checked_add(duration)
        .unwrap_or(now + Duration::from_secs(86_400 * 365));
    Sleep {
        deadline,
        registered: None,
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // Already in the heap and the deadline has passed: done.
        if self.registered.is_some() && Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        let same = self
            .registered
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()));
        if !same {
            let deadline = self.deadline;
            super::with_current(|rt| {
                rt.timers.borrow_mut().add(deadline, cx.waker().clone());
            });
            self.registered = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}
// ANCHOR_END: sleep

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::task::Wake;

    /// A waker that records its name when woken.
    struct Named(&'static str, Arc<Mutex<Vec<&'static str>>>);

    impl Wake for Named {
        fn wake(self: Arc<Self>) {
            self.1.lock().unwrap().push(self.0);
        }
    }

    #[test]
    fn equal_deadlines_wake_in_arrival_order_and_later_ones_wait() {
        let woken = Arc::new(Mutex::new(Vec::new()));
        let waker = |name| Waker::from(Arc::new(Named(name, woken.clone())));
        let now = Instant::now();
        let later = now + Duration::from_secs(60);
        let mut timers = Timers::default();
        timers.add(later, waker("late"));
        for name in ["first", "second", "third"] {
            timers.add(now, waker(name));
        }
        assert_eq!(timers.next_deadline(), Some(now));
        for w in timers.expired(now) {
            w.wake();
        }
        assert_eq!(*woken.lock().unwrap(), ["first", "second", "third"]);
        assert_eq!(timers.next_deadline(), Some(later));
    }
}
