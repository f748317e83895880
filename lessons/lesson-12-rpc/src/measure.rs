//! Lesson 12: what a task costs, and how the homework's fan-out scales.
//!
//! - `task_round_trip_ms`: `echo hi` to one agent, from `run` until its
//!   reply is filed: reserving an id, declaring the results queue, the
//!   header, the request, the agent starting a process, the reply. The
//!   median of [`ROUND_TRIPS`] tasks, one at a time.
//! - `tasks_per_sec_<n>`: [`Sizes::tasks`] tasks of `sleep 0.05`, task *i*
//!   sent to agent *i mod n*, all sent at once; tasks per second until the
//!   last reply. One agent runs one command at a time (prefetch 1), so the
//!   ceiling is 20 tasks/s per agent: the figure says how close the
//!   homework's design comes to adding machines' worth of throughput.
//!
//! The agents here are tasks of this process, each with its own
//! connection, as separate machines would have; their commands are real
//! processes.

use std::time::{Duration, Instant};

use shared::{Figure, Trace, Transcript};

use crate::agent;
use crate::console::Console;
use crate::exec::{Allow, Limits};

/// How many `echo hi` tasks the round trip's median is taken over.
pub const ROUND_TRIPS: usize = 20;

/// The scale-out command.
pub const WORK: &str = "sleep 0.05";

/// How big a measure run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// Tasks per scale-out run.
    pub tasks: usize,
}

impl Sizes {
    /// The lesson's `measure`.
    pub const NORMAL: Sizes = Sizes { tasks: 200 };
}

/// The agents `m1` … `mn`, running on this runtime until dropped.
struct Fleet {
    stops: Vec<tokio::sync::oneshot::Sender<()>>,
    running: Vec<tokio::task::JoinHandle<shared::Result<usize>>>,
}

impl Fleet {
    async fn start(url: &str, prefix: &str, n: usize) -> shared::Result<Fleet> {
        let mut fleet = Fleet {
            stops: Vec::new(),
            running: Vec::new(),
        };
        for i in 1..=n {
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let (ready, is_ready) = tokio::sync::oneshot::channel::<()>();
            let (url, prefix) = (url.to_owned(), prefix.to_owned());
            fleet.stops.push(stop);
            fleet.running.push(tokio::spawn(async move {
                let limits = Limits {
                    allow: Allow::list("echo,sleep"),
                    ..Limits::default()
                };
                let stop = Box::pin(async move {
                    let _ = stopped.await;
                });
                let lane = Trace::disabled().lane("agent");
                agent::serve(
                    &url,
                    &prefix,
                    &format!("m{i}"),
                    &limits,
                    None,
                    stop,
                    move || {
                        let _ = ready.send(());
                    },
                    &Transcript::quiet(),
                    &lane,
                )
                .await
            }));
            if is_ready.await.is_err() {
                // The agent ended before it was ready: its error says why.
                let agent = fleet.running.pop().expect("just pushed");
                agent.await??;
                return Err("an agent stopped before it was ready".into());
            }
        }
        Ok(fleet)
    }

    async fn stop(self) -> shared::Result<()> {
        drop(self.stops);
        for agent in self.running {
            agent.await??;
        }
        Ok(())
    }
}

fn hosts(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("m{i}")).collect()
}

/// Every figure of the lesson, on the broker at `url`.
pub async fn measure(
    url: &str,
    prefix: &str,
    sizes: Sizes,
) -> shared::Result<Vec<Figure>> {
    let bar = shared::progress::spinner("round trips of `echo hi`");
    let patience = Duration::from_secs(600);
    let mut figures = Vec::new();
    let fleet = Fleet::start(url, prefix, 1).await?;
    let mut console = Console::open(url, prefix, patience).await?;
    let mut samples = Vec::new();
    for _ in 0..ROUND_TRIPS {
        let start = Instant::now();
        let id = console.run("echo hi", &hosts(1)).await?;
        console.settled(id).await?;
        samples.push(start.elapsed().as_secs_f64() * 1e3);
    }
    figures.push(Figure::new(
        "task_round_trip_ms",
        shared::median(samples),
        "ms",
    ));
    fleet.stop().await?;
    for n in [1, 2, 4] {
        bar.set_message(format!(
            "{} tasks of `{WORK}` on {n} agents",
            sizes.tasks
        ));
        let fleet = Fleet::start(url, prefix, n).await?;
        let hosts = hosts(n);
        let start = Instant::now();
        let mut ids = Vec::new();
        for i in 0..sizes.tasks {
            let host = std::slice::from_ref(&hosts[i % n]);
            ids.push(console.run(WORK, host).await?);
        }
        for id in ids {
            let task = console.settled(id).await?;
            if task.replies.len() != 1 {
                return Err(format!("task {id} got no reply").into());
            }
        }
        let rate = sizes.tasks as f64 / start.elapsed().as_secs_f64();
        figures.push(Figure::new(
            format!("tasks_per_sec_{n}"),
            rate,
            "tasks/s",
        ));
        fleet.stop().await?;
    }
    bar.finish_and_clear();
    console.close().await?;
    Ok(figures)
}

/// [`measure`] on a runtime of its own: for the tour.
pub fn measure_blocking(
    url: &str,
    sizes: Sizes,
) -> shared::Result<Vec<Figure>> {
    let prefix = format!("measure-{}-", std::process::id());
    lesson_10_rabbitmq::connect::runtime()?
        .block_on(measure(url, &prefix, sizes))
}
