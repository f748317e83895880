//! Lesson 06's CLI. `cargo run -p lesson-06-event-loop`: the course's
//! selectors server and client; as subcommands, the gevent demo on our
//! runtime, the echo server on our runtime or tokio's, a load generator,
//! and `measure`.

use std::process::ExitCode;
use std::time::Duration;

use clap::builder::RangedI64ValueParser;
use clap::{Parser, Subcommand};
use lesson_06_event_loop::{
    EchoServer, Engine, Scale, drive, gevent_demo, gevent_demo_panicking,
    make_room_for, measure, runtime, selector_demo, slow_clients,
};
use shared::render::TimelineArgs;
use shared::{Trace, Transcript};

/// An event loop from scratch: a selector, a reactor, an executor.
#[derive(Debug, Parser)]
#[command(version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    timeline: TimelineArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The course's selectors server with its client (the default).
    Selector {
        #[command(flatten)]
        timeline: TimelineArgs,
    },
    /// The course's gevent foo/bar/func3 demo, on our runtime.
    Gevent {
        /// Multiplies the sleeps, 0.001 to 100 (1: the course's 2 s and
        /// 1 s).
        #[arg(
            long,
            value_name = "F",
            default_value_t = Scale::ONE,
            allow_negative_numbers = true,
            value_parser = Scale::parse,
        )]
        scale: Scale,
        /// Makes this task panic where it would have finished: shows how
        /// a task's panic reaches `joinall`.
        #[arg(
            long,
            hide = true,
            value_name = "TASK",
            value_parser = ["foo", "bar", "func3"],
        )]
        panic_in: Option<String>,
        #[command(flatten)]
        timeline: TimelineArgs,
    },
    /// A few slow clients against our runtime's echo server, traced.
    Slow {
        /// How many clients.
        #[arg(
            long,
            value_name = "C",
            allow_negative_numbers = true,
            default_value_t = 3,
            value_parser = RangedI64ValueParser::<usize>::new().range(1..=20),
        )]
        clients: usize,
        /// Each client's pause between its two messages, in ms.
        #[arg(
            long,
            value_name = "MS",
            allow_negative_numbers = true,
            default_value_t = 30,
            value_parser = RangedI64ValueParser::<u64>::new().range(0..=10_000),
        )]
        pause_ms: u64,
        #[command(flatten)]
        timeline: TimelineArgs,
    },
    /// Serve the uppercase echo on 127.0.0.1 for a while.
    Serve {
        /// Which event loop.
        #[arg(long, value_enum, default_value_t = Engine::Ours)]
        engine: Engine,
        /// The port (0: any free one; the address is printed).
        #[arg(
            long,
            value_name = "P",
            default_value_t = 10_000,
            allow_negative_numbers = true
        )]
        port: u16,
        /// Stop after this many seconds.
        #[arg(
            long,
            value_name = "S",
            allow_negative_numbers = true,
            default_value_t = 60,
            value_parser = RangedI64ValueParser::<u64>::new().range(1..=86_400),
        )]
        secs: u64,
    },
    /// Start a server in-process and drive it: C clients × R round trips.
    Load {
        /// Which event loop serves.
        #[arg(long, value_enum, default_value_t = Engine::Ours)]
        engine: Engine,
        #[command(flatten)]
        traffic: Traffic,
        /// Picture the server's tasks (ours only).
        #[command(flatten)]
        timeline: TimelineArgs,
    },
    /// Round trips per second, ours and tokio's, as `name=value unit`.
    Measure {
        #[command(flatten)]
        traffic: Traffic,
    },
}

/// The echo traffic of `load` and `measure`: C clients × R round trips.
///
/// One struct flattened into both subcommands, so that they take the same
/// flags with the same defaults and ranges: `measure` times, for ours and
/// for tokio's, the very run that `load` shows.
#[derive(Debug, clap::Args)]
struct Traffic {
    /// Concurrent client connections.
    #[arg(
        long,
        value_name = "C",
        allow_negative_numbers = true,
        default_value_t = 100,
        value_parser = RangedI64ValueParser::<usize>::new().range(1..=2_000),
    )]
    clients: usize,
    /// Round trips per client.
    #[arg(
        long,
        value_name = "R",
        allow_negative_numbers = true,
        default_value_t = 1_000,
        value_parser = RangedI64ValueParser::<usize>::new().range(1..=1_000_000),
    )]
    messages: usize,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    quiet_task_panics();
    let result = match cli.command {
        None => selector(&cli.timeline),
        Some(Command::Selector { timeline }) => selector(&timeline),
        Some(Command::Gevent {
            scale,
            panic_in,
            timeline,
        }) => gevent(scale, panic_in.as_deref(), &timeline),
        Some(Command::Slow {
            clients,
            pause_ms,
            timeline,
        }) => slow(clients, pause_ms, &timeline),
        Some(Command::Serve { engine, port, secs }) => {
            serve(engine, port, secs)
        }
        Some(Command::Load {
            engine,
            traffic: Traffic { clients, messages },
            timeline,
        }) => load(engine, clients, messages, &timeline),
        Some(Command::Measure {
            traffic: Traffic { clients, messages },
        }) => measure_both(clients, messages),
    };
    shared::exit_code(result)
}

/// Leaves the report of a task's panic to the code that joins the task
/// (the runtime hands it the task's name and message): the default hook
/// would print a second, noisier report with a backtrace hint.
fn quiet_task_panics() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !runtime::in_task() {
            report(info);
        }
    }));
}

fn selector(timeline: &TimelineArgs) -> shared::Result<()> {
    let trace = Trace::recording(timeline.wanted());
    selector_demo(&Transcript::stdout(), &trace)?;
    timeline.show(
        &trace,
        "lesson 06: the course's selectors server and client",
    )
}

fn gevent(
    scale: Scale,
    panic_in: Option<&str>,
    timeline: &TimelineArgs,
) -> shared::Result<()> {
    let trace = Trace::recording(timeline.wanted());
    let out = Transcript::stdout();
    match panic_in {
        None => gevent_demo(scale, &out, &trace)?,
        Some(task) => gevent_demo_panicking(scale, &out, &trace, task)?,
    }
    let title =
        format!("lesson 06: foo, bar, func3 on our runtime (scale {scale})");
    timeline.show(&trace, &title)
}

fn slow(
    clients: usize,
    pause_ms: u64,
    timeline: &TimelineArgs,
) -> shared::Result<()> {
    let trace = Trace::recording(timeline.wanted());
    slow_clients(clients, pause_ms, &trace, &Transcript::stdout())?;
    let title = format!(
        "lesson 06: {clients} slow clients, one thread, our runtime \
         (pause {pause_ms} ms)"
    );
    timeline.show(&trace, &title)
}

fn serve(engine: Engine, port: u16, secs: u64) -> shared::Result<()> {
    // Every client holds a descriptor here: take all the system allows.
    shared::net::raise_fd_limit();
    let server = EchoServer::start_on(engine, port, Trace::disabled())?;
    shared::outln!(
        "[main] {engine} echo server on {} for {secs} s (try: nc {} {})",
        server.addr(),
        server.addr().ip(),
        server.addr().port()
    )?;
    std::thread::sleep(Duration::from_secs(secs));
    server.stop()
}

fn load(
    engine: Engine,
    clients: usize,
    messages: usize,
    timeline: &TimelineArgs,
) -> shared::Result<()> {
    make_room_for(clients)?;
    let trace = Trace::recording(timeline.wanted() && engine == Engine::Ours);
    let server = EchoServer::start_on(engine, 0, trace.clone())?;
    let report = drive(server.addr(), clients, messages)?;
    server.stop()?;
    shared::outln!(
        "[main] {engine}: {clients} clients x {messages} messages: \
         {} round trips in {:.1} ms = {:.0} round trips/s",
        report.round_trips,
        report.elapsed.as_secs_f64() * 1e3,
        report.round_trips_per_sec()
    )?;
    let title = format!(
        "lesson 06: echo on our runtime, {clients} clients x {messages} messages"
    );
    timeline.show(&trace, &title)
}

fn measure_both(clients: usize, messages: usize) -> shared::Result<()> {
    make_room_for(clients)?;
    let figures = measure(clients, messages);
    shared::print_figures(&figures)?;
    if figures.len() == 3 {
        Ok(())
    } else {
        Err("some engine could not be measured (see above)".into())
    }
}
