//! Lesson 03: the course's gevent programs on `may`: stackful coroutines
//! on may's own scheduler of worker threads.
//!
//! **Python original.** The course's gevent demo,
//! `gevent.joinall([gevent.spawn(foo), gevent.spawn(bar),
//! gevent.spawn(func3)])`, and the timing demo `task(pid)` that sleeps
//! 0.5 s, run by `synchronous()` and then by `asynchronous()`.
//!
//! **Rust mapping.** `gevent.spawn(f)` is [`spawn`] (may's `go!`),
//! `gevent.joinall(tasks)` is [`joinall`], `gevent.sleep(d)` is [`sleep`]
//! (`may::coroutine::sleep`, or `yield_now` for a zero sleep).
//!
//! What `go!` allocates: a whole coroutine, the same kind of object as a
//! greenlet. It takes a prepared stack from may's pool (an `mmap`ed region
//! with a guard page below it, [`STACK_WORDS`] machine words long) and
//! writes the closure onto it, plus a few small heap objects (the join
//! handle's result slot and panic slot). Then it queues the coroutine
//! and wakes a worker by writing to that worker's `eventfd`: one system
//! call per spawn, may's largest fixed cost. A finished coroutine goes
//! back to the pool (up to [`POOL_CAPACITY`] of them); past the pool, a
//! spawn maps a fresh stack and its exit unmaps it, several times dearer.
//! Only the pages a coroutine touches become resident memory (one or
//! two), however big its stack.
//!
//! What differs from gevent: may has *several* OS threads. A coroutine
//! runs on one of `workers` worker threads (work-stealing between them),
//! and a coroutine whose timer fired is resumed by may's *timer thread*,
//! where it runs until its next sleep or yield (a test run shows it: the
//! thread id after `sleep` is not the one before). With `workers = 1` the
//! schedule is still gevent's: the one worker runs the coroutines in spawn
//! order, and every switch happens at a sleep or a yield. But even then a
//! coroutine can wake on another thread, which is why may forbids holding
//! thread-local storage across a yield.
//!
//! The worker count is may's *global* configuration
//! (`may::config().set_workers`), read once when the scheduler starts on
//! first use. So it is fixed per process: [`start`] remembers it, and a
//! later call asking for a different count is a clear error, never a
//! silent change. That is why the tests for several workers are a test
//! binary of their own (another process).
//!
//! The blocking pitfall: `std::thread::sleep` inside a coroutine does not
//! switch to another coroutine; it stops the worker thread, and with it
//! every coroutine queued on that worker (and if it runs right after a
//! sleep, on the timer thread, it delays every timer). The fixes: call
//! may's own [`sleep`] (it parks the coroutine on a timer and frees the
//! worker), or give may more workers, so the others can run (or steal
//! work) while one is stuck. may has no `spawn_blocking`.

use std::sync::OnceLock;
use std::time::Duration;

use may::coroutine::{self, JoinHandle};

use crate::{Runtime, TaskError, panic_in};

mod demo;

pub use demo::{Spawner, gevent_demo, tasks_demo};

/// The stack of every coroutine, in machine *words* as may counts it
/// (`set_stack_size` takes words, not bytes): 0x1000 words = 32 KiB on a
/// 64-bit machine. It is may's default, set here so the choice is visible.
///
/// It bounds what a task may do: printing, formatting a line and taking
/// the trace's lock need a few KiB; a panic's unwinding a few more. A
/// stack overflow is caught by the guard page (a segfault, not a silent
/// corruption), so size it for the code, with room to spare. The size
/// costs address space, not memory: untouched pages are never resident.
pub const STACK_WORDS: usize = 0x1000;

/// How many finished coroutines (stack and registers, ready to reuse) may
/// keeps. may fills the pool when its scheduler starts, so this many
/// stacks are `mmap`ed up front. Each pooled or live coroutine keeps two
/// pages of its stack resident (measured here: about 9.5 KiB per live
/// coroutine with may's bookkeeping; a gevent greenlet, 4.4 to 8.3 KiB),
/// so the pool alone is about 9 MiB. A spawn beyond it maps a fresh stack
/// (two system calls: `mmap` and the guard page's `mprotect`) and its exit
/// unmaps it again.
pub const POOL_CAPACITY: usize = 1000;

/// The most coroutines [`Spawner::spawn_join`] keeps alive at once: the
/// pool's capacity. Past it, `spawn_join` joins the oldest task before
/// spawning the next, so every spawn takes a warm stack from the pool.
///
/// Why a window at all: without it, a spawning loop outruns the worker,
/// thousands of coroutines are alive at once, and every one beyond the
/// pool maps a fresh stack and unmaps it at exit (three system calls and
/// a page fault: several microseconds a spawn instead of about one).
pub const MAX_LIVE: usize = POOL_CAPACITY;

/// How many may coroutines this process can hold alive at once.
///
/// Each live coroutine's stack is its own memory mapping plus a guard
/// page: two entries in the kernel's list of mappings, which Linux caps
/// per process (`/proc/sys/vm/max_map_count`, 65,530 by default). Past
/// that, `mmap` fails and may panics; so the `tasks` demo refuses a count
/// above this (half the cap, less a margin for the rest of the process).
/// Go and tokio have no such cap: their tasks live on the heap.
pub fn max_live() -> usize {
    let cap = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()
        .and_then(|text| text.trim().parse::<usize>().ok())
        .unwrap_or(65_530);
    cap.saturating_sub(4_096) / 2
}

/// The worker count may's scheduler was configured with, once.
static WORKERS: OnceLock<usize> = OnceLock::new();

/// Configures may's scheduler with `workers` worker threads (1 to 64),
/// once per process. Calling it again with the same count is fine; with
/// another count it is an error, because may reads its configuration
/// only when the scheduler starts.
pub fn start(workers: usize) -> shared::Result<()> {
    Runtime::May.check_workers(workers)?;
    let running = *WORKERS.get_or_init(|| configure(workers));
    if running == workers {
        Ok(())
    } else {
        Err(format!(
            "may's scheduler already runs {running} worker(s); its worker \
             count is fixed when it starts: run another process for \
             {workers}"
        )
        .into())
    }
}

/// Sets may's global configuration; its scheduler reads it when it
/// starts, on the first spawn.
fn configure(workers: usize) -> usize {
    let config = may::config();
    config
        .set_workers(workers)
        .set_stack_size(STACK_WORDS)
        .set_pool_capacity(POOL_CAPACITY);
    // may pins worker i to core i by default. On a small machine whose
    // cores the spawning thread (and every other program) shares, a
    // pinned worker cannot move off a busy core: measured on the course's
    // 2-core VM, two pinned workers took 2.6 µs a spawn, unpinned 1.6 µs.
    config.set_worker_pin(false);
    workers
}

/// The worker count may runs with in this process, if [`start`] has been
/// called: what a caller checks before asking for another count.
pub fn workers() -> Option<usize> {
    WORKERS.get().copied()
}

/// A spawned coroutine and its name, so that [`joinall`] can say which
/// task panicked.
#[derive(Debug)]
pub struct Task<T> {
    name: String,
    handle: JoinHandle<T>,
}

impl<T> Task<T> {
    /// The task's name (`foo`, `task 3`).
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// `gevent.spawn(f)`: starts `f` as a coroutine named `name` and returns
/// at once. may runs it on one of its workers; with one worker, in spawn
/// order.
///
/// If may has not been [`start`]ed, this starts it with one worker,
/// gevent's shape.
///
/// # Safety
///
/// may's contract for the code of `f`, which no compiler checks (this is
/// why may's own `spawn` is an `unsafe fn`, and why its `go!` macro only
/// hides the `unsafe`):
///
/// - `f` must not hold a reference into thread-local storage across a
///   sleep, a yield, a join or any other may call that can park it: the
///   coroutine may resume on another OS thread (another worker, or may's
///   timer thread), where that reference points into the wrong thread's
///   storage.
/// - `f` must fit in its stack, [`STACK_WORDS`] words: an overflow hits
///   the guard page and kills the process.
///
/// And a rule for correctness, not safety: `f` must not block its thread
/// (no `std::thread::sleep`, no blocking IO; use may's own sleep and IO),
/// or every coroutine queued on that thread waits.
pub unsafe fn spawn<T, F>(name: impl Into<String>, f: F) -> Task<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // Start may with gevent's one worker unless someone chose already.
    WORKERS.get_or_init(|| configure(1));
    let name = name.into();
    // The binary's `--panic-in NAME`: this task panics as it starts.
    let strike = panic_in::armed().then(|| name.clone());
    // SAFETY: `go!` is may's `unsafe fn spawn` in a macro; its contract
    // (no thread-local held across a yield, fit the stack) is exactly
    // this function's `# Safety`, which our caller upholds for `f` (and
    // `strike` only compares two strings).
    let handle = may::go!(move || {
        if let Some(name) = strike {
            panic_in::strike(&name);
        }
        f()
    });
    Task { name, handle }
}

/// `gevent.joinall(tasks)`: waits for every task and returns each one's
/// result, in the order given. A task that panicked is
/// [`TaskError::Panicked`]; the others still run to the end (may catches
/// the panic at the coroutine's edge, like gevent catches a greenlet's
/// exception).
///
/// Called from a plain thread, `join` parks the thread; from inside a
/// coroutine, it parks only the coroutine and its worker runs others.
pub fn joinall<T>(tasks: Vec<Task<T>>) -> Vec<Result<T, TaskError>> {
    tasks.into_iter().map(join).collect()
}

fn join<T>(task: Task<T>) -> Result<T, TaskError> {
    task.handle.join().map_err(|payload| TaskError::Panicked {
        message: shared::panic_message(&*payload),
        task: task.name,
    })
}

/// `gevent.sleep(d)`: parks the calling coroutine on may's timer and lets
/// its worker run others. A zero sleep is one `yield_now` (the coroutine
/// goes to the back of its worker's queue), as `gevent.sleep(0)` is.
///
/// Outside a coroutine, may's sleep is `std::thread::sleep`.
pub fn sleep(duration: Duration) {
    if duration.is_zero() {
        coroutine::yield_now();
    } else {
        coroutine::sleep(duration);
    }
}
