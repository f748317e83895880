//! Lesson 00, the tour: every lesson's claim about cost, measured in one run
//! and printed as one table.
//!
//! **Python original:** none of its own. The course makes claims in prose
//! ("a coroutine switch costs far less than a thread switch", "a greenlet
//! needs less memory than a thread"); the tour turns each claim into a
//! figure measured on your machine, now.
//!
//! **Rust mapping:** each lesson's library has a `measure` function (the
//! same one its `measure` subcommand prints). The tour calls those
//! functions directly, never by spawning `cargo`, with sizes small enough
//! that the whole tour finishes in well under a minute, and prints a table:
//! lesson, what is compared, the figures, and the ratio that matters.
//!
//! **Run it:**
//!
//! ```text
//! cargo run --release -p lesson-00-tour
//! cargo run --release -p lesson-00-tour -- --only 1   # one lesson's row
//! cargo run --release -p lesson-00-tour -- --json tour.json  # and as JSON
//! cargo run --release -p lesson-00-tour -- numbers     # scaling runs, CSV
//! ```
//!
//! Always `--release`: a debug build measures the debug build, and lesson
//! 02's greenlet switch goes from about 8 ns to about 1.2 µs (`--only 2`
//! with and without `--release`, on a 2-core virtual machine).
//!
//! **What to notice:** the ratios, not the absolute numbers. Timing on a
//! shared 2-core machine is noisy, so every figure is a median of several
//! rounds, and figures are only compared with figures from the same run.
//!
//! Adding a lesson to the tour means adding one [`Stop`] to [`stops`].

use shared::Figure;

pub mod brokers;
pub mod charts;
pub mod numbers;

/// How long each lesson may measure: `Quick` for tests, `Normal` for the
/// tour a learner runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// Tiny sizes: proves every stop runs, in a second or so even in a
    /// debug build. The figures are meaningless.
    Quick,
    /// The tour's sizes: a few seconds per lesson in a release build.
    Normal,
}

/// One row of the tour's table: what a lesson measured.
#[derive(Clone, Debug)]
pub struct Row {
    /// The lesson's package name, e.g. `lesson-01-yield`.
    pub lesson: &'static str,
    /// What is compared, in a few words (at most 26 characters).
    pub compared: &'static str,
    /// The figures, as the lesson's `measure` printed them (or the few
    /// that matter, when a lesson measures dozens).
    pub figures: Vec<Figure>,
    /// The comparisons that matter, in words, one per line.
    pub ratios: Vec<String>,
}

/// One lesson's stop on the tour: its number, and how to measure it.
pub struct Stop {
    /// Lesson number, as in the package name.
    pub number: u32,
    /// What the stop measures, shown on the progress bar.
    pub title: &'static str,
    /// Runs the lesson's measured mode.
    pub run: fn(Size) -> shared::Result<Row>,
}

/// Every lesson that exists, in course order.
pub fn stops() -> Vec<Stop> {
    vec![
        Stop {
            number: 1,
            title: "lesson 01: send into a generator",
            run: lesson_01,
        },
        Stop {
            number: 2,
            title: "lesson 02: switch between greenlets",
            run: lesson_02,
        },
        Stop {
            number: 3,
            title: "lesson 03: spawn and join, hub, may, tokio",
            run: lesson_03,
        },
        Stop {
            number: 4,
            title: "lesson 04: fetch URLs, sync and async",
            run: lesson_04,
        },
        Stop {
            number: 5,
            title: "lesson 05: one echo protocol, every IO model",
            run: lesson_05,
        },
        Stop {
            number: 6,
            title: "lesson 06: echo on our runtime and tokio",
            run: lesson_06,
        },
        Stop {
            number: 7,
            title: "lesson 07: many sockets, hub, may, tokio, threads",
            run: lesson_07,
        },
        Stop {
            number: 8,
            title: "lesson 08: cooks and eaters on five queues",
            run: lesson_08,
        },
        Stop {
            number: 9,
            title: "lesson 09: Redis consumers and drains",
            run: lesson_09,
        },
        Stop {
            number: 10,
            title: "lesson 10: RabbitMQ publish, consume, RPC",
            run: lesson_10,
        },
        Stop {
            number: 11,
            title: "lesson 11: a file server on one thread",
            run: lesson_11,
        },
        Stop {
            number: 12,
            title: "lesson 12: commands on 1, 2 and 4 agents by RPC",
            run: lesson_12,
        },
    ]
}

impl Stop {
    /// Whether the tour runs this stop here, or the line it prints
    /// instead (a broker lesson without its server: see [`brokers`]).
    pub fn decision(&self) -> brokers::Decision {
        brokers::decide(
            self.title.split(':').next().unwrap_or(self.title),
            brokers::needed_by(self.number),
            brokers::on_this_machine,
        )
    }
}

/// Looks a figure up by name; a missing figure is a bug in the lesson's
/// `measure`, reported as an error rather than a panic. (The `numbers`
/// run reads the lessons' figures with it too.)
pub(crate) fn figure(figures: &[Figure], name: &str) -> shared::Result<f64> {
    figures
        .iter()
        .find(|f| f.name == name)
        .map(|f| f.value)
        .ok_or_else(|| format!("the lesson's measure gave no `{name}`").into())
}

fn lesson_01(size: Size) -> shared::Result<Row> {
    // A million sends take a few milliseconds per round for the coroutine;
    // the thread variant's count is scaled down inside `measure`, because
    // each of its sends is two OS-thread hand-offs.
    let (sends, rounds) = match size {
        Size::Quick => (2_000, 1),
        Size::Normal => (1_000_000, 5),
    };
    let figures = lesson_01_yield::measure(sends, rounds);
    let machine = figure(&figures, "send_ns_state_machine")?;
    let coroutine = figure(&figures, "send_ns_coroutine")?;
    let thread = figure(&figures, "send_ns_thread")?;
    let bare = figure(&figures, "send_ns_bare_corosensei")?;
    Ok(Row {
        lesson: "lesson-01-yield",
        compared: "one send into a consumer",
        ratios: vec![
            format!(
                "thread {} vs coroutine {}: {}",
                human_ns(thread),
                human_ns(coroutine),
                times(thread / coroutine),
            ),
            format!(
                "coroutine {} vs state machine {}: {}",
                human_ns(coroutine),
                human_ns(machine),
                times(coroutine / machine),
            ),
            format!(
                "coroutine send {} vs the bare switch under it {}: {}",
                human_ns(coroutine),
                human_ns(bare),
                times(coroutine / bare),
            ),
        ],
        figures,
    })
}

fn lesson_02(size: Size) -> shared::Result<Row> {
    // Two million one-way switches take a few milliseconds per round; the
    // thread round trips are scaled down inside `measure` (a thousandth).
    let (switches, rounds) = match size {
        Size::Quick => (2_000, 1),
        Size::Normal => (2_000_000, 5),
    };
    let figures = lesson_02_greenlet::measure(switches, rounds);
    let greenlet = figure(&figures, "switch_ns_greenlet")?;
    let park = figure(&figures, "round_trip_ns_thread_park")?;
    let mut ratios = vec![format!(
        "thread park/unpark round trip {} vs greenlet switch {}: {}",
        human_ns(park),
        human_ns(greenlet),
        times(park / greenlet),
    )];
    // The hand-written switch exists only on x86_64 Linux.
    if let Ok(bare) = figure(&figures, "switch_ns_bare") {
        ratios.push(format!(
            "greenlet switch {} vs hand-written switch {}: {}",
            human_ns(greenlet),
            human_ns(bare),
            times(greenlet / bare),
        ));
    }
    Ok(Row {
        lesson: "lesson-02-greenlet",
        compared: "one switch",
        ratios,
        figures,
    })
}

fn lesson_03(size: Size) -> shared::Result<Row> {
    // Normal: 100,000 tasks per runtime (enough that a task's cost is not
    // lost in start-up), 1,000 OS threads, and the course's gevent demo
    // with 10 tasks of 50 ms: about five seconds.
    let sizes = match size {
        Size::Quick => lesson_03_gevent::Sizes::QUICK,
        Size::Normal => lesson_03_gevent::Sizes::NORMAL,
    };
    // The lesson measures each runtime three ways; the table keeps the
    // warm cost and the memory per task, and the demo's two speedups.
    // `cargo run --release -p lesson-03-gevent -- measure` prints all.
    let figures: Vec<Figure> = lesson_03_gevent::measure(sizes)?
        .into_iter()
        .filter(|f| {
            f.name.starts_with("spawn_ns_")
                || f.name.starts_with("task_bytes_")
                || f.name == "tasks_speedup_hub"
                || f.name == "tasks_speedup_hub_blocking"
        })
        .collect();
    let thread = figure(&figures, "spawn_ns_thread")?;
    let tokio = figure(&figures, "spawn_ns_tokio_ct")?;
    let hub = figure(&figures, "spawn_ns_hub")?;
    let speedup = figure(&figures, "tasks_speedup_hub")?;
    let blocked = figure(&figures, "tasks_speedup_hub_blocking")?;
    let mut ratios = vec![
        format!(
            "OS thread {} vs tokio task {}: {}",
            human_ns(thread),
            human_ns(tokio),
            times(thread / tokio),
        ),
        format!(
            "hub greenlet {} vs tokio task {}: {}",
            human_ns(hub),
            human_ns(tokio),
            times(hub / tokio),
        ),
    ];
    // Resident memory is read from /proc: Linux only.
    if let (Ok(hub_bytes), Ok(tokio_bytes)) = (
        figure(&figures, "task_bytes_hub"),
        figure(&figures, "task_bytes_tokio_ct"),
    ) {
        ratios.push(format!(
            "memory per live task: hub greenlet {hub_bytes:.0} B (a stack \
             page) vs tokio task {tokio_bytes:.0} B: {}",
            times(hub_bytes / tokio_bytes),
        ));
    }
    ratios.push(format!(
        "gevent demo, sync over async: {} ({} with one blocking sleep)",
        times(speedup),
        times(blocked),
    ));
    Ok(Row {
        lesson: "lesson-03-gevent",
        compared: "spawn + join one task",
        ratios,
        figures,
    })
}

fn lesson_04(size: Size) -> shared::Result<Row> {
    // Normal: 10 URLs × 50 ms per strategy (the one-at-a-time strategies
    // take half a second each), then 1,000 URLs at once with tokio.
    let sizes = match size {
        Size::Quick => lesson_04_fetch::Sizes::QUICK,
        Size::Normal => lesson_04_fetch::Sizes::NORMAL,
    };
    let figures = lesson_04_fetch::measure(sizes)?;
    let sequential = figure(&figures, "wall_ms_sequential")?;
    let tokio = figure(&figures, "wall_ms_tokio")?;
    let pitfall = figure(&figures, "wall_ms_blocking_in_tokio")?;
    let rayon_peak = figure(&figures, "peak_in_flight_rayon")?;
    Ok(Row {
        lesson: "lesson-04-fetch",
        compared: "URLs fetched, total time",
        ratios: vec![
            format!(
                "sequential {sequential:.0} ms vs tokio {tokio:.0} ms: {}",
                times(sequential / tokio),
            ),
            format!(
                "blocking call inside tokio {pitfall:.0} ms vs tokio \
                 {tokio:.0} ms: {}",
                times(pitfall / tokio),
            ),
            format!(
                "rayon had at most {rayon_peak:.0} requests in flight: one \
                 per pool thread"
            ),
        ],
        figures,
    })
}

fn lesson_05(size: Size) -> shared::Result<Row> {
    // Normal: 100 clients × 300 round trips per model; most of its few
    // seconds are the blocking model serving one client after another.
    let (clients, messages, idle_ms) = match size {
        Size::Quick => (10, 50, 10),
        Size::Normal => (100, 300, 100),
    };
    // Five figures per model are too many for one table: the tour keeps
    // each model's round trips per second and the busy-poller's idle CPU.
    // `cargo run --release -p lesson-05-io-models -- measure` prints all.
    let figures: Vec<Figure> =
        lesson_05_io_models::measure(clients, messages, idle_ms)
            .into_iter()
            .filter(|f| {
                f.name.starts_with("round_trips_per_sec_")
                    || f.name == "idle_server_cpu_pct_nonblocking"
            })
            .collect();
    let rps =
        |model: &str| figure(&figures, &format!("round_trips_per_sec_{model}"));
    let blocking = rps("blocking")?;
    let threads = rps("thread_per_connection")?;
    let epoll = rps("epoll")?;
    let busy = figure(&figures, "idle_server_cpu_pct_nonblocking")?;
    Ok(Row {
        lesson: "lesson-05-io-models",
        compared: "echo round trips/s",
        ratios: vec![
            format!(
                "epoll {epoll:.0} vs one client at a time {blocking:.0} \
                 round trips/s: {}",
                times(epoll / blocking),
            ),
            format!(
                "epoll {epoll:.0} vs a thread per connection {threads:.0} \
                 round trips/s: {}",
                times(epoll / threads),
            ),
            format!(
                "the busy-polling server burns {busy:.0} % of a core while \
                 every client is idle"
            ),
        ],
        figures,
    })
}

fn lesson_06(size: Size) -> shared::Result<Row> {
    // 100 clients × 1,000 round trips: enough connections that the engine,
    // not one client, sets the pace, in about a second per engine.
    let (clients, messages) = match size {
        Size::Quick => (10, 100),
        Size::Normal => (100, 1_000),
    };
    let figures = lesson_06_event_loop::measure(clients, messages);
    let ours = figure(&figures, "echo_rps_ours")?;
    let tokio = figure(&figures, "echo_rps_tokio")?;
    Ok(Row {
        lesson: "lesson-06-event-loop",
        compared: "echo round trips/s",
        ratios: vec![format!(
            "tokio current-thread {:.0} vs our runtime {:.0} round trips/s: \
             {}",
            tokio,
            ours,
            times(tokio / ours),
        )],
        figures,
    })
}

fn lesson_07(size: Size) -> shared::Result<Row> {
    // Round trips only: the course's 100 clients in the normal tour, 10 in
    // the quick one. Memory per held connection is left to the lesson's own
    // `measure`, which holds 10,000 from a fresh child process: measured in
    // this process, after six lessons have grown and freed its heap, the
    // resident-size delta of the held connections reads near zero.
    let mut sizes = lesson_07_many_sockets::measure::Sizes {
        clients: 10,
        messages: 100,
        held: 0,
        held_threads: 0,
        holders: lesson_07_many_sockets::hold::Clients::InProcess,
    };
    if size == Size::Normal {
        sizes.clients = 100;
        sizes.messages = 1_000;
    }
    let figures = lesson_07_many_sockets::measure::measure(&sizes)?;
    let rps = |r: &str| figure(&figures, &format!("round_trips_per_sec_{r}"));
    let (hub, tokio, threads) = (rps("hub")?, rps("tokio")?, rps("threads")?);
    Ok(Row {
        lesson: "lesson-07-many-sockets",
        compared: "echo round trips/s",
        ratios: vec![
            format!(
                "hub {hub:.0} vs tokio current-thread {tokio:.0} round \
                 trips/s: {}",
                times(hub / tokio),
            ),
            format!(
                "a thread per connection {threads:.0} vs hub {hub:.0} round \
                 trips/s: {}",
                times(threads / hub),
            ),
        ],
        figures,
    })
}

fn lesson_08(size: Size) -> shared::Result<Row> {
    // 200,000 items through a queue of 10 (a tenth of the lesson's own
    // `measure`) and 10,000 ping-pongs per queue: a few seconds for all
    // five queues.
    let (items, round_trips, rounds) = match size {
        Size::Quick => (2_000, 200, 1),
        Size::Normal => (200_000, 10_000, 3),
    };
    let figures = lesson_08_queue::measure(items, round_trips, rounds);
    let ours = figure(&figures, "items_per_sec_ours")?;
    let crossbeam = figure(&figures, "items_per_sec_crossbeam")?;
    let threads = figure(&figures, "handoff_ns_ours")?;
    let coroutines = figure(&figures, "handoff_ns_may")?;
    Ok(Row {
        lesson: "lesson-08-queue",
        compared: "items/s, 3 cooks 2 eaters",
        ratios: vec![
            format!(
                "crossbeam {crossbeam:.0} vs our Queue {ours:.0} items/s: {}",
                times(crossbeam / ours),
            ),
            format!(
                "one handoff between threads (our Queue) {} vs between may \
                 coroutines {}: {}",
                human_ns(threads),
                human_ns(coroutines),
                times(threads / coroutines),
            ),
        ],
        figures,
    })
}

fn lesson_09(size: Size) -> shared::Result<Row> {
    // The four consumer models (20 messages each: 3.3 s at the lesson's
    // scale, a tenth of that in the quick tour) and 100,000 messages per
    // drain; the scale-out, which spawns the lesson's binary, is left to
    // `cargo run --release -p lesson-09-redis -- measure`.
    let sizes = match size {
        Size::Quick => lesson_09_redis::Sizes {
            drain: 1_000,
            scaleout: 0,
            scale: 0.005,
        },
        Size::Normal => lesson_09_redis::Sizes {
            scaleout: 0,
            ..lesson_09_redis::Sizes::NORMAL
        },
    };
    let redis = shared::services::RedisServer::connect_or_start()?;
    let figures = lesson_09_redis::measure(redis.url(), sizes, None)?;
    let batch = figure(&figures, "total_s_async_batch")?;
    let fixed = figure(&figures, "total_s_async")?;
    let brpop = figure(&figures, "drain_msgs_per_sec_brpop")?;
    let batched = figure(&figures, "drain_msgs_per_sec_batched")?;
    Ok(Row {
        lesson: "lesson-09-redis",
        compared: "consume a Redis list",
        ratios: vec![
            format!(
                "course's async-batch {batch:.2} s vs fixed async {fixed:.2} \
                 s: {}",
                times(batch / fixed),
            ),
            format!(
                "RPOP 1000 {batched:.0} vs one BRPOP each {brpop:.0} msg/s: {}",
                times(batched / brpop),
            ),
        ],
        figures,
    })
}

fn lesson_10(size: Size) -> shared::Result<Row> {
    // 20,000 messages per publish and consume run and 2,000 RPC calls (a
    // fiftieth in the quick tour); the scale-out, which spawns the
    // lesson's binary, is left to `cargo run --release -p
    // lesson-10-rabbitmq -- measure`.
    let sizes = match size {
        Size::Quick => lesson_10_rabbitmq::measure::Sizes {
            messages: 400,
            calls: 40,
            scaleout: 0,
            ..lesson_10_rabbitmq::measure::Sizes::NORMAL
        },
        Size::Normal => lesson_10_rabbitmq::measure::Sizes {
            scaleout: 0,
            ..lesson_10_rabbitmq::measure::Sizes::NORMAL
        },
    };
    let rabbit = shared::services::RabbitServer::connect_or_start()?;
    let figures =
        lesson_10_rabbitmq::measure::measure_blocking(rabbit.url(), sizes)?;
    let one = figure(&figures, "consume_msgs_per_sec_prefetch_1")?;
    let hundred = figure(&figures, "consume_msgs_per_sec_prefetch_100")?;
    let rpc = figure(&figures, "rpc_round_trip_us")?;
    Ok(Row {
        lesson: "lesson-10-rabbitmq",
        compared: "consume from RabbitMQ",
        ratios: vec![
            format!(
                "prefetch 100 {hundred:.0} vs prefetch 1 {one:.0} msg/s: {}",
                times(hundred / one),
            ),
            format!("one RPC round trip: {}", human_ns(rpc * 1e3)),
        ],
        figures,
    })
}

fn lesson_11(size: Size) -> shared::Result<Row> {
    // 10 clients × 16 MiB each way per server (the lesson's own `measure`
    // moves 64 MiB each): about a second per server in a release build.
    let sizes = match size {
        Size::Quick => lesson_11_ftp::Sizes {
            clients: 2,
            size: 256 << 10,
        },
        Size::Normal => lesson_11_ftp::Sizes {
            clients: 10,
            size: 16 << 20,
        },
    };
    let figures = lesson_11_ftp::measure(sizes)?;
    let selector = figure(&figures, "download_mb_per_sec_selector")?;
    let runtime = figure(&figures, "download_mb_per_sec_runtime")?;
    let upload = figure(&figures, "upload_mb_per_sec_selector")?;
    let copy = figure(&figures, "copy_mb_per_sec_loopback_64k")?;
    Ok(Row {
        lesson: "lesson-11-ftp",
        compared: "file transfers, MB/s",
        ratios: vec![
            format!(
                "{} downloads on one selector thread {selector:.0} MB/s vs \
                 one loopback copy {copy:.0} MB/s: {}",
                sizes.clients,
                times(selector / copy),
            ),
            format!(
                "selector {selector:.0} vs runtime {runtime:.0} MB/s \
                 downloading: {}; uploads (to disk) {upload:.0} MB/s",
                times(selector / runtime),
            ),
        ],
        figures,
    })
}

fn lesson_12(size: Size) -> shared::Result<Row> {
    // 200 tasks of `sleep 0.05` per agent count (20 in the quick tour).
    let sizes = match size {
        Size::Quick => lesson_12_rpc::measure::Sizes { tasks: 20 },
        Size::Normal => lesson_12_rpc::measure::Sizes::NORMAL,
    };
    let rabbit = shared::services::RabbitServer::connect_or_start()?;
    let figures =
        lesson_12_rpc::measure::measure_blocking(rabbit.url(), sizes)?;
    let one = figure(&figures, "tasks_per_sec_1")?;
    let four = figure(&figures, "tasks_per_sec_4")?;
    let trip = figure(&figures, "task_round_trip_ms")?;
    Ok(Row {
        lesson: "lesson-12-rpc",
        compared: "fan tasks out to agents",
        ratios: vec![
            format!(
                "4 agents {four:.1} vs 1 agent {one:.1} tasks/s: {}",
                times(four / one),
            ),
            format!("one `echo hi` task: {}", human_ns(trip * 1e6)),
        ],
        figures,
    })
}

/// `4.1 ns`, `12.3 µs`, `1.20 ms`: a duration in nanoseconds, readable.
pub fn human_ns(ns: f64) -> String {
    match ns {
        n if n >= 1e6 => format!("{:.2} ms", n / 1e6),
        n if n >= 1e3 => format!("{:.1} µs", n / 1e3),
        n if n >= 1.0 => format!("{n:.1} ns"),
        n => format!("{n:.2} ns"),
    }
}

/// `5000×`, `4.9×`: a ratio, with decimals only where they matter.
pub fn times(ratio: f64) -> String {
    if !ratio.is_finite() {
        "n/a".to_owned()
    } else if ratio >= 10.0 {
        format!("{ratio:.0}×")
    } else {
        format!("{ratio:.1}×")
    }
}

/// The table, as printed: one block per lesson, one line per figure, the
/// ratios under them. Columns are as wide as their longest entry, so a new
/// lesson with a long figure name never breaks the alignment.
pub fn table(rows: &[Row]) -> String {
    let width = |header: &str, cells: &mut dyn Iterator<Item = usize>| {
        cells.fold(header.chars().count(), usize::max)
    };
    let lw = width("lesson", &mut rows.iter().map(|r| r.lesson.len()));
    let cw = width(
        "what is compared",
        &mut rows.iter().map(|r| r.compared.chars().count()),
    );
    let fw = width(
        "figure",
        &mut rows
            .iter()
            .flat_map(|r| r.figures.iter().map(|f| f.name.len())),
    );
    let vw = width(
        "value",
        &mut rows
            .iter()
            .flat_map(|r| r.figures.iter().map(|f| f.value_text().len())),
    );
    let mut out = String::new();
    out.push_str(&format!(
        "{:<lw$} {:<cw$} {:<fw$} {:>vw$}\n",
        "lesson", "what is compared", "figure", "value"
    ));
    out.push_str(&format!("{}\n", "-".repeat(lw + cw + fw + vw + 3)));
    for row in rows {
        for (i, f) in row.figures.iter().enumerate() {
            let (lesson, compared) = if i == 0 {
                (row.lesson, row.compared)
            } else {
                ("", "")
            };
            out.push_str(&format!(
                "{lesson:<lw$} {compared:<cw$} {:<fw$} {:>vw$}\n",
                f.name,
                f.value_text()
            ));
        }
        for ratio in &row.ratios {
            out.push_str(&format!("{:<lw$} ratio: {ratio}\n", ""));
        }
        out.push('\n');
    }
    out
}

/// The table as JSON, for scripts: an object with the tour's `size`
/// (`quick` or `normal`) and its `rows`, each with `lesson`, `compared`,
/// `figures` (`name`, `value`, `unit`) and `ratios` (the lines the table
/// prints under `ratio:`). A figure that could not be measured (`NaN`)
/// is `null`, as JSON has no NaN.
pub fn json(rows: &[Row], size: Size) -> String {
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| {
            let figures: Vec<serde_json::Value> = row
                .figures
                .iter()
                .map(|f| {
                    serde_json::json!({
                        "name": f.name,
                        "value": f.value,
                        "unit": f.unit,
                    })
                })
                .collect();
            serde_json::json!({
                "lesson": row.lesson,
                "compared": row.compared,
                "figures": figures,
                "ratios": row.ratios,
            })
        })
        .collect();
    let size = match size {
        Size::Quick => "quick",
        Size::Normal => "normal",
    };
    let table = serde_json::json!({ "size": size, "rows": rows });
    // Pretty: a learner opens it too.
    let mut text = serde_json::to_string_pretty(&table)
        .expect("a serde_json::Value always serializes: its keys are strings");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stop_runs_at_quick_size_and_gives_figures() {
        // A broker stop without its server is skipped (`brokers`); under
        // `cargo xtask test` every server can be had, so every stop runs.
        let run = stops()
            .into_iter()
            .filter(|stop| stop.decision() == brokers::Decision::Run);
        for stop in run {
            let row = (stop.run)(Size::Quick).unwrap();
            assert!(!row.figures.is_empty(), "{} gave no figures", stop.title);
            for f in &row.figures {
                assert!(f.value.is_finite() && f.value >= 0.0, "{f}");
            }
            let table = table(&[row]);
            assert!(table.contains("ratio:"), "{table}");
        }
    }

    #[test]
    fn durations_and_ratios_read_well() {
        assert_eq!(human_ns(4.12), "4.1 ns");
        assert_eq!(human_ns(0.144), "0.14 ns");
        assert_eq!(human_ns(12_345.0), "12.3 µs");
        assert_eq!(human_ns(1_200_000.0), "1.20 ms");
        assert_eq!(times(4.93), "4.9×");
        assert_eq!(times(2978.4), "2978×");
        assert_eq!(times(f64::NAN), "n/a");
    }

    #[test]
    fn json_has_every_row_and_no_nan() {
        let rows = vec![Row {
            lesson: "lesson-01-yield",
            compared: "a \"quoted\" comparison",
            figures: vec![
                Figure::new("send_ns_coroutine", 4.5, "ns"),
                Figure::new("not_measured", f64::NAN, "ns"),
            ],
            ratios: vec!["thread 9 µs vs coroutine 4.5 ns: 2000×".to_owned()],
        }];
        let value: serde_json::Value =
            serde_json::from_str(&json(&rows, Size::Quick)).unwrap();
        assert_eq!(value["size"], "quick");
        let row = &value["rows"][0];
        assert_eq!(row["lesson"], "lesson-01-yield");
        assert_eq!(row["compared"], "a \"quoted\" comparison");
        assert_eq!(row["figures"][0]["name"], "send_ns_coroutine");
        assert_eq!(row["figures"][0]["value"], 4.5);
        assert_eq!(row["figures"][0]["unit"], "ns");
        assert!(row["figures"][1]["value"].is_null());
        assert_eq!(row["ratios"][0], "thread 9 µs vs coroutine 4.5 ns: 2000×");
    }
}
