//! Lesson 06: a minimal async runtime, single-threaded, in a few hundred lines.
//!
//! Three parts, each in plain view:
//!
//! - the **executor** (this file): a map of tasks (boxed futures) and a
//!   queue of the ids of tasks that may make progress. A turn of the loop
//!   polls every queued task once. A task's [`Waker`] is an
//!   `Arc<TaskWaker>` (through [`std::task::Wake`]) whose `wake` pushes its
//!   id onto the queue: that is all "waking a task" means.
//! - the **reactor** (`reactor.rs`): mio's `Poll` and a token → waker
//!   table. A future that meets `WouldBlock` leaves its waker there;
//!   `epoll_wait` tells the reactor which sockets became ready, and it
//!   calls their wakers.
//! - the **timers** (`timer.rs`): a heap of deadlines whose earliest
//!   entry becomes `epoll_wait`'s timeout.
//!
//! Why one thread: every task runs on the thread that called
//! [`Runtime::block_on`], so tasks need not be `Send`, shared state can be
//! `Rc<RefCell<..>>`, and nothing is locked but the ready queue (which a
//! waker from another thread may touch). A multi-threaded runtime adds
//! work stealing and `Send` bounds everywhere; the event loop in the
//! middle is the same. tokio's current-thread runtime is this design,
//! industrial-strength.

mod net;
mod panic;
mod reactor;
mod spawn;
mod timer;

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use shared::{Lane, Span, State, Trace};

pub use net::{Accept, Read, TcpListener, TcpStream, Write};
pub use panic::{Panicked, in_task};
use reactor::Reactor;
pub use spawn::{JoinHandle, spawn, spawn_named, yield_now};
use timer::Timers;
pub use timer::{Sleep, sleep};

type BoxedTask = Pin<Box<dyn Future<Output = ()>>>;

/// The id under which `block_on`'s own future is queued.
const MAIN: u64 = u64::MAX;

// ANCHOR: waker
// ANCHOR_END: waker
/// The ids of the tasks that may make progress, in wake order.
///
/// A `Mutex`, in a single-threaded runtime, because a [`Waker`] must be
/// `Send + Sync`: whoever holds one may wake us from any thread (the
/// echo server's stop signal does). When the executor is parked in
/// `epoll_wait`, such a waker also pokes a [`mio::Waker`] (an eventfd in
/// the same epoll set) so the wait ends.
// ANCHOR: waker
struct ReadyQueue {
    ids: Mutex<VecDeque<u64>>,
    parked: AtomicBool,
    unpark: mio::Waker,
}

impl ReadyQueue {
    fn push(&self, id: u64) {
        self.ids
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(id);
        // SeqCst pairs with the executor's store-then-check in `turn`:
        // either it sees our id, or we see it parked and unpark it.
        if self.parked.load(Ordering::SeqCst) {
            let _ = self.unpark.wake();
        }
    }
    // ANCHOR_END: waker

    fn is_empty(&self) -> bool {
        self.ids
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    /// Moves every queued id into `batch` (which is empty).
    fn take_into(&self, batch: &mut VecDeque<u64>) {
        let mut ids = self.ids.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::swap(&mut *ids, batch);
    }
    // ANCHOR: waker
}

/// What a task's [`Waker`] points to: the task's id and the queue.
struct TaskWaker {
    id: u64,
    // Set while the id is in the queue, so that ten wake-ups before the
    // next turn queue the task once, not ten times.
    queued: AtomicBool,
    queue: Arc<ReadyQueue>,
    // ANCHOR_END: waker
    lane: Option<Lane>,
    // ANCHOR: waker
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // ANCHOR_END: waker
        if let Some(lane) = &self.lane {
            lane.mark("woken");
        }
        // ANCHOR: waker
        if !self.queued.swap(true, Ordering::AcqRel) {
            self.queue.push(self.id);
        }
    }
}
// ANCHOR_END: waker

/// One spawned task: its future (taken out while it is being polled) and
/// its waker, made once.
struct Task {
    future: Option<BoxedTask>,
    // What `spawn` was told to call it: for the timeline and a panic.
    name: String,
    // Hands a panic to the task's `JoinHandle` (see `panic.rs`).
    on_panic: Option<Box<dyn FnOnce(Panicked)>>,
    handle: Arc<TaskWaker>,
    waker: Waker,
    lane: Option<Lane>,
    // When it last returned `Pending`, for the timeline's waiting span.
    pending_since: Option<Duration>,
}

/// The state the runtime, its tasks and its sockets share. Futures reach
/// it through a thread-local set by `block_on` (`with_current`), the way
/// tokio's `spawn` and `sleep` find "the current runtime".
pub(crate) struct Shared {
    reactor: Rc<Reactor>,
    timers: RefCell<Timers>,
    tasks: RefCell<HashMap<u64, Task>>,
    next_id: Cell<u64>,
    queue: Arc<ReadyQueue>,
    trace: Trace,
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<Shared>>> = const { RefCell::new(None) };
}

/// Runs `f` with the runtime this thread is inside.
///
/// # Panics
///
/// Outside [`Runtime::block_on`], with a message that says so: a future
/// of this runtime polled by another executor has no reactor to wait on.
fn with_current<R>(f: impl FnOnce(&Rc<Shared>) -> R) -> R {
    let current = CURRENT.with(|c| c.borrow().clone());
    let rt = current.expect(
        "lesson 06's spawn, sleep and sockets must be used inside \
         Runtime::block_on",
    );
    f(&rt)
}

/// Sets `CURRENT` for the duration of a `block_on`, and clears it again
/// even if a task panics.
struct Enter;

impl Enter {
    fn new(shared: Rc<Shared>) -> Enter {
        CURRENT.with(|c| {
            let mut c = c.borrow_mut();
            assert!(c.is_none(), "block_on cannot be nested in block_on");
            *c = Some(shared);
        });
        Enter
    }
}

impl Drop for Enter {
    fn drop(&mut self) {
        CURRENT.with(|c| c.borrow_mut().take());
    }
}

/// The event loop: an executor, a reactor and timers on one thread.
///
/// ```
/// use lesson_06_event_loop::runtime::{Runtime, sleep, spawn};
/// use std::time::Duration;
///
/// let rt = Runtime::new()?;
/// let answer = rt.block_on(async {
///     let half = spawn(async {
///         sleep(Duration::from_millis(1)).await;
///         21
///     });
///     half.await * 2
/// });
/// assert_eq!(answer, 42);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Runtime {
    shared: Rc<Shared>,
}

impl Runtime {
    /// A runtime that records nothing.
    pub fn new() -> io::Result<Runtime> {
        Runtime::traced(Trace::disabled())
    }

    /// A runtime that records, on `trace`: a lane per named task (a
    /// running span per poll, a waiting span between polls, a `woken`
    /// mark per wake-up) and a `reactor` lane (a waiting span per
    /// `epoll_wait` that can last, a mark per readiness event).
    pub fn traced(trace: Trace) -> io::Result<Runtime> {
        let lane = trace.is_enabled().then(|| trace.lane("reactor"));
        let reactor = Reactor::new(lane)?;
        let queue = Arc::new(ReadyQueue {
            ids: Mutex::new(VecDeque::new()),
            parked: AtomicBool::new(false),
            unpark: reactor.unparker()?,
        });
        Ok(Runtime {
            shared: Rc::new(Shared {
                reactor: Rc::new(reactor),
                timers: RefCell::new(Timers::default()),
                tasks: RefCell::new(HashMap::new()),
                next_id: Cell::new(0),
                queue,
                trace,
            }),
        })
    }

    // ANCHOR: block_on
    // ANCHOR_END: block_on
    /// Runs `future` to completion on this thread, and with it every task
    /// spawned meanwhile, until `future` is done. Tasks still pending then
    /// stay in the runtime (a later `block_on` resumes them) and are
    /// dropped with it, like tokio's.
    ///
    /// A panic in a spawned task is caught and handed, with the task's
    /// name, to its `JoinHandle` (see [`Panicked`]); a panic in `future`
    /// itself unwinds out of `block_on`.
    ///
    /// # Panics
    ///
    /// Inside another `block_on` on this thread, or if `epoll_wait` itself
    /// fails (it does not, short of a kernel bug or a closed epoll fd).
    // ANCHOR: block_on
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _enter = Enter::new(self.shared.clone());
        let shared = &self.shared;
        let mut future = pin!(future);
        // ANCHOR_END: block_on
        let lane = shared.trace.is_enabled().then(|| shared.trace.lane("main"));
        // ANCHOR: block_on
        let main = Arc::new(TaskWaker {
            id: MAIN,
            queued: AtomicBool::new(true),
            queue: shared.queue.clone(),
            // ANCHOR_END: block_on
            lane,
            // ANCHOR: block_on
        });
        let main_waker = Waker::from(main.clone());
        shared.queue.push(MAIN);
        let mut batch = VecDeque::new();
        loop {
            // 1. Run every task that was woken, each once, in wake order.
            //    A task woken *during* this batch waits for the next turn,
            //    so one busy task cannot starve the reactor.
            shared.queue.take_into(&mut batch);
            for id in batch.drain(..) {
                if id != MAIN {
                    shared.run_task(id);
                    continue;
                }
                main.queued.store(false, Ordering::Release);
                let mut cx = Context::from_waker(&main_waker);
                if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                    return output;
                }
            }
            // 2. Wake the sleepers whose deadline has passed.
            let now = Instant::now();
            let due = shared.timers.borrow_mut().expired(now);
            for waker in due {
                waker.wake();
            }
            // 3. Ask the kernel. With work queued, only look (timeout
            //    zero); otherwise sleep until a socket is ready or the
            //    next deadline, whichever comes first.
            let mut timeout = if shared.queue.is_empty() {
                let next = shared.timers.borrow().next_deadline();
                next.map(|deadline| deadline.saturating_duration_since(now))
            } else {
                Some(Duration::ZERO)
            };
            // ANCHOR_END: block_on
            if timeout != Some(Duration::ZERO) {
                // Parked: a wake from another thread must now unpark us.
                // Check the queue once more *after* saying so, or a wake
                // that raced with the check above would be lost.
                shared.queue.parked.store(true, Ordering::SeqCst);
                if !shared.queue.is_empty() {
                    timeout = Some(Duration::ZERO);
                }
            }
            // ANCHOR: block_on
            let parked = &shared.queue.parked;
            let unpark = || parked.store(false, Ordering::SeqCst);
            shared
                .reactor
                .poll(timeout, unpark)
                .expect("epoll_wait failed");
        }
    }
    // ANCHOR_END: block_on
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Drop the unfinished tasks now, outside any borrow: their sockets
        // deregister from the reactor as they go.
        let tasks = std::mem::take(&mut *self.shared.tasks.borrow_mut());
        drop(tasks);
    }
}

impl Shared {
    // ANCHOR: run_task
    /// Polls task `id` once, if it still exists.
    fn run_task(&self, id: u64) {
        // Take the future out of the map: while it runs it may spawn
        // (which inserts into the map), and a `RefCell` held across the
        // poll would panic on that.
        let Some((mut future, waker, lane, since)) = self.take_task(id) else {
            return; // finished before this stale wake-up
        };
        let mut cx = Context::from_waker(&waker);
        // A panic in the task stops here, not in the loop (see `panic.rs`).
        let poll = catch_unwind(AssertUnwindSafe(|| {
            let _polling = panic::Polling::start();
            let _traced = self.trace_poll(lane.as_ref(), since);
            future.as_mut().poll(&mut cx)
        }));
        match poll {
            // Done: forget it. Its output already went to its JoinHandle.
            Ok(Poll::Ready(())) => {
                self.tasks.borrow_mut().remove(&id);
            }
            // Not done: put it back and wait for its waker.
            Ok(Poll::Pending) => {
                if let Some(task) = self.tasks.borrow_mut().get_mut(&id) {
                    task.future = Some(future);
                    task.pending_since =
                        lane.as_ref().map(|_| self.trace.now());
                }
            }
            // Panicked: forget it, and tell its JoinHandle who and why.
            Err(payload) => {
                drop(future);
                let task = self.tasks.borrow_mut().remove(&id);
                if let Some(task) = task
                    && let Some(on_panic) = task.on_panic
                {
                    on_panic(Panicked::new(&task.name, payload.as_ref()));
                }
            }
        }
    }
    // ANCHOR_END: run_task

    /// Takes task `id`'s future out of the map, with what polling it
    /// needs: its waker, and its lane and waiting start for the timeline.
    fn take_task(
        &self,
        id: u64,
    ) -> Option<(BoxedTask, Waker, Option<Lane>, Option<Duration>)> {
        let mut tasks = self.tasks.borrow_mut();
        let task = tasks.get_mut(&id)?;
        let future = task.future.take()?;
        task.handle.queued.store(false, Ordering::Release);
        let since = task.pending_since.take();
        Some((future, task.waker.clone(), task.lane.clone(), since))
    }

    /// The timeline's record of one poll of a traced task: its waiting
    /// span since its last poll, and a running span for this one, which
    /// ends when the returned guard is dropped.
    fn trace_poll<'a>(
        &self,
        lane: Option<&'a Lane>,
        since: Option<Duration>,
    ) -> Option<Span<'a>> {
        let lane = lane?;
        if let Some(since) = since {
            lane.record_span(
                State::Waiting,
                "waiting",
                since,
                self.trace.now(),
            );
        }
        Some(lane.span(State::Running, "poll"))
    }
}
