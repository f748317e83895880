//! Lesson 03: the course's gevent programs on tokio: stackless tasks
//! (futures) on a current-thread or a multi-thread runtime.
//!
//! **Python original.** The course's gevent demo,
//! `gevent.joinall([gevent.spawn(foo), gevent.spawn(bar),
//! gevent.spawn(func3)])`, and the timing demo `task(pid)` that sleeps
//! 0.5 s, run by `synchronous()` and then by `asynchronous()`.
//!
//! **Rust mapping.** `gevent.spawn(f)` is [`spawn`] (`tokio::spawn`),
//! `gevent.joinall(tasks)` is [`joinall`] (`futures::future::join_all` of
//! the join handles), `gevent.sleep(d)` is [`sleep`]
//! (`tokio::time::sleep`, or `tokio::task::yield_now` for a zero sleep).
//! gevent's hub is the runtime: [`runtime`] builds the current-thread one
//! for one worker (gevent's shape: one thread runs every task and the
//! timers) and the multi-thread one for more.
//!
//! What `tokio::spawn` allocates: no stack. An `async` block compiles to a
//! state machine, an enum holding exactly the locals that live across an
//! `.await`, and `spawn` moves it into one heap allocation (the task cell:
//! a header with the task's state and scheduler links, the future, and a
//! slot for its output), sized to that state machine and aligned to 128
//! bytes (x86 cores fetch cache lines in pairs; two tasks written by two
//! threads must not share a pair). A task that only yields measured about
//! 450 B resident here; a greenlet or a may coroutine keeps at least a
//! page of stack (may: two, about 9.5 KiB with its bookkeeping). The
//! price: every `.await` is a point where the future returns to the
//! runtime, so only `async` code can pause.
//!
//! The blocking pitfall: `std::thread::sleep` inside a task does not
//! return to the runtime; it stops the worker thread it runs on, and with
//! it every task queued there (on the current-thread runtime, all of
//! them). The fixes: `.await` tokio's own [`sleep`]; or hand the blocking
//! call to `tokio::task::spawn_blocking`, which runs it on a separate pool
//! of threads made for blocking and lets the task `.await` its end; or
//! more workers (the multi-thread runtime steals the stuck worker's queue).

use std::future::Future;
use std::time::{Duration, Instant};

use shared::{Lane, State, Trace, Transcript};
use tokio::runtime::Runtime;
use tokio::task::{JoinError, JoinHandle};

use crate::demo::check_tasks;
use crate::{Scale, TaskError, TasksConfig, TasksReport, panic_in, task_name};

/// A tokio runtime on `workers` OS threads (1 to 64): the current-thread
/// runtime for 1, the multi-thread one with `workers` worker threads
/// otherwise. Only the timer is enabled: these programs do no IO.
pub fn runtime(workers: usize) -> shared::Result<Runtime> {
    crate::Runtime::Tokio.check_workers(workers)?;
    let mut builder = if workers == 1 {
        // Every task and the timer run on the thread that calls
        // `block_on`: gevent's hub, with no other thread to run on.
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(workers);
        builder
    };
    let runtime = builder.enable_time().build()?;
    Ok(runtime)
}

/// A spawned task and its name, so that [`joinall`] can say which task
/// panicked.
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

/// `gevent.spawn(f)`: hands `future` to the runtime as a task named `name`
/// and returns at once; the task starts when a worker polls it. Call it
/// inside the runtime (in `block_on` or in another task).
pub fn spawn<F>(name: impl Into<String>, future: F) -> Task<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let name = name.into();
    // The binary's `--panic-in NAME`: this task panics as it is first
    // polled.
    let strike = panic_in::armed().then(|| name.clone());
    let handle = tokio::spawn(async move {
        if let Some(name) = strike {
            panic_in::strike(&name);
        }
        future.await
    });
    Task { name, handle }
}

/// `gevent.joinall(tasks)`: waits for every task and returns each one's
/// result, in the order given. A task that panicked is
/// [`TaskError::Panicked`]: tokio catches the panic at the task's edge and
/// hands it to the join handle, and the other tasks carry on.
///
/// Why `join_all` and not a plain loop of `.await`s: both wait for the
/// same tasks (spawned tasks run whether or not anyone awaits them), so
/// the loop is enough and is what [`Spawner`] uses. `join_all` is the
/// general tool: it also drives futures that are *not* spawned, all at
/// once on the current task.
pub async fn joinall<T>(tasks: Vec<Task<T>>) -> Vec<Result<T, TaskError>> {
    futures::future::join_all(tasks.into_iter().map(|task| async move {
        task.handle
            .await
            .map_err(|error| task_error(task.name, error))
    }))
    .await
}

/// A `JoinError` as the lesson's [`TaskError`].
fn task_error(task: String, error: JoinError) -> TaskError {
    if error.is_panic() {
        let message = shared::panic_message(&*error.into_panic());
        TaskError::Panicked { task, message }
    } else {
        TaskError::Unfinished {
            task,
            reason: "cancelled: the runtime shut down first".to_owned(),
        }
    }
}

/// `gevent.sleep(d)`: returns to the runtime until `duration` has passed;
/// the worker runs other tasks meanwhile. A zero sleep is one
/// `yield_now()`, as `gevent.sleep(0)` is one trip through the hub.
///
/// Why not `tokio::time::sleep(Duration::ZERO)`: tokio documents its
/// sleep as a timer with millisecond granularity, not as a yield; a zero
/// sleep may come back at once or only at the next timer tick. `yield_now`
/// is the documented "go to the back of the queue once".
pub async fn sleep(duration: Duration) {
    if duration.is_zero() {
        tokio::task::yield_now().await;
    } else {
        tokio::time::sleep(duration).await;
    }
}

/// [`sleep`], drawn on the timeline as a `waiting` span.
async fn traced_sleep(lane: &Lane, duration: Duration) {
    let _waiting = lane.span(State::Waiting, "sleep");
    sleep(duration).await;
}

/// The course's `joinall([spawn(foo), spawn(bar), spawn(func3)])`,
/// printing [`crate::GEVENT_TRANSCRIPT`]; `scale` multiplies the sleeps
/// ([`Scale::ONE`]: the course's 2 s and 1 s); `workers` is the number of
/// OS threads.
#[allow(
    clippy::disallowed_names,
    reason = "foo and bar are the course's own function names"
)]
pub fn gevent_demo(
    scale: Scale,
    workers: usize,
    out: &Transcript,
    trace: &Trace,
) -> shared::Result<()> {
    let second = scale.seconds(1.0);
    let runtime = runtime(workers)?;
    // Each task owns its handles: a spawned future must be `'static`.
    let (out1, out2, out3) = (out.clone(), out.clone(), out.clone());
    let (lane1, lane2, lane3) =
        (trace.lane("foo"), trace.lane("bar"), trace.lane("func3"));
    runtime.block_on(async move {
        // ANCHOR: gevent
        let foo = async move {
            out1.say(&lane1, "Running in foo");
            traced_sleep(&lane1, second * 2).await; // back to the runtime
            out1.say(&lane1, "Explicit context switch to foo again");
        };
        let bar = async move {
            out2.say(&lane2, "Explicit context to bar");
            traced_sleep(&lane2, second).await;
            out2.say(&lane2, "Implicit context switch back to bar");
        };
        let func3 = async move {
            out3.say(&lane3, "running func3");
            traced_sleep(&lane3, Duration::ZERO).await; // yield_now
            out3.say(&lane3, "running func3 again");
        };
        // Nothing has run yet: an async block is inert until polled.
        let tasks =
            vec![spawn("foo", foo), spawn("bar", bar), spawn("func3", func3)];
        for result in joinall(tasks).await {
            result?;
        }
        // ANCHOR_END: gevent
        Ok(())
    })
}

// ANCHOR: wait
/// How task 0 waits in the asynchronous phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wait {
    /// `tokio::time::sleep(..).await`: the right way.
    Runtime,
    /// `std::thread::sleep` on the worker: the pitfall.
    Blocking,
    /// `std::thread::sleep` on the blocking pool: the fix.
    SpawnBlocking,
}

/// The course's `task(pid)`: sleep `delay`, then print `Task {pid} done`.
async fn task(
    pid: u32,
    delay: Duration,
    wait: Wait,
    out: Transcript,
    lane: Lane,
) {
    match wait {
        Wait::Runtime => traced_sleep(&lane, delay).await,
        Wait::Blocking => {
            // Wrong on purpose: no `.await`, so the task never gives the
            // thread back; every task queued on this worker waits.
            // ANCHOR_END: wait
            let _blocked = lane.span(State::Blocked, "thread::sleep");
            // ANCHOR: wait
            std::thread::sleep(delay);
        }
        Wait::SpawnBlocking => {
            // The blocking call moves to tokio's blocking pool (its own
            // threads); this task only awaits its end, freeing the worker.
            let pool_lane = lane.clone();
            let blocking = tokio::task::spawn_blocking(move || {
                // ANCHOR_END: wait
                let _blocked = pool_lane.span(State::Blocked, "thread::sleep");
                // ANCHOR: wait
                std::thread::sleep(delay);
            });
            // The closure cannot panic but for a bug; say so if it does.
            blocking.await.expect("the blocking sleep does not panic");
        }
    }
    out.say(&lane, format!("Task {pid} done"));
}
// ANCHOR_END: wait

/// The lanes of tasks `0..count`, in pid order so the timeline reads top
/// to bottom. An untraced run shares one lane of a disabled trace: naming
/// 100,000 lanes nobody draws would cost a string and a lookup per task.
fn task_lanes(trace: &Trace, count: u32) -> Vec<Lane> {
    if trace.is_enabled() {
        (0..count).map(|pid| trace.lane(task_name(pid))).collect()
    } else {
        vec![Trace::disabled().lane("task"); count as usize]
    }
}

/// The course's sync-versus-async `task(pid)` demo. `spawn_blocking`
/// implies `blocking`: it is the fix for that blocking call.
pub fn tasks_demo(
    config: &TasksConfig,
    out: &Transcript,
    trace: &Trace,
) -> shared::Result<TasksReport> {
    check_tasks(crate::Runtime::Tokio, config)?;
    let runtime = runtime(config.workers)?;
    let (count, delay) = (config.count, config.delay);
    let first_wait = match (config.blocking, config.spawn_blocking) {
        (_, true) => Wait::SpawnBlocking,
        (true, false) => Wait::Blocking,
        (false, false) => Wait::Runtime,
    };
    let main = trace.lane("main");
    let lanes = task_lanes(trace, count);
    runtime.block_on(async {
        out.say(&main, "Synchronous:");
        let started = Instant::now();
        // The course's `synchronous()`: the main task awaits `task(1)`,
        // `task(2)`... in turn, each to its end (`range(1, 10)`).
        for pid in 1..count {
            let lane = lanes[pid as usize].clone();
            task(pid, delay, Wait::Runtime, out.clone(), lane).await;
        }
        let sync_total = started.elapsed();

        out.say(&main, "Asynchronous:");
        let started = Instant::now();
        let tasks: Vec<Task<()>> = (0..count)
            .map(|pid| {
                let wait = if pid == 0 { first_wait } else { Wait::Runtime };
                let lane = lanes[pid as usize].clone();
                spawn(task_name(pid), task(pid, delay, wait, out.clone(), lane))
            })
            .collect();
        let results = joinall(tasks).await;
        let async_total = started.elapsed();
        for result in results {
            result?;
        }
        Ok(TasksReport {
            sync_tasks: count - 1,
            sync_total,
            async_tasks: count,
            async_total,
        })
    })
}

/// Spawns tasks and joins them, over and over, on one runtime built in
/// [`Spawner::new`] (so a bench times only spawn + join).
#[derive(Debug)]
pub struct Spawner {
    runtime: Runtime,
}

impl Spawner {
    /// A spawner on `workers` OS threads: the current-thread runtime for
    /// 1, the multi-thread one otherwise.
    pub fn new(workers: usize) -> shared::Result<Spawner> {
        Ok(Spawner {
            runtime: runtime(workers)?,
        })
    }

    /// Spawns `count` tasks; task `i` sleeps `sleep` (zero: yields once)
    /// and returns `i`. Joins them all and returns each result in spawn
    /// order.
    pub fn spawn_join(
        &self,
        count: usize,
        sleep: Duration,
    ) -> shared::Result<Vec<Result<u64, TaskError>>> {
        // The loop runs as a task, on a worker thread: a spawn from a
        // worker goes into that worker's own run queue (no lock, no
        // wake-up), the other workers steal from it. Spawned from
        // `block_on`'s thread, which is not a worker on the multi-thread
        // runtime, every task would go through the shared injection
        // queue instead: about a third dearer, measured here.
        let driver = self.runtime.spawn(spawn_and_join(count, sleep));
        self.runtime.block_on(driver).map_err(|error| {
            format!("the spawning task failed: {error}").into()
        })
    }
}

/// The body of [`Spawner::spawn_join`]: spawn `count` tasks, then collect
/// their results in spawn order.
async fn spawn_and_join(
    count: usize,
    sleep: Duration,
) -> Vec<Result<u64, TaskError>> {
    // Two task bodies, so the zero-sleep task does not carry a timer in
    // its state machine.
    let handles: Vec<JoinHandle<u64>> = (0..count as u64)
        .map(|i| {
            if sleep.is_zero() {
                tokio::spawn(async move {
                    tokio::task::yield_now().await;
                    i
                })
            } else {
                tokio::spawn(async move {
                    tokio::time::sleep(sleep).await;
                    i
                })
            }
        })
        .collect();
    // Awaiting each handle in turn: the tasks already run by themselves;
    // this only collects their results in order (`join_all` would add a
    // second, polled collection of 100,000 futures on top).
    let mut results = Vec::with_capacity(count);
    for (index, handle) in handles.into_iter().enumerate() {
        let name = || task_name(u32::try_from(index).unwrap_or(u32::MAX));
        results.push(handle.await.map_err(|e| task_error(name(), e)));
    }
    results
}
