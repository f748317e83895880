//! Lesson 03: gevent's `spawn`/`joinall` — our own hub on lesson 02's
//! greenlets, then the same programs on `may` and on tokio.
//!
//! **Python original.** `../shared/seeds/004_ef699e389cc80635.txt` (and
//! the same programs in `002_4a3846ad69afcffc.txt`): `foo`, `bar` and
//! `func3` each print, `gevent.sleep` 2 s, 1 s and 0 s, and print again,
//! run by `gevent.joinall([gevent.spawn(foo), gevent.spawn(bar),
//! gevent.spawn(func3)])`; they print the six lines of
//! [`GEVENT_TRANSCRIPT`]. Then `task(pid)`, which does `gevent.sleep(0.5)`
//! and prints `Task {pid} done`, run by `synchronous()` one after another
//! (the seed's `range(1, 10)`: nine tasks, a quirk we keep) and by
//! `asynchronous()` as ten spawned greenlets joined with `joinall`.
//! Further down, the seed's `monkey.patch_all()` turns the standard
//! library's blocking calls into ones that switch.
//!
//! **Rust mapping.** The same two programs on three runtimes, chosen with
//! [`Runtime`] (`--runtime hub|may|tokio`):
//!
//! | gevent | [`hub`] (ours) | [`on_may`] | [`on_tokio`] |
//! |---|---|---|---|
//! | the hub: libev's loop in a greenlet | [`hub::run`]: a greenlet with a ready queue and a timer heap | may's scheduler: worker threads and a timer thread | a runtime: [`on_tokio::runtime`] |
//! | `gevent.spawn(f)` | [`hub::spawn`]: a greenlet | [`on_may::spawn`]: a coroutine (`go!`) | [`on_tokio::spawn`]: a task (`tokio::spawn`) |
//! | `gevent.joinall(gs)` | [`hub::joinall`] | [`on_may::joinall`] | [`on_tokio::joinall`] (`join_all`) |
//! | `gevent.sleep(d)` | [`hub::sleep`]: a timer, then switch to the hub | [`on_may::sleep`] | [`on_tokio::sleep`]`(d).await` |
//! | `gevent.sleep(0)` | [`hub::sleep`]`(ZERO)`: back of the ready queue | `yield_now` | `yield_now().await` |
//! | `monkey.patch_all()` | none: call [`hub::sleep`], never `thread::sleep` | none: call may's own sleep, or add workers | none: `.await` tokio's calls; `spawn_blocking` for the rest |
//! | an exception in a greenlet | [`TaskError::Panicked`] from `joinall` | the same | the same |
//!
//! The hub is gevent's own design, small enough to read in one sitting:
//! one OS thread, every task a greenlet (lesson 02), and the hub the only
//! place that waits. may is the same idea industrialised: stackful
//! coroutines, but on several worker threads if asked. tokio has no
//! stacks at all: a task is a future, a state machine the compiler wrote,
//! and it can only pause at an `.await`.
//!
//! The seed's first program, on each runtime, in a thousandth of its time:
//!
//! ```
//! use lesson_03_gevent::{GEVENT_TRANSCRIPT, Runtime, gevent_demo};
//! use shared::{Trace, Transcript};
//!
//! for runtime in Runtime::ALL {
//!     let out = Transcript::quiet();
//!     gevent_demo(runtime, 0.001, 1, &out, &Trace::disabled())?;
//!     assert_eq!(out.lines(), GEVENT_TRANSCRIPT);
//! }
//! # Ok::<(), shared::Error>(())
//! ```
//!
//! This file holds what the three share: the [`TasksConfig`] of the
//! `task(pid)` demo and its [`TasksReport`], one entry point per demo that
//! dispatches on the runtime ([`gevent_demo`], [`tasks_demo`]), the
//! [`AnySpawner`] that spawns N tasks for `spawn` and the benches (with
//! OS [`threads`] as the control group), [`spawn_report`] (time and
//! resident memory per task, through [`memory`]), the [`sweep`] of both
//! against the number of tasks, and [`measure`].
//!
//! **Run it.**
//!
//! ```text
//! cargo run -p lesson-03-gevent                          # gevent's six lines (3 s)
//! cargo run -p lesson-03-gevent -- --runtime tokio --scale 0.1 --timeline
//! cargo run -p lesson-03-gevent -- tasks                 # sync 4.5 s, async 0.5 s
//! cargo run -p lesson-03-gevent -- tasks --blocking --timeline
//! cargo run -p lesson-03-gevent -- tasks --runtime may --workers 2 --blocking
//! cargo run -p lesson-03-gevent -- tasks --runtime tokio --blocking --spawn-blocking
//! cargo run --release -p lesson-03-gevent -- spawn --count 100000 --runtime tokio
//! cargo run --release -p lesson-03-gevent -- spawn --count 1000 --os-threads
//! cargo run --release -p lesson-03-gevent -- sweep --svg sweep.svg
//! cargo run --release -p lesson-03-gevent -- measure     # every figure
//! ```
//!
//! `--runtime` and `--workers` go before or after the subcommand; with
//! `--workers 2`, may and tokio run on two OS threads (tokio's
//! multi-thread runtime) and the six lines may come out in another order.
//!
//! **What to notice.**
//!
//! - The six lines come out in the same order on every runtime with one
//!   thread: `foo` sleeps first, so `bar` runs; `bar` sleeps, so `func3`
//!   runs; its `sleep(0)` only yields, and nothing else is ready, so it
//!   goes on. Every switch happens at a sleep; nothing is preempted.
//! - `tasks`: nine sleeps one after another take 4.5 s, ten at once take
//!   0.5 s, on one thread. Async wins on *waiting*, not on work: the ten
//!   sleeps overlap on the timeline (`--timeline`) and the CPU is idle.
//! - `tasks --blocking`: one task calls `std::thread::sleep` and every
//!   other task on its thread waits behind it (the async total doubles).
//!   That is why gevent needs `monkey.patch_all()`: a call that does not
//!   switch to the hub blocks the hub. The fixes are the runtime's own
//!   sleep, tokio's `spawn_blocking`, or more may/tokio workers.
//! - `spawn`: spawning and joining a task costs a few hundred
//!   nanoseconds to a microsecond on each runtime, an OS thread about
//!   90 µs. In memory, a hub greenlet costs about 4.5 KiB resident (one
//!   touched page of its 32 KiB stack, and its bookkeeping), a may
//!   coroutine about 9.5 KiB (two pages of its stack, and may's
//!   bookkeeping), an OS thread about 9.5 KiB resident (of 2 MiB of
//!   stack reserved, and kernel memory that `VmRSS` does not show), and a
//!   tokio task about 460 B: its future's state machine and a header, no
//!   stack at all. Resident memory comes in whole pages, which is why
//!   stackful tasks cost pages and stackless ones bytes. For scale:
//!   gevent, measured on this machine, 16 to 23 µs per spawned and joined
//!   greenlet and 4.4 to 8.3 KiB per live one; the issue quotes Go at
//!   550 ns and 2.7 KiB per goroutine.

use std::fmt;
use std::time::Duration;

use shared::{Figure, Trace, Transcript};

pub mod hub;
pub mod memory;
pub mod on_may;
pub mod on_tokio;
pub mod sweep;
pub mod threads;

/// What gevent prints for the seed's `joinall([spawn(foo), spawn(bar),
/// spawn(func3)])`, in order: every runtime must print exactly this with
/// one thread.
pub const GEVENT_TRANSCRIPT: [&str; 6] = [
    "Running in foo",
    "Explicit context to bar",
    "running func3",
    "running func3 again",
    "Implicit context switch back to bar",
    "Explicit context switch to foo again",
];

/// Which runtime runs the demos: `--runtime hub|may|tokio`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Runtime {
    /// Our hub: one OS thread, lesson 02's greenlets, a ready queue and a
    /// timer heap (gevent's design).
    Hub,
    /// `may`: stackful coroutines on may's own work-stealing scheduler.
    May,
    /// tokio: stackless tasks (futures) on a current-thread or a
    /// multi-thread runtime.
    Tokio,
}

impl Runtime {
    /// Every runtime, in the order the lesson introduces them.
    pub const ALL: [Runtime; 3] = [Runtime::Hub, Runtime::May, Runtime::Tokio];

    /// The name used on the command line and in figure names.
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Hub => "hub",
            Runtime::May => "may",
            Runtime::Tokio => "tokio",
        }
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a spawned task can end with instead of its value, as `joinall`
/// reports it: the same for every runtime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskError {
    /// The task panicked; its message. The other tasks carry on.
    Panicked {
        /// The task's name (`task 3`, `foo`).
        task: String,
        /// The panic's message.
        message: String,
    },
    /// The runtime could not finish the task: nothing was left that could
    /// ever wake it (gevent's `LoopExit`), or the runtime shut down.
    Unfinished {
        /// The task's name.
        task: String,
        /// Why.
        reason: String,
    },
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Panicked { task, message } => {
                write!(f, "{task} panicked: {message}")
            }
            TaskError::Unfinished { task, reason } => {
                write!(f, "{task} did not finish: {reason}")
            }
        }
    }
}

impl std::error::Error for TaskError {}

/// How the `tasks` demo runs: the seed's `task(pid)` sleeping `delay`,
/// first one after another (`synchronous()`), then spawned and joined
/// (`asynchronous()`).
#[derive(Clone, Debug, PartialEq)]
pub struct TasksConfig {
    /// The seed's 10. Faithful to the seed's quirk, the synchronous loop
    /// runs `range(1, count)` (tasks 1 to count-1, so 9 by default) and
    /// the asynchronous one spawns `range(count)` (tasks 0 to count-1).
    pub count: u32,
    /// How long each task sleeps: the seed's 0.5 s.
    pub delay: Duration,
    /// OS threads the runtime may use: 1 is gevent's shape (may: one
    /// worker; tokio: the current-thread runtime). The hub only has 1.
    pub workers: usize,
    /// The pitfall: task 0 calls `std::thread::sleep` instead of the
    /// runtime's sleep, which stalls every task on its thread.
    pub blocking: bool,
    /// tokio's fix for the pitfall: run the blocking call on the blocking
    /// pool with `spawn_blocking`. Only the tokio runtime has it.
    pub spawn_blocking: bool,
}

impl Default for TasksConfig {
    fn default() -> Self {
        TasksConfig {
            count: 10,
            delay: Duration::from_millis(500),
            workers: 1,
            blocking: false,
            spawn_blocking: false,
        }
    }
}

/// What the `tasks` demo measured.
#[derive(Clone, Debug, PartialEq)]
pub struct TasksReport {
    /// Tasks the synchronous loop ran (`count - 1`: the seed's quirk).
    pub sync_tasks: u32,
    /// Wall time of the synchronous loop.
    pub sync_total: Duration,
    /// Tasks spawned and joined (`count`).
    pub async_tasks: u32,
    /// Wall time of spawn + joinall.
    pub async_total: Duration,
}

impl TasksReport {
    /// How many times faster the asynchronous run was.
    pub fn speedup(&self) -> f64 {
        self.sync_total.as_secs_f64() / self.async_total.as_secs_f64()
    }
}

/// The name of task `pid`'s lane on the timeline and in errors.
pub fn task_name(pid: u32) -> String {
    format!("task {pid}")
}

/// Refuses what a runtime cannot do before it starts: the hub is one OS
/// thread, as gevent's is; `workers` is 1..=64 for the others.
fn check_workers(runtime: Runtime, workers: usize) -> shared::Result<()> {
    if runtime == Runtime::Hub && workers != 1 {
        return Err("the hub is one OS thread, like gevent's; use --runtime \
                    may or tokio for more workers"
            .into());
    }
    if !(1..=64).contains(&workers) {
        return Err(format!("workers must be 1 to 64, not {workers}").into());
    }
    Ok(())
}

/// The seed's `joinall([spawn(foo), spawn(bar), spawn(func3)])` on
/// `runtime`: prints [`GEVENT_TRANSCRIPT`] through `out`, with the seed's
/// sleeps of 2 s and 1 s multiplied by `scale`.
pub fn gevent_demo(
    runtime: Runtime,
    scale: f64,
    workers: usize,
    out: &Transcript,
    trace: &Trace,
) -> shared::Result<()> {
    check_workers(runtime, workers)?;
    if !(scale.is_finite() && (0.0..=100.0).contains(&scale)) {
        return Err(format!("scale must be 0 to 100, not {scale}").into());
    }
    match runtime {
        Runtime::Hub => hub::gevent_demo(scale, workers, out, trace),
        Runtime::May => on_may::gevent_demo(scale, workers, out, trace),
        Runtime::Tokio => on_tokio::gevent_demo(scale, workers, out, trace),
    }
}

/// The longest a run of `tasks` or `spawn` may spend asleep: ten minutes.
/// Each flag has its own range, but their product does not: 100,000 tasks
/// of 60 s one after another would sleep for 69 days.
pub const MAX_ASLEEP: Duration = Duration::from_secs(600);

/// Refuses a run that would sleep `times` × `each` in all, past
/// [`MAX_ASLEEP`], naming `what` sleeps.
fn check_asleep(
    what: &str,
    times: usize,
    each: Duration,
) -> shared::Result<()> {
    let times32 = u32::try_from(times).unwrap_or(u32::MAX);
    let asleep = each.saturating_mul(times32);
    if asleep <= MAX_ASLEEP {
        return Ok(());
    }
    Err(format!(
        "{what} would sleep {times} × {} ms = {} s, more than {} s: ask for \
         fewer tasks or a shorter sleep",
        each.as_millis(),
        asleep.as_secs(),
        MAX_ASLEEP.as_secs()
    )
    .into())
}

/// The seed's sync-versus-async `task(pid)` demo on `runtime`. Refuses a
/// synchronous half that would sleep longer than [`MAX_ASLEEP`].
pub fn tasks_demo(
    runtime: Runtime,
    config: &TasksConfig,
    out: &Transcript,
    trace: &Trace,
) -> shared::Result<TasksReport> {
    check_workers(runtime, config.workers)?;
    let sync_tasks = config.count.saturating_sub(1) as usize;
    check_asleep("the synchronous loop", sync_tasks, config.delay)?;
    match runtime {
        Runtime::Hub => hub::tasks_demo(config, out, trace),
        Runtime::May => on_may::tasks_demo(config, out, trace),
        Runtime::Tokio => on_tokio::tasks_demo(config, out, trace),
    }
}

/// What spawns the tasks of a `spawn` run: one of the three runtimes'
/// spawners, built once (worker threads started, stacks pooled) so that a
/// run times only spawn + join, or plain OS threads.
#[derive(Debug)]
pub enum AnySpawner {
    /// [`hub::Spawner`].
    Hub(hub::Spawner),
    /// [`on_may::Spawner`].
    May(on_may::Spawner),
    /// [`on_tokio::Spawner`].
    Tokio(on_tokio::Spawner),
    /// [`threads::spawn_join`].
    Threads,
}

impl AnySpawner {
    /// `runtime`'s spawner on `workers` OS threads.
    pub fn new(runtime: Runtime, workers: usize) -> shared::Result<Self> {
        check_workers(runtime, workers)?;
        Ok(match runtime {
            Runtime::Hub => AnySpawner::Hub(hub::Spawner::new(workers)?),
            Runtime::May => AnySpawner::May(on_may::Spawner::new(workers)?),
            Runtime::Tokio => {
                AnySpawner::Tokio(on_tokio::Spawner::new(workers)?)
            }
        })
    }

    /// How many of `count` spawned tasks are alive at once at the peak:
    /// all of them, except on may, whose `spawn_join` keeps at most
    /// [`on_may::MAX_LIVE`] alive (its pool of ready stacks: beyond it,
    /// every spawn maps a fresh stack, see there).
    pub fn live(&self, count: usize) -> usize {
        match self {
            AnySpawner::May(_) => count.min(on_may::MAX_LIVE),
            _ => count,
        }
    }

    /// Spawns `count` tasks that each sleep `sleep` (zero: yield once) and
    /// return their index; joins them; returns the results in spawn order.
    pub fn spawn_join(
        &self,
        count: usize,
        sleep: Duration,
    ) -> shared::Result<Vec<Result<u64, TaskError>>> {
        match self {
            AnySpawner::Hub(s) => s.spawn_join(count, sleep),
            AnySpawner::May(s) => s.spawn_join(count, sleep),
            AnySpawner::Tokio(s) => s.spawn_join(count, sleep),
            AnySpawner::Threads => threads::spawn_join(count, sleep),
        }
    }
}

/// The name of a runtime with its worker count in figure names:
/// `hub`, `may`, `tokio_ct` (tokio's current-thread runtime, for one
/// worker) and `tokio_mt` (the multi-thread one).
pub fn spawner_name(runtime: Runtime, workers: usize) -> &'static str {
    match (runtime, workers) {
        (Runtime::Hub, _) => "hub",
        (Runtime::May, _) => "may",
        (Runtime::Tokio, 1) => "tokio_ct",
        (Runtime::Tokio, _) => "tokio_mt",
    }
}

/// What one `spawn` run measured: N tasks spawned, all alive at once,
/// joined.
#[derive(Clone, Debug, PartialEq)]
pub struct SpawnReport {
    /// Tasks spawned.
    pub count: usize,
    /// Wall time per task of the first batch (spawn + join), which also
    /// pays for first-touching every page the tasks use.
    pub cold_ns_per_task: f64,
    /// Wall time per task of the next batches on the same spawner, with
    /// pages and pools warm (the median of [`WARM_BATCHES`]): what the
    /// bench measures.
    pub ns_per_task: f64,
    /// Tasks alive at once at the peak ([`AnySpawner::live`]).
    pub live: usize,
    /// Peak resident growth of the first batch, less the vector of
    /// results, divided by `live`: what a live task costs in memory.
    /// `None` where the kernel cannot tell (see [`memory`]).
    pub bytes_per_task: Option<f64>,
    /// Tasks that returned a value, in all batches together.
    pub completed: usize,
    /// Whether every task `i` returned `i`, in every batch.
    pub checked: bool,
    /// The first task that did not return its value, if any.
    pub first_error: Option<TaskError>,
}

/// How far a batch of results is from "task `i` returned `i`".
fn check_results(
    results: &[Result<u64, TaskError>],
) -> (usize, bool, Option<TaskError>) {
    let completed = results.iter().filter(|r| r.is_ok()).count();
    let in_order = results
        .iter()
        .enumerate()
        .all(|(i, r)| matches!(r, Ok(v) if *v == i as u64));
    let first_error = results.iter().find_map(|r| r.clone().err());
    (completed, in_order, first_error)
}

/// Spawns `count` tasks on `spawner` in batches: the first measures the
/// peak resident growth and the cold time, the [`WARM_BATCHES`] after it
/// the warm time. Refuses a run whose sleeps would add up to more than
/// [`MAX_ASLEEP`].
pub fn spawn_report_on(
    spawner: &AnySpawner,
    count: usize,
    sleep: Duration,
) -> shared::Result<SpawnReport> {
    if !(1..=1_000_000).contains(&count) {
        return Err(format!("count must be 1 to 1000000, not {count}").into());
    }
    // Every batch sleeps once per wave of live tasks (one wave, except on
    // may past its window).
    let waves = count.div_ceil(spawner.live(count));
    check_asleep("this run", (1 + WARM_BATCHES) * waves, sleep)?;
    match spawner {
        // may's scheduler starts at its first spawn, and maps and touches
        // its whole pool of stacks (`on_may::POOL_CAPACITY`). Those are
        // the stacks the live tasks run on, so the first batch pays for
        // them: no warm-up. (In a process where may has run before, the
        // pool is resident already and only what is new shows: `sweep`
        // runs each point in a fresh process for that reason.)
        AnySpawner::May(_) => {}
        // The hub keeps finished tasks' stacks for reuse, resident: unmap
        // them, or a second report would reuse the last one's pages and
        // see almost no growth.
        AnySpawner::Hub(_) => {
            hub::release_stacks();
        }
        // One task first, unmeasured, so that tokio's lazily started
        // worker threads are not charged to the tasks.
        AnySpawner::Tokio(_) | AnySpawner::Threads => {
            spawner.spawn_join(1, Duration::ZERO)?;
        }
    }
    let ((cold, cold_time), growth) = memory::peak_growth(|| {
        shared::timed(|| spawner.spawn_join(count, sleep))
    });
    let cold = cold?;
    // The vector of results is the harness's, not the tasks': without
    // this, may (which keeps only a window of tasks alive) would be
    // charged 100,000 results for 1,000 live tasks.
    let results_bytes = std::mem::size_of_val(cold.as_slice()) as u64;
    let growth = growth.map(|bytes| bytes.saturating_sub(results_bytes));
    let per_task = |d: Duration| d.as_nanos() as f64 / count as f64;
    let (mut completed, mut checked, mut first_error) = check_results(&cold);
    checked &= cold.len() == count;
    drop(cold);
    // Warm batches on the same spawner: the median, so that one batch
    // the OS interrupted (or another process crowded) does not move it.
    let mut warm_ns = Vec::with_capacity(WARM_BATCHES);
    for _ in 0..WARM_BATCHES {
        let (warm, took) = shared::timed(|| spawner.spawn_join(count, sleep));
        let warm = warm?;
        let (done, ok, error) = check_results(&warm);
        completed += done;
        checked &= ok && warm.len() == count;
        first_error = first_error.or(error);
        warm_ns.push(per_task(took));
    }
    Ok(SpawnReport {
        count,
        cold_ns_per_task: per_task(cold_time),
        ns_per_task: shared::median(warm_ns),
        live: spawner.live(count),
        bytes_per_task: growth
            .map(|bytes| bytes as f64 / spawner.live(count) as f64),
        completed,
        checked,
        first_error,
    })
}

/// How many warm batches [`spawn_report_on`] times after the cold one.
pub const WARM_BATCHES: usize = 3;

/// `runtime`'s spawner on `workers` threads, then [`spawn_report_on`]:
/// what `spawn --count N` prints.
pub fn spawn_report(
    runtime: Runtime,
    workers: usize,
    count: usize,
    sleep: Duration,
) -> shared::Result<SpawnReport> {
    let spawner = AnySpawner::new(runtime, workers)?;
    spawn_report_on(&spawner, count, sleep)
}

/// The figures of one spawn report, named after `who`: `spawn_ns_{who}`
/// (warm), `spawn_cold_ns_{who}` and, where measured, `task_bytes_{who}`.
pub fn spawn_figures(who: &str, report: &SpawnReport) -> Vec<Figure> {
    let mut figures = vec![
        Figure::new(format!("spawn_ns_{who}"), report.ns_per_task, "ns"),
        Figure::new(
            format!("spawn_cold_ns_{who}"),
            report.cold_ns_per_task,
            "ns",
        ),
    ];
    if let Some(bytes) = report.bytes_per_task {
        figures.push(Figure::new(format!("task_bytes_{who}"), bytes, "B"));
    }
    figures
}

/// How much `measure` runs: [`Sizes::QUICK`] for the tour's test (well
/// under a second, even in a debug build), [`Sizes::NORMAL`] for the
/// `measure` subcommand and the tour (a few seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// Tasks per spawn batch for hub, may and tokio.
    pub spawn_count: usize,
    /// OS threads per batch (thousands at most: each is a real thread).
    pub thread_count: usize,
    /// Tasks of the `tasks` demo (the sync loop runs one fewer).
    pub tasks_count: u32,
    /// Each task's sleep in the `tasks` demo.
    pub tasks_delay: Duration,
}

impl Sizes {
    /// Well under a second in a debug build: 1,000 tasks per batch,
    /// 100 threads, 10 tasks of 5 ms.
    pub const QUICK: Sizes = Sizes {
        spawn_count: 1_000,
        thread_count: 100,
        tasks_count: 10,
        tasks_delay: Duration::from_millis(5),
    };

    /// A few seconds in a release build: 100,000 tasks per batch (the
    /// issue's targets are at N = 100,000), 1,000 threads, 10 tasks of
    /// 50 ms.
    pub const NORMAL: Sizes = Sizes {
        spawn_count: 100_000,
        thread_count: 1_000,
        tasks_count: 10,
        tasks_delay: Duration::from_millis(50),
    };
}

/// Every figure of the lesson, as `measure` prints them:
///
/// - `spawn_ns_{hub,may,tokio_ct,tokio_mt,thread}` (ns): spawn + join per
///   task, warm, N = `spawn_count` (`thread_count` for threads), each task
///   yielding once; `spawn_cold_ns_*` the same for the first batch;
/// - `task_bytes_*` (B): peak resident growth per live task (Linux only);
/// - `spawn_ratio_thread_over_tokio_ct` (x): how many tokio tasks cost the
///   time of one OS thread;
/// - `tasks_async_ms_{hub,may,tokio}` (ms) and `tasks_speedup_*` (x): the
///   seed's demo (`tasks_count` tasks of `tasks_delay`): the async total,
///   about one delay, and sync over async, about `count - 1`;
/// - `tasks_speedup_hub_blocking` (x): the pitfall, task 0 calling
///   `std::thread::sleep` (about half the speedup: everyone waits for it),
///   and `tasks_speedup_tokio_spawn_blocking` (x): tokio's fix.
///
/// may's worker count is fixed once per process (its scheduler is a
/// global): the may figures are for one worker if this is the first may
/// run of the process, else for whatever the first run configured. may's
/// `spawn_join` keeps at most [`on_may::MAX_LIVE`] tasks alive at once, so
/// `task_bytes_may` is per live task of that window; and it includes
/// may's pool of stacks only if this is may's first run in the process
/// (see [`spawn_report_on`]).
pub fn measure(sizes: Sizes) -> shared::Result<Vec<Figure>> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut figures = Vec::new();
    // may's worker count is fixed by its first run in the process.
    let may_workers = on_may::workers().unwrap_or(1);
    let contenders = [
        (Runtime::Hub, 1),
        (Runtime::May, may_workers),
        (Runtime::Tokio, 1),
        (Runtime::Tokio, cores.clamp(2, 64)),
    ];
    let mut tokio_ct_ns = f64::NAN;
    for (runtime, workers) in contenders {
        let who = spawner_name(runtime, workers);
        let report =
            spawn_report(runtime, workers, sizes.spawn_count, Duration::ZERO)
                .map_err(|e| format!("spawn on {who}: {e}"))?;
        check_report(who, &report)?;
        if who == "tokio_ct" {
            tokio_ct_ns = report.ns_per_task;
        }
        figures.extend(spawn_figures(who, &report));
    }
    let threads = spawn_report_on(
        &AnySpawner::Threads,
        sizes.thread_count,
        Duration::ZERO,
    )?;
    check_report("thread", &threads)?;
    figures.extend(spawn_figures("thread", &threads));
    figures.push(Figure::new(
        "spawn_ratio_thread_over_tokio_ct",
        threads.ns_per_task / tokio_ct_ns,
        "x",
    ));

    let base = TasksConfig {
        count: sizes.tasks_count,
        delay: sizes.tasks_delay,
        ..TasksConfig::default()
    };
    let runs = [
        ("hub", Runtime::Hub, base.clone()),
        ("may", Runtime::May, base.clone()),
        ("tokio", Runtime::Tokio, base.clone()),
        (
            "hub_blocking",
            Runtime::Hub,
            TasksConfig {
                blocking: true,
                ..base.clone()
            },
        ),
        (
            "tokio_spawn_blocking",
            Runtime::Tokio,
            TasksConfig {
                blocking: true,
                spawn_blocking: true,
                ..base.clone()
            },
        ),
    ];
    for (who, runtime, config) in runs {
        let report = tasks_demo(
            runtime,
            &config,
            &Transcript::quiet(),
            &Trace::disabled(),
        )
        .map_err(|e| format!("tasks on {who}: {e}"))?;
        if !who.contains("blocking") {
            figures.push(Figure::new(
                format!("tasks_async_ms_{who}"),
                report.async_total.as_secs_f64() * 1e3,
                "ms",
            ));
        }
        figures.push(Figure::new(
            format!("tasks_speedup_{who}"),
            report.speedup(),
            "x",
        ));
    }
    Ok(figures)
}

/// A spawn run whose tasks did not all return their index is a broken
/// runtime, not a figure.
fn check_report(who: &str, report: &SpawnReport) -> shared::Result<()> {
    if report.checked {
        return Ok(());
    }
    Err(match &report.first_error {
        Some(error) => format!("spawn on {who}: {error}"),
        None => format!("spawn on {who}: a task returned the wrong value"),
    }
    .into())
}
