//! Lesson 03: spawning many tasks at once, on each runtime or on OS
//! threads, and what one costs in time and in resident memory.
//!
//! The course's claim for gevent is that a greenlet is cheap: spawn a
//! thousand, where a thousand threads would hurt. `spawn --count N`
//! checks that claim for each runtime: N tasks that each sleep (or yield
//! once), all alive at once, joined, every one returning its own index.
//! The first batch pays for first-touching its pages (the *cold* figure);
//! the [`WARM_BATCHES`] after it on the same spawner give the *warm* one,
//! which is what the benches measure. The memory is the peak resident
//! growth of the first batch per live task, read from the kernel by
//! [`memory`](crate::memory).

use std::fmt;
use std::time::Duration;

use clap::ValueEnum;

use crate::demo::check_asleep;
use crate::runtime::write_value_name;
use crate::{Runtime, TaskError, hub, memory, on_may, on_tokio, threads};

/// Who spawns, in figure names and in the sweep: a runtime with its
/// worker count, or OS threads (the control group). The list of them is
/// clap's [`ValueEnum::value_variants`], in the order of the sweep's
/// legend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ValueEnum)]
pub enum Contender {
    /// The hub, one OS thread.
    Hub,
    /// may, with the process's worker count (one, unless set before).
    May,
    /// tokio's current-thread runtime.
    #[value(name = "tokio_ct")]
    TokioCt,
    /// tokio's multi-thread runtime (two workers in the sweep).
    #[value(name = "tokio_mt")]
    TokioMt,
    /// One OS thread per task.
    Thread,
}

impl Contender {
    /// The contender of `runtime` on `workers` threads: tokio is
    /// `tokio_ct` with one worker and `tokio_mt` with more.
    pub fn of(runtime: Runtime, workers: usize) -> Contender {
        match (runtime, workers) {
            (Runtime::Hub, _) => Contender::Hub,
            (Runtime::May, _) => Contender::May,
            (Runtime::Tokio, 1) => Contender::TokioCt,
            (Runtime::Tokio, _) => Contender::TokioMt,
        }
    }

    /// The runtime and worker count it runs on, `None` for OS threads;
    /// `tokio_mt` gets two workers, may the count it already runs with
    /// (one if it has not started).
    pub fn runtime(self) -> Option<(Runtime, usize)> {
        match self {
            Contender::Hub => Some((Runtime::Hub, 1)),
            Contender::May => {
                Some((Runtime::May, on_may::workers().unwrap_or(1)))
            }
            Contender::TokioCt => Some((Runtime::Tokio, 1)),
            Contender::TokioMt => Some((Runtime::Tokio, 2)),
            Contender::Thread => None,
        }
    }

    /// Its spawner, built once: [`Contender::runtime`]'s, or threads.
    pub fn spawner(self) -> shared::Result<AnySpawner> {
        match self.runtime() {
            Some((runtime, workers)) => AnySpawner::new(runtime, workers),
            None => Ok(AnySpawner::Threads),
        }
    }

    /// The flags of this program's `spawn` that measure it.
    pub fn spawn_flags(self) -> &'static [&'static str] {
        match self {
            Contender::Hub => &["--runtime", "hub"],
            Contender::May => &["--runtime", "may"],
            Contender::TokioCt => &["--runtime", "tokio"],
            Contender::TokioMt => &["--runtime", "tokio", "--workers", "2"],
            Contender::Thread => &["--os-threads"],
        }
    }
}

/// Its name in figures: `hub`, `may`, `tokio_ct`, `tokio_mt`, `thread`.
impl fmt::Display for Contender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_value_name(self, f)
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
        runtime.check_workers(workers)?;
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
/// [`MAX_ASLEEP`](crate::MAX_ASLEEP).
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

/// A spawn run whose tasks did not all return their index is a broken
/// runtime, not a figure.
pub(crate) fn check_report(
    who: Contender,
    report: &SpawnReport,
) -> shared::Result<()> {
    if report.checked {
        return Ok(());
    }
    Err(match &report.first_error {
        Some(error) => format!("spawn on {who}: {error}"),
        None => format!("spawn on {who}: a task returned the wrong value"),
    }
    .into())
}
