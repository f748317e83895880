//! Lesson 03: the course's two gevent programs on may, and the spawner
//! the benches time, written with `on_may`'s `spawn`, `joinall` and
//! `sleep` as a gevent program would be with gevent's.

use std::time::{Duration, Instant};

use may::coroutine::JoinHandle;
use shared::{Lane, State, Trace, Transcript};

use super::{MAX_LIVE, Task, joinall, max_live, sleep, spawn, start};
use crate::demo::check_tasks;
use crate::{Runtime, Scale, TaskError, TasksConfig, TasksReport, task_name};

/// [`sleep`], drawn on the timeline as a `waiting` span.
fn traced_sleep(lane: &Lane, duration: Duration) {
    let _waiting = lane.span(State::Waiting, "sleep");
    sleep(duration);
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
    start(workers)?;
    // Each task gets its own handles: a coroutine must own what it uses
    // (`'static`), because it may outlive this stack frame's view of it.
    let (out1, out2, out3) = (out.clone(), out.clone(), out.clone());
    let (lane1, lane2, lane3) =
        (trace.lane("foo"), trace.lane("bar"), trace.lane("func3"));
    // ANCHOR: gevent
    let foo = move || {
        out1.say(&lane1, "Running in foo");
        traced_sleep(&lane1, second * 2); // parks foo; its worker runs bar
        out1.say(&lane1, "Explicit context switch to foo again");
    };
    let bar = move || {
        out2.say(&lane2, "Explicit context to bar");
        traced_sleep(&lane2, second); // parks bar; the worker runs func3
        out2.say(&lane2, "Implicit context switch back to bar");
    };
    let func3 = move || {
        out3.say(&lane3, "running func3");
        traced_sleep(&lane3, Duration::ZERO); // yield_now: back of the queue
        out3.say(&lane3, "running func3 again");
    };
    // SAFETY: may's caveats, checked for these three bodies: they own
    // their handles (no thread-local reference crosses their sleep), need
    // a few KiB of their 32 KiB stack, and block on nothing.
    let tasks = unsafe {
        vec![spawn("foo", foo), spawn("bar", bar), spawn("func3", func3)]
    };
    for result in joinall(tasks) {
        result?;
    }
    // ANCHOR_END: gevent
    Ok(())
}

/// Checks the `tasks` demo's configuration, with a message for each way
/// it can be wrong.
fn check(config: &TasksConfig) -> shared::Result<()> {
    check_tasks(Runtime::May, config)?;
    let limit = max_live();
    if config.count as usize > limit {
        return Err(format!(
            "may can hold at most {limit} coroutines at once here: each \
             stack is a memory mapping, and Linux caps them per process \
             (vm.max_map_count); use --runtime tokio for more"
        )
        .into());
    }
    if config.spawn_blocking {
        return Err("spawn_blocking is tokio's; may has no blocking pool: \
                    give it more workers instead (--workers 2)"
            .into());
    }
    start(config.workers)
}

/// The course's `task(pid)`: sleep `delay`, then print `Task {pid} done`.
/// With `blocking`, the sleep is `std::thread::sleep`: the pitfall.
fn task(
    pid: u32,
    delay: Duration,
    blocking: bool,
    out: &Transcript,
    lane: &Lane,
) {
    if blocking {
        // Wrong on purpose: this stops the worker thread, not just this
        // coroutine, so nothing else queued on the worker runs meanwhile.
        let _blocked = lane.span(State::Blocked, "thread::sleep");
        std::thread::sleep(delay);
    } else {
        traced_sleep(lane, delay);
    }
    out.say(lane, format!("Task {pid} done"));
}

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

/// The course's sync-versus-async `task(pid)` demo.
pub fn tasks_demo(
    config: &TasksConfig,
    out: &Transcript,
    trace: &Trace,
) -> shared::Result<TasksReport> {
    check(config)?;
    let (count, delay) = (config.count, config.delay);
    let main = trace.lane("main");
    let lanes = task_lanes(trace, count);

    out.say(&main, "Synchronous:");
    let started = Instant::now();
    // gevent's main program is itself a greenlet, so its `synchronous()`
    // sleeps with the hub's sleep. The same here: one coroutine calls
    // `task(1)`, `task(2)`... in turn (the course's `range(1, 10)`).
    let (sync_out, sync_lanes) = (out.clone(), lanes.clone());
    // SAFETY: may's caveats, checked for this body: it owns its handles
    // (no thread-local reference crosses a sleep), needs a few KiB of its
    // stack, and blocks on nothing (its sleeps are may's).
    let synchronous = unsafe {
        spawn("synchronous", move || {
            for pid in 1..count {
                let lane = &sync_lanes[pid as usize];
                task(pid, delay, false, &sync_out, lane);
            }
        })
    };
    joinall(vec![synchronous]).remove(0)?;
    let sync_total = started.elapsed();

    out.say(&main, "Asynchronous:");
    let started = Instant::now();
    let tasks: Vec<Task<()>> = (0..count)
        .map(|pid| {
            let (out, lane) = (out.clone(), lanes[pid as usize].clone());
            let blocking = config.blocking && pid == 0;
            // SAFETY: no thread-local reference crosses the sleep, a few
            // KiB of stack; but with `blocking`, task 0 breaks the third
            // caveat ON PURPOSE: it stalls its worker (not unsound).
            unsafe {
                spawn(task_name(pid), move || {
                    task(pid, delay, blocking, &out, &lane);
                })
            }
        })
        .collect();
    let results = joinall(tasks);
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
}

/// Spawns tasks and joins them, over and over, with may started once (so
/// a bench times only spawn + join).
#[derive(Debug)]
pub struct Spawner {
    workers: usize,
}

impl Spawner {
    /// A spawner on `workers` OS threads (may's worker count: fixed for
    /// the process by the first caller).
    pub fn new(workers: usize) -> shared::Result<Spawner> {
        start(workers)?;
        Ok(Spawner { workers })
    }

    /// The worker count this spawner runs on.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Spawns `count` tasks; task `i` sleeps `sleep` (zero: yields once)
    /// and returns `i`. Joins them all and returns each result in spawn
    /// order. At most [`MAX_LIVE`] are alive at once: past it, the
    /// oldest is joined before the next is spawned (with a `sleep`, the
    /// tasks therefore sleep in waves of that many).
    pub fn spawn_join(
        &self,
        count: usize,
        sleep: Duration,
    ) -> shared::Result<Vec<Result<u64, TaskError>>> {
        let mut results = Vec::with_capacity(count);
        let mut live =
            std::collections::VecDeque::with_capacity(count.min(MAX_LIVE));
        for i in 0..count {
            if live.len() == MAX_LIVE
                && let Some(oldest) = live.pop_front()
            {
                results.push(join_lean(oldest, results.len()));
            }
            let i = i as u64;
            // SAFETY: may's caveats, checked for this body: it blocks on
            // nothing (may's own sleep or yield_now), touches no
            // thread-local storage, and needs a few hundred bytes of its
            // 32 KiB stack.
            live.push_back(may::go!(move || {
                super::sleep(sleep);
                i
            }));
        }
        while let Some(oldest) = live.pop_front() {
            results.push(join_lean(oldest, results.len()));
        }
        Ok(results)
    }
}

/// Joins task `index` of `spawn_join`; its name is built only if it
/// panicked.
fn join_lean(handle: JoinHandle<u64>, index: usize) -> Result<u64, TaskError> {
    handle.join().map_err(|payload| TaskError::Panicked {
        task: task_name(u32::try_from(index).unwrap_or(u32::MAX)),
        message: shared::panic_message(&*payload),
    })
}
