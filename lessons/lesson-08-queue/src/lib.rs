//! Lesson 08: cooks and eaters around a bounded queue, the queue built by
//! hand, and its races found on demand.
//!
//! **Python original.** The course's restaurant: `queue = Queue(10)`;
//! three `Producer` threads loop `elem = random.randrange(9)`,
//! `queue.put(elem)`, print `厨师 {name} 做了 {elem} 饭 --- 还剩 {qsize}
//! 饭没卖完` and sleep `random.random()` seconds; two `Consumer` threads
//! loop `elem = queue.get()`, print `吃货{name} 吃了 {elem} 饭 --- 还有
//! {qsize} 饭可以吃` and sleep. The threads keep Python's default names,
//! `Thread-1` … `Thread-5`. A cook finding ten meals unsold waits; an
//! eater finding none waits. The original runs for ever; ours stops after
//! `--meals` meals.
//!
//! **Rust mapping.**
//!
//! | Python | Rust |
//! |---|---|
//! | `Queue(10)` | [`Queue::new(10)`](Queue::new); `Queue(0)` is [`Queue::new(0)`](Queue::new), unbounded |
//! | `q.put(x)`, `q.get()` | [`Queue::put`], [`Queue::get`] (wait while full, empty) |
//! | `put(x, timeout=t)`, `get(timeout=t)` | [`Queue::put_timeout`], [`Queue::get_timeout`] |
//! | `put_nowait`, `get_nowait` | [`Queue::try_put`], [`Queue::try_get`] |
//! | `queue.Full`, `queue.Empty` | the values [`Full`] (with the item back), [`Empty`] |
//! | `q.qsize()` | [`Queue::qsize`] |
//! | `q.task_done()`, `q.join()` | [`Queue::task_done`] (too often: [`TaskDoneTooOften`]), [`Queue::join`] |
//! | `threading.Lock` + three `Condition`s | one `Mutex` + three `Condvar`s |
//! | `threading.Thread(...).start()` | `std::thread::scope` + `spawn` |
//!
//! One file per idea:
//!
//! - `queue.rs`: [`Queue`], CPython's `queue.py` in Rust: one lock, three
//!   condition variables, and why one is not enough.
//! - `sync.rs` and `checked.rs`: the queue's `Mutex` and `Condvar` come
//!   from a module that is `std` for the shipped queue and shuttle in
//!   [`checked`], where the same source file is compiled again, so the
//!   queue shuttle tests is the queue the demo runs.
//! - `naive.rs` ([`checked::naive`]): **wrong** queues kept to be caught:
//!   one condition variable with `notify_one` (a lost wake-up, then a
//!   deadlock) and check-then-put on `qsize()` (an overfilled queue).
//! - `hunt.rs`: the small restaurants shuttle runs ([`lost_wakeup`],
//!   [`overfill`], [`queue`]), [`hunt`] and [`replay`].
//! - `pass.rs`: the demo's queue behind one trait, [`Pass`], on ours,
//!   `std::sync::mpsc::sync_channel`, crossbeam's `bounded` and may's
//!   channel bounded by a semaphore ([`MayPass`]); `on_tokio.rs`: the
//!   same cooks and eaters as tokio tasks on `tokio::sync::mpsc`.
//! - `run.rs`: one run of the demo ([`run`], [`Config`], [`Lang`],
//!   [`QueueKind`]); `dice.rs`: Python's `randrange` and `random` from a
//!   seed ([`Dice`]); `measure.rs`: items per second and one handoff, per
//!   queue ([`measure`]).
//!
//! **Run it.**
//!
//! ```text
//! cargo run -p lesson-08-queue                     # the course's lines
//! cargo run -p lesson-08-queue -- --lang en --seed 1 --timeline
//! cargo run -p lesson-08-queue -- --queue crossbeam --meals 30
//! cargo run -p lesson-08-queue -- --eat-scale 0.3 --timeline  # cooks wait
//! cargo run -p lesson-08-queue -- hunt --bug lost-wakeup
//! cargo run -p lesson-08-queue -- hunt --bug overfill --strategy pct
//! cargo run --release -p lesson-08-queue -- measure
//! ```
//!
//! **What to notice.**
//!
//! - The count a line prints is `qsize()` read *after* the `put` or
//!   `get`, under the lock again: another thread may have run in between,
//!   so two cooks can print the same count, or a cook can print a count
//!   that already includes an eater's get. The number is true for an
//!   instant and then stale; deciding anything on it is the overfill bug.
//! - A full queue does not lose meals or spin: the cook *sleeps* on a
//!   condition variable until an eater's `get` wakes exactly one cook
//!   (`--timeline` shows the `full` spans); an empty queue does the same
//!   for eaters (`empty`).
//! - `join` is how the restaurant closes: it returns when every meal put
//!   has been marked done, then one stop value per eater ends them. The
//!   channels have no such count; closing there is "no more senders".
//! - `hunt` finds in milliseconds interleavings that a plain test hits
//!   once in a long while: shuttle, not the OS, picks who runs next.

pub mod checked;
mod dice;
mod hunt;
mod measure;
mod on_tokio;
mod pass;
mod queue;
#[cfg(test)]
mod queue_tests;
mod run;
mod sync;

pub use dice::Dice;
pub use hunt::{
    Found, Scenario, Strategy, hunt, lost_wakeup, overfill, queue, replay,
    story,
};
pub use measure::{
    CAPACITY, COOKS, EATERS, handoff_ns, items_per_sec, measure,
};
pub use pass::{CrossbeamPass, MayPass, Meal, Order, Pass, StdPass};
pub use queue::{Empty, Full, Queue, TaskDoneTooOften};
pub use run::{Config, Lang, QueueKind, Run, run};
