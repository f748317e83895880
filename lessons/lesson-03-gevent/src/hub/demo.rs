//! Lesson 03: the course's two gevent programs on the hub, and the
//! spawner the benches time. Everything here uses only the hub's public
//! functions, as a gevent program would.

use std::time::{Duration, Instant};

use lesson_02_greenlet::stack;
use shared::{Lane, State, Trace, Transcript};

use super::{Builder, Config, Task, joinall, run_with, sleep, spawn};
use crate::demo::check_tasks;
use crate::{Runtime, Scale, TaskError, TasksConfig, TasksReport, task_name};

/// A `sleep` recorded as a `Waiting` span on `lane`.
fn traced_sleep(lane: &Lane, duration: Duration) {
    let _wait = lane.span(State::Waiting, "sleep");
    sleep(duration);
}

/// The course's `joinall([spawn(foo), spawn(bar), spawn(func3)])`,
/// printing [`crate::GEVENT_TRANSCRIPT`]; `scale` multiplies the sleeps
/// ([`Scale::ONE`]: the course's 2 s and 1 s); `workers` must be 1.
pub fn gevent_demo(
    scale: Scale,
    workers: usize,
    out: &Transcript,
    trace: &Trace,
) -> shared::Result<()> {
    Runtime::Hub.check_workers(workers)?;
    let seconds = |s: f64| scale.seconds(s);
    // Lanes in the course's order, then the hub's.
    let names = ["foo", "bar", "func3"];
    for name in names {
        trace.lane(name);
    }
    let config = Config {
        trace: Some(trace.lane("hub")),
        ..Config::default()
    };
    let results = run_with(config, || {
        // ANCHOR: gevent_demo
        // The course's three functions have one shape: print, sleep, print.
        let course_task = |name: &'static str, pause, lines: [usize; 2]| {
            let (out, lane) = (out.clone(), trace.lane(name));
            let [before, after] = lines.map(|i| crate::GEVENT_TRANSCRIPT[i]);
            Builder::new().name(name).spawn(move || {
                out.say(&lane, before);
                traced_sleep(&lane, pause); // gevent.sleep: to the hub
                out.say(&lane, after);
            })
        };
        joinall(&[
            course_task(names[0], seconds(2.0), [0, 5]),
            course_task(names[1], seconds(1.0), [1, 4]),
            course_task(names[2], Duration::ZERO, [2, 3]),
        ])
        // ANCHOR_END: gevent_demo
    });
    for result in results {
        result?;
    }
    Ok(())
}

/// The course's sync-versus-async `task(pid)` demo on the hub: the
/// synchronous loop sleeps with [`sleep`] from main, one task after
/// another; the asynchronous run spawns them all and joins them.
pub fn tasks_demo(
    config: &TasksConfig,
    out: &Transcript,
    trace: &Trace,
) -> shared::Result<TasksReport> {
    check_tasks(Runtime::Hub, config)?;
    if config.spawn_blocking {
        return Err("--spawn-blocking is tokio's fix (a blocking thread \
                    pool); the hub has one thread: use --runtime tokio"
            .into());
    }
    let main = trace.lane("main");
    let hub_config = Config {
        trace: Some(trace.lane("hub")),
        ..Config::default()
    };
    let (delay, blocking) = (config.delay, config.blocking);
    // Each task's lane, by name. An untraced run shares one lane of a
    // disabled trace instead: naming 100,000 lanes nobody draws would
    // cost a string and a lookup per task.
    let untraced = Trace::disabled().lane("task");
    let task_lane = |pid: u32| {
        if trace.is_enabled() {
            trace.lane(task_name(pid))
        } else {
            untraced.clone()
        }
    };
    let report = run_with(hub_config, || {
        out.say(&main, "Synchronous:");
        let started = Instant::now();
        for pid in 1..config.count {
            let lane = task_lane(pid);
            traced_sleep(&lane, delay);
            out.say(&lane, format!("Task {pid} done"));
        }
        let sync_total = started.elapsed();

        out.say(&main, "Asynchronous:");
        let started = Instant::now();
        // ANCHOR: asynchronous
        let tasks: Vec<Task<()>> = (0..config.count)
            .map(|pid| {
                let (out, lane) = (out.clone(), task_lane(pid));
                spawn(move || {
                    if blocking && pid == 0 {
                        // The pitfall: the thread sleeps, and the hub
                        // with it; nobody else runs until this returns.
                        // ANCHOR_END: asynchronous
                        let _stuck = lane.span(State::Blocked, "thread::sleep");
                        // ANCHOR: asynchronous
                        std::thread::sleep(delay);
                    } else {
                        traced_sleep(&lane, delay);
                    }
                    out.say(&lane, format!("Task {pid} done"));
                })
            })
            .collect();
        let results = joinall(&tasks);
        // ANCHOR_END: asynchronous
        let async_total = started.elapsed();
        results.into_iter().collect::<Result<Vec<()>, _>>()?;
        Ok::<_, TaskError>(TasksReport {
            sync_tasks: config.count - 1,
            sync_total,
            async_tasks: config.count,
            async_total,
        })
    })?;
    Ok(report)
}

/// Spawns tasks and joins them, over and over, with one hub per call and
/// no tracing or printing, so a bench times spawn + join (and a hub
/// greenlet, once per call).
#[derive(Debug)]
pub struct Spawner {
    config: Config,
}

impl Spawner {
    /// A spawner on one OS thread (`workers` must be 1).
    pub fn new(workers: usize) -> shared::Result<Spawner> {
        Runtime::Hub.check_workers(workers)?;
        Ok(Spawner {
            config: Config::default(),
        })
    }

    /// Spawns `count` tasks; task `i` sleeps `sleep` (zero: yields once)
    /// and returns `i`. Joins them all and returns each result in spawn
    /// order. All `count` are alive at once: each is suspended in its
    /// sleep before the first one finishes.
    ///
    /// Raises this thread's stack pool to `count` stacks first, so that
    /// a repeated run reuses every stack of the last instead of mapping
    /// them again: the pool then keeps one touched page per stack
    /// (100,000 tasks: about 400 MB) until [`super::release_stacks`].
    pub fn spawn_join(
        &self,
        count: usize,
        sleep_for: Duration,
    ) -> shared::Result<Vec<Result<u64, TaskError>>> {
        stack::set_pool_capacity(stack::pool_capacity().max(count));
        let results = run_with(self.config.clone(), || {
            let tasks: Vec<Task<u64>> = (0..count as u64)
                .map(|i| {
                    spawn(move || {
                        sleep(sleep_for);
                        i
                    })
                })
                .collect();
            joinall(&tasks)
        });
        // A task that never ran had no stack: an OS limit, not a result.
        let unstarted = results.iter().find_map(|r| match r {
            Err(TaskError::Unfinished { task, reason }) => {
                Some(format!("{task}: no stack: {reason}"))
            }
            _ => None,
        });
        match unstarted {
            Some(error) => Err(error.into()),
            None => Ok(results),
        }
    }
}
