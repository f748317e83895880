//! Lesson 03: the hub, gevent's design on lesson 02's greenlets: its
//! loop here, its tasks in `task.rs`, what it keeps of finished tasks for
//! the next ones in `pool.rs`.
//!
//! **How gevent does it.** gevent runs a libev (or libuv) event loop in a
//! greenlet of its own, the *hub*. Every other greenlet is a task the hub
//! switches to. `gevent.sleep(d)` starts a timer watcher whose callback
//! switches back to the sleeping greenlet, then does `hub.switch()`: the
//! sleeper stops, and the hub's loop goes on running whatever is ready, and
//! waits in the kernel (`epoll_wait`, with the nearest timer as its timeout)
//! when nothing is. `monkey.patch_all()` replaces the blocking calls of the
//! standard library (`socket.recv`, `time.sleep`, ...) with ones that do
//! the same on IO watchers: register "wake me when this socket is
//! readable", switch to the hub. That is how gevent "switches on IO by
//! itself": every wait is a switch to the hub, and the hub is the only
//! place that waits.
//!
//! **This module** is that design with the parts named the same:
//!
//! | gevent | here |
//! |---|---|
//! | the hub greenlet running libev's loop | the hub greenlet running `hub_loop` |
//! | libev's pending-callback queue | `Hub::ready`: greenlets to switch to, and spawned tasks yet to start |
//! | timer watchers | `Hub::timers`, a min-heap of (deadline, greenlet) |
//! | `epoll_wait(timeout)` | `std::thread::sleep` until the nearest deadline |
//! | `gevent.spawn(f)` | [`spawn`]: a greenlet whose parent is the hub, queued as ready |
//! | `gevent.sleep(d)` / `sleep(0)` | [`sleep`]: a timer, or the back of the queue, then switch to the hub |
//! | `gevent.joinall(gs)` | [`joinall`]: wait on each task's link, switching to the hub |
//! | `LoopExit` | [`TaskError::Unfinished`](crate::TaskError::Unfinished) from `joinall` when nothing can wake it |
//! | the hub's lifetime: the whole program | [`run`]: like `asyncio.run`, the hub lives inside the call |
//!
//! There are no IO watchers: the two gevent programs of this lesson only
//! sleep. (The course also has a monkey-patched socket server; lesson 07
//! builds it.) An IO watcher is one more source of "ready": a readiness
//! poll in place of `thread::sleep`. [`set_idle_waiter`] is that hook,
//! and [`park`] and [`Waker`] are how a task waits for something only the
//! waiter knows about; the hub itself knows nothing of sockets.
//!
//! **One OS thread.** Everything here is `!Send` and thread-local: the hub,
//! its queue, its tasks. That is gevent's shape, and why a task that calls
//! a blocking function (`std::thread::sleep`) stops every other task: the
//! hub cannot run until that task switches to it.
//!
//! **Inside and outside [`run`].** [`spawn`], [`sleep`] and [`joinall`]
//! need the hub of [`run`] on their thread; outside it they panic with a
//! message saying so (as `tokio::spawn` does outside a runtime). When
//! [`run`] returns, tasks that have not finished are killed (their stacks
//! unwound, their destructors run) and every greenlet is gone, so nothing
//! is left for thread-local destructors to unwind at thread exit.

use std::cell::{Cell, RefCell};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::rc::Rc;
use std::time::{Duration, Instant};

use lesson_02_greenlet::{Greenlet, stack};
use shared::Lane;

mod demo;
mod pool;
mod task;

pub use demo::{Spawner, gevent_demo, tasks_demo};
use task::Start;
pub use task::{Builder, Task, joinall, spawn};

/// The stack a hub task gets unless [`Builder::stack_size`] or
/// [`Config::stack_size`] says otherwise: 32 KiB.
///
/// Why 32 KiB: a task's own frames (a closure, a `println!`, the hub's
/// calls) use a few KiB, but a task that panics with `RUST_BACKTRACE=1`
/// set walks and prints its stack on that stack: on the course machine
/// that crashed a task with 8 or 16 KiB (it ran into the guard page) and
/// worked with 24. 32 KiB leaves room. It costs little: only the pages a
/// task touches become memory (one, usually), and address space is
/// plentiful (100,000 tasks, each with its guard page: 3.7 GB of
/// 128 TiB). A task that recurses deeply needs [`Builder::stack_size`]:
/// an overflow ends the process.
pub const DEFAULT_TASK_STACK: usize = 32 * 1024;

/// How [`run_with`] builds its hub.
#[derive(Clone, Debug)]
pub struct Config {
    /// The stack of each task: [`DEFAULT_TASK_STACK`].
    pub stack_size: usize,
    /// If set, the hub marks on this lane when it goes idle (waits for the
    /// next timer) and when it gives up (`LoopExit`).
    pub trace: Option<Lane>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            stack_size: DEFAULT_TASK_STACK,
            trace: None,
        }
    }
}

/// A sleeping greenlet: wake `greenlet` at `deadline`. Ordered by deadline,
/// then by `seq` (the order of the `sleep` calls), so equal deadlines wake
/// in the order they slept.
struct Timer {
    deadline: Instant,
    seq: u64,
    greenlet: Greenlet,
}

impl Ord for Timer {
    // Reversed: `BinaryHeap` is a max-heap, we want the earliest on top.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.deadline, other.seq).cmp(&(self.deadline, self.seq))
    }
}

impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Timer {}

/// An entry of the ready queue.
enum Ready {
    /// A spawned task that has not run yet: no greenlet, no stack, only
    /// its closure. The hub makes its greenlet when it first gets to it,
    /// as Python's greenlet maps a stack only on the first switch. So a
    /// task's stack is touched when it runs, not also when it is spawned:
    /// with 100,000 tasks, each touch of a stack is a cache (and TLB) miss.
    Start(Rc<dyn Start>),
    /// A greenlet to switch back to: it yielded, slept, or was woken.
    Resume(Greenlet),
}

/// Everything the hub owns. One per [`run`], reached through `HUB`.
struct Hub {
    /// The hub's own greenlet, running [`hub_loop`].
    greenlet: Greenlet,
    /// Greenlets to switch to, in order: spawned, yielded, woken.
    ready: RefCell<VecDeque<Ready>>,
    /// Sleeping greenlets, earliest deadline on top.
    timers: RefCell<BinaryHeap<Timer>>,
    /// Tie-breaker for equal deadlines.
    timer_seq: Cell<u64>,
    /// Tasks spawned so far: the next task's number (`task N`).
    spawned: Cell<u64>,
    /// Every task that has not finished, so that `run` can kill them at
    /// the end: slots, reused through `free`.
    live: RefCell<Vec<Option<Greenlet>>>,
    free: RefCell<Vec<usize>>,
    /// Set by the hub when it switches to main because nothing can ever
    /// wake anyone (gevent's `LoopExit`); read by main's `joinall`.
    loop_exit: Cell<bool>,
    /// Set while `run` is tearing down: tasks are being unwound.
    closing: Cell<bool>,
    stack_size: usize,
    lane: Option<Lane>,
    /// What the hub does when nothing is ready: see [`set_idle_waiter`].
    idle: RefCell<Option<IdleWaiter>>,
}

/// The hub's wait when nothing is ready: called with how long it may
/// block (`None`: no timer is pending, block until something happens;
/// `Some(ZERO)`: only look), it wakes the [`Waker`]s whose event came and
/// returns whether anything it watches could still wake a task. gevent's
/// libev loop is this, with `epoll_wait` inside.
pub type IdleWaiter = Box<dyn FnMut(Option<Duration>) -> bool>;

thread_local! {
    /// The hub of the `run` in progress on this thread. Emptied by `run`
    /// before it returns, so it holds nothing at thread exit.
    static HUB: RefCell<Option<Rc<Hub>>> = const { RefCell::new(None) };
}

/// The running hub, or a panic naming the function that needed it.
fn the_hub(function: &str) -> Rc<Hub> {
    HUB.with_borrow(Option::clone)
        .unwrap_or_else(|| panic!("hub::{function} called outside hub::run"))
}

impl Hub {
    /// Stops the caller (a task, or main) and runs the hub. Returns when
    /// someone put the caller back in the ready queue and the hub got to
    /// it: the only way back.
    ///
    /// During `run`'s teardown it returns at once: the caller is then a
    /// destructor of a task being killed, and switching would start the
    /// hub's loop again, which would run other tasks and wait on the
    /// timers of dead ones. So a destructor's `sleep` does not sleep, and
    /// its `joinall` stops waiting.
    fn switch_to_hub(&self) {
        if self.closing.get() {
            return;
        }
        if let Err(error) = self.greenlet.switch(()) {
            panic!("cannot switch to the hub: {error}");
        }
    }

    /// The wait when nothing is ready. Without an idle waiter: sleep until
    /// the timer (`false`, nothing else can wake anyone, when there is no
    /// timer). With one: its answer.
    fn wait_idle(&self, timeout: Option<Duration>) -> bool {
        let mut idle = self.idle.borrow_mut();
        match (idle.as_mut(), timeout) {
            (Some(waiter), timeout) => waiter(timeout),
            (None, Some(duration)) => {
                if !duration.is_zero() {
                    std::thread::sleep(duration);
                }
                true
            }
            (None, None) => false,
        }
    }

    /// Marks `what` on the hub's lane, if it has one: the moments the
    /// timeline shows on the hub's row.
    fn mark(&self, what: &'static str) {
        if let Some(lane) = &self.lane {
            lane.mark(what);
        }
    }

    /// Makes a fresh task's greenlet (a child of the hub, on a stack from
    /// the pool) and records it as live; `None` if no stack could be
    /// mapped, after telling the task's joiners.
    fn start(&self, task: Rc<dyn Start>) -> Option<Greenlet> {
        let slot = self.free.borrow_mut().pop().unwrap_or_else(|| {
            let mut live = self.live.borrow_mut();
            live.push(None);
            live.len() - 1
        });
        let mut builder = Greenlet::builder()
            .stack_size(task.stack_size())
            .parent(&self.greenlet);
        if let Some(lane) = task.lane() {
            builder = builder.trace(lane);
        }
        // ANCHOR: start_in_shell
        let runner = Rc::clone(&task);
        let run = move |()| runner.run(slot);
        // In a finished task's greenlet if one is pooled: no allocation,
        // no system call. Else a new one, on a stack from lesson 02's pool.
        let built = match pool::take_shell() {
            Some(shell) => builder.build_in(shell, run),
            None => builder.build(run),
        };
        // ANCHOR_END: start_in_shell
        match built {
            Ok(greenlet) => {
                self.live.borrow_mut()[slot] = Some(greenlet.clone());
                Some(greenlet)
            }
            Err(error) => {
                // Out of memory or mappings: the task never runs, and
                // whoever joins it hears why.
                self.free.borrow_mut().push(slot);
                task.fail(self, format!("{error}"));
                task.release();
                None
            }
        }
    }
}

/// The hub greenlet's whole life: run what is ready, wake sleepers whose
/// deadline passed, and wait for the next deadline when there is nothing
/// else. It never returns; `run` kills it.
// ANCHOR: hub_round
fn hub_loop(hub: &Hub) {
    loop {
        // One round: switch to each greenlet that was ready when the round
        // began. A task that yields (`sleep(ZERO)`) lands at the back of
        // the queue, for the next round, after the timers were checked.
        let round = hub.ready.borrow().len();
        for _ in 0..round {
            let next = hub.ready.borrow_mut().pop_front();
            let next = match next {
                None => break,
                Some(Ready::Resume(greenlet)) => greenlet,
                Some(Ready::Start(fresh)) => match hub.start(fresh) {
                    Some(greenlet) => greenlet,
                    None => continue,
                },
            };
            // ANCHOR_END: hub_round
            // While `next` runs, the CPU can fetch the stack of the one
            // after it: with many tasks, that is a trip to main memory.
            if let Some(Ready::Resume(after)) = hub.ready.borrow().front() {
                after.prefetch();
            }
            // ANCHOR: hub_round
            // Runs `next` until it switches back to us: it slept, yielded,
            // waited in joinall, or finished (we are every task's parent).
            // A dead greenlet (killed while queued) is an error we skip.
            let _ = next.switch(());
            // ANCHOR_END: hub_round
            if next.is_dead() {
                // Finished: its memory builds the next task's greenlet.
                pool::put_greenlet(next);
            }
            // ANCHOR: hub_round
        }
        // ANCHOR_END: hub_round
        // ANCHOR: hub_timers
        // Timers whose deadline has passed: their greenlets are ready.
        let mut timers = hub.timers.borrow_mut();
        let Some(nearest) = timers.peek().map(|t| t.deadline) else {
            drop(timers);
            // ANCHOR_END: hub_timers
            let idle = hub.ready.borrow().is_empty();
            if idle {
                hub.mark("idle");
            }
            if hub.wait_idle((!idle).then_some(Duration::ZERO)) {
                continue;
            }
            // ANCHOR: hub_timers
            if hub.ready.borrow().is_empty() {
                // Nothing ready, no timer: nothing can ever wake anyone.
                // Tell main (in `joinall`), as gevent raises `LoopExit`.
                // ANCHOR_END: hub_timers
                hub.mark("loop exit");
                // ANCHOR: hub_timers
                hub.loop_exit.set(true);
                let _ = Greenlet::main().switch(());
            }
            continue;
        };
        let mut now = Instant::now();
        if nearest > now && hub.ready.borrow().is_empty() {
            // The only wait in the whole program: gevent's `epoll_wait`.
            // ANCHOR_END: hub_timers
            hub.mark("idle");
            // ANCHOR: hub_timers
            drop(timers);
            hub.wait_idle(Some(nearest - now));
            timers = hub.timers.borrow_mut();
            now = Instant::now();
        }
        // ANCHOR_END: hub_timers
        else if hub.idle.borrow().is_some() {
            // Tasks are ready: the waiter only looks, so that a busy task
            // cannot keep every socket waiting.
            drop(timers);
            hub.wait_idle(Some(Duration::ZERO));
            timers = hub.timers.borrow_mut();
        }
        // ANCHOR: hub_timers
        let mut ready = hub.ready.borrow_mut();
        while timers.peek().is_some_and(|t| t.deadline <= now) {
            let timer = timers.pop().expect("peeked");
            ready.push_back(Ready::Resume(timer.greenlet));
        }
    }
}
// ANCHOR_END: hub_timers

/// Runs `f` on this thread with a hub, and returns what it returns: the
/// place where [`spawn`], [`sleep`] and [`joinall`] work (like
/// `asyncio.run`). `f` runs on the thread's own stack, as gevent's main
/// greenlet; tasks only run while `f` waits (in `sleep` or `joinall`).
///
/// When `f` returns, tasks that have not finished are killed: their
/// stacks unwound, their destructors run.
///
/// # Panics
///
/// Inside another `run`, or inside a greenlet.
pub fn run<R>(f: impl FnOnce() -> R) -> R {
    run_with(Config::default(), f)
}

/// [`run`] with a [`Config`]: a task stack size, a lane for the hub.
pub fn run_with<R>(config: Config, f: impl FnOnce() -> R) -> R {
    assert!(
        HUB.with_borrow(Option::is_none),
        "hub::run called inside hub::run"
    );
    assert!(
        Greenlet::<()>::current().is_main(),
        "hub::run called inside a greenlet: call it on the thread's own stack"
    );
    // The hub greenlet finds its state through `HUB` when it first runs
    // (main's first switch to it), so that state does not own it twice.
    let greenlet = Greenlet::builder()
        .name("hub")
        .stack_size(64 * 1024)
        .build(|()| hub_loop(&the_hub("loop")))
        .unwrap_or_else(|e| panic!("cannot create the hub: {e}"));
    // The last run's queues, with their capacity: a run that spawns as
    // many tasks as the last one does not grow them again.
    let queues = pool::take_queues();
    let state = Rc::new(Hub {
        greenlet,
        ready: RefCell::new(queues.ready),
        timers: RefCell::new(queues.timers),
        timer_seq: Cell::new(0),
        spawned: Cell::new(0),
        live: RefCell::new(queues.live),
        free: RefCell::new(queues.free),
        loop_exit: Cell::new(false),
        closing: Cell::new(false),
        stack_size: config.stack_size,
        lane: config.trace,
        idle: RefCell::new(None),
    });
    HUB.set(Some(state));
    // Tears down on the way out, also if `f` panics.
    let _teardown = Teardown;
    f()
}

/// Ends a `run`: kills every task and the hub, then forgets the hub.
struct Teardown;

impl Drop for Teardown {
    fn drop(&mut self) {
        let Some(hub) = HUB.take() else { return };
        if std::thread::panicking() {
            // Unwinding a greenlet while this thread unwinds would be a
            // panic inside a panic: leak the suspended tasks instead.
            std::mem::forget(hub);
            return;
        }
        hub.closing.set(true);
        // Put the hub back while tasks unwind: their destructors may ask
        // for it (and get a `closing` hub that no longer switches).
        HUB.set(Some(Rc::clone(&hub)));
        let mut live = std::mem::take(&mut *hub.live.borrow_mut());
        for task in live.drain(..).flatten() {
            // Unwinds a suspended task; drops a fresh one's closure.
            let _ = task.kill();
        }
        let _ = hub.greenlet.kill();
        // Taken out before they drop: a dropped closure's destructors may
        // look at the hub. A task that never started drops its closure
        // now, not whenever its `Task` handle goes.
        let mut ready = std::mem::take(&mut *hub.ready.borrow_mut());
        for entry in ready.drain(..) {
            if let Ready::Start(task) = entry {
                task.discard();
            }
        }
        let mut timers = std::mem::take(&mut *hub.timers.borrow_mut());
        timers.clear();
        drop(hub.idle.borrow_mut().take());
        let mut free = std::mem::take(&mut *hub.free.borrow_mut());
        free.clear();
        pool::put_queues(pool::Queues {
            ready,
            timers,
            live,
            free,
        });
        HUB.set(None);
    }
}

// ANCHOR: sleep
/// Suspends the caller (a task or main) for `duration`: a timer on the
/// hub, then a switch to it. `Duration::ZERO` is a plain yield: to the
/// back of the ready queue, so every other ready task runs first (gevent's
/// `sleep(0)`).
///
/// # Panics
///
/// Outside [`run`].
pub fn sleep(duration: Duration) {
    let hub = the_hub("sleep");
    let me = Greenlet::current();
    if duration.is_zero() {
        hub.ready.borrow_mut().push_back(Ready::Resume(me));
    } else {
        let seq = hub.timer_seq.replace(hub.timer_seq.get() + 1);
        hub.timers.borrow_mut().push(Timer {
            deadline: Instant::now() + duration,
            seq,
            greenlet: me,
        });
    }
    hub.switch_to_hub();
}
// ANCHOR_END: sleep

/// Pool housekeeping: lets go of the finished tasks' greenlets and
/// records this thread keeps for reuse, then unmaps the free stacks
/// (lesson 02's [`stack::release_pool`]), returning how many stacks.
/// Memory measurements start here.
pub fn release_stacks() -> usize {
    pool::release();
    stack::release_pool()
}

/// Installs the hub's wait for when nothing is ready, in place of its
/// `thread::sleep` until the next timer: an event loop (lesson 07's
/// `epoll_wait` on mio's `Poll`) that wakes [`Waker`]s. It lives until
/// [`run`] ends.
///
/// # Panics
///
/// Outside [`run`].
pub fn set_idle_waiter(waiter: IdleWaiter) {
    *the_hub("set_idle_waiter").idle.borrow_mut() = Some(waiter);
}

/// A parked task (or main), to be made ready by whoever holds this:
/// gevent's watcher callback that switches back to the waiting greenlet.
/// Wake it once per [`park`].
#[derive(Clone, Debug)]
pub struct Waker(Greenlet);

impl Waker {
    /// The caller's waker, taken before it [`park`]s.
    pub fn current() -> Waker {
        Waker(Greenlet::current())
    }

    /// Puts its task at the back of the ready queue.
    ///
    /// # Panics
    ///
    /// Outside [`run`].
    pub fn wake(self) {
        let hub = the_hub("Waker::wake");
        hub.ready.borrow_mut().push_back(Ready::Resume(self.0));
    }
}

/// Switches to the hub without queueing the caller: it runs again when
/// someone calls [`Waker::wake`] on its waker. During [`run`]'s teardown
/// it returns at once.
///
/// # Panics
///
/// Outside [`run`].
pub fn park() {
    the_hub("park").switch_to_hub();
}
