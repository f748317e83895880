//! Lesson 07's CLI. `cargo run -p lesson-07-many-sockets`: the course's
//! gevent socket server on the hub with a short scripted client; as
//! subcommands, the server on any runtime, the course's 100-thread client,
//! a load run, and `measure`.

use std::process::ExitCode;
use std::time::Duration;

use clap::builder::RangedI64ValueParser;
use clap::{Parser, Subcommand};
use lesson_07_many_sockets::hold::{Clients, HoldReport};
use lesson_07_many_sockets::{
    Log, Mode, Runtime, Server, client, measure, run,
};
use shared::Trace;
use shared::render::TimelineArgs;

/// gevent's many-socket server: a coroutine per connection.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// A few pausing clients against the hub, traced: connections as
    /// lanes, parked in `recv`, resumed by readiness.
    Lanes {
        /// How many clients.
        #[arg(
            long,
            value_name = "C",
            default_value_t = 3,
            value_parser = RangedI64ValueParser::<usize>::new().range(1..=20),
        )]
        clients: usize,
        /// Each client's pause between messages, in ms.
        #[arg(
            long,
            value_name = "MS",
            default_value_t = 30,
            value_parser = RangedI64ValueParser::<u64>::new().range(1..=10_000),
        )]
        pause_ms: u64,
        #[command(flatten)]
        timeline: TimelineArgs,
    },
    /// The course's server, printing what it prints, for a while.
    Serve {
        /// Which runtime serves.
        #[arg(long, value_enum, default_value_t = Runtime::Hub)]
        runtime: Runtime,
        /// The port (0: any free one; the address goes to stderr).
        #[arg(long, value_name = "P", default_value_t = 8001)]
        port: u16,
        /// The corrected handler: stops on EOF, sends every byte.
        #[arg(long)]
        fixed: bool,
        /// No `recv:` line per message (for load runs).
        #[arg(long)]
        quiet: bool,
        /// Stop after this many seconds.
        #[arg(
            long,
            value_name = "S",
            default_value_t = 60,
            value_parser = RangedI64ValueParser::<u64>::new().range(1..=86_400),
        )]
        secs: u64,
    },
    /// The course's client: threads sending `hello N`, printing replies.
    Client {
        /// The server's port on 127.0.0.1.
        #[arg(long, value_name = "P", default_value_t = 8001)]
        port: u16,
        /// Client threads.
        #[arg(
            long,
            value_name = "T",
            default_value_t = 100,
            value_parser = RangedI64ValueParser::<usize>::new().range(1..=1_000),
        )]
        threads: usize,
        /// Round trips per thread.
        #[arg(
            long,
            value_name = "N",
            default_value_t = 3,
            value_parser = RangedI64ValueParser::<usize>::new().range(1..=1_000_000),
        )]
        messages: usize,
    },
    /// Serve in-process (fixed, quiet) and drive it: round trips per second.
    Load {
        /// Which runtime serves.
        #[arg(long, value_enum, default_value_t = Runtime::Hub)]
        runtime: Runtime,
        /// Client connections, a thread each.
        #[arg(
            long,
            value_name = "C",
            default_value_t = 100,
            value_parser = RangedI64ValueParser::<usize>::new().range(1..=1_000),
        )]
        clients: usize,
        /// Round trips per client.
        #[arg(
            long,
            value_name = "M",
            default_value_t = 1_000,
            value_parser = RangedI64ValueParser::<usize>::new().range(1..=1_000_000),
        )]
        messages: usize,
        /// Drive the server already on this port of 127.0.0.1 (gevent's,
        /// say) instead of starting one.
        #[arg(long, value_name = "P")]
        port: Option<u16>,
    },
    /// Hold N idle connections: resident bytes per connection.
    Hold {
        /// Which runtime serves.
        #[arg(long, value_enum, default_value_t = Runtime::Hub)]
        runtime: Runtime,
        /// Connections, opened from a child process.
        #[arg(
            long,
            value_name = "N",
            default_value_t = 10_000,
            value_parser = RangedI64ValueParser::<usize>::new().range(1..=1_000_000),
        )]
        connections: usize,
        /// Hold connections to the server already on this port of
        /// 127.0.0.1 instead of starting one (needs --pid).
        #[arg(long, value_name = "P", requires = "pid")]
        port: Option<u16>,
        /// The process id of the server on --port, whose memory is read.
        #[arg(long, value_name = "PID", requires = "port")]
        pid: Option<u32>,
    },
    /// The child side of `hold`.
    #[command(hide = true)]
    HoldClient {
        #[arg(long)]
        port: u16,
        #[arg(long)]
        connections: usize,
    },
    /// Round trips/s and bytes per held connection on every runtime, as
    /// `name=value unit`.
    Measure {
        /// Round trips per client (100 clients).
        #[arg(
            long,
            value_name = "M",
            default_value_t = 1_000,
            value_parser = RangedI64ValueParser::<usize>::new().range(1..=1_000_000),
        )]
        messages: usize,
        /// Connections each coroutine runtime holds (threads: at most
        /// 2,000); 0 skips the hold runs.
        #[arg(
            long,
            value_name = "N",
            default_value_t = 10_000,
            value_parser = RangedI64ValueParser::<usize>::new().range(0..=1_000_000),
        )]
        held: usize,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => default_run(),
        Some(Command::Lanes {
            clients,
            pause_ms,
            timeline,
        }) => lanes(clients, pause_ms, &timeline),
        Some(Command::Serve {
            runtime,
            port,
            fixed,
            quiet,
            secs,
        }) => serve(runtime, port, fixed, quiet, secs),
        Some(Command::Client {
            port,
            threads,
            messages,
        }) => {
            let addr = ([127, 0, 0, 1], port).into();
            client::sock_conn_threads(addr, threads, messages)
        }
        Some(Command::Load {
            runtime,
            clients,
            messages,
            port,
        }) => load(runtime, clients, messages, port),
        Some(Command::Hold {
            runtime,
            connections,
            port,
            pid,
        }) => hold(runtime, connections, port.zip(pid)),
        Some(Command::HoldClient { port, connections }) => {
            lesson_07_many_sockets::hold::hold_client(port, connections)
        }
        Some(Command::Measure { messages, held }) => {
            measure_all(messages, held)
        }
    };
    shared::exit_code(result)
}

fn default_run() -> shared::Result<()> {
    for line in run::scripted(Runtime::Hub, Mode::Faithful)? {
        shared::outln!("{line}")?;
    }
    Ok(())
}

fn serve(
    runtime: Runtime,
    port: u16,
    fixed: bool,
    quiet: bool,
    secs: u64,
) -> shared::Result<()> {
    let mode = if fixed { Mode::Fixed } else { Mode::Faithful };
    shared::net::raise_fd_limit();
    let server = Server::start(runtime, port, mode, Log::stdout(quiet))?;
    eprintln!(
        "[{}] serving on {} for {secs} s",
        runtime.name(),
        server.addr()
    );
    std::thread::sleep(Duration::from_secs(secs));
    server.stop()?;
    Ok(())
}

fn load(
    runtime: Runtime,
    clients: usize,
    messages: usize,
    port: Option<u16>,
) -> shared::Result<()> {
    let (stats, who) = match port {
        None => (
            measure::round_trips(runtime, clients, messages)?,
            runtime.name().to_owned(),
        ),
        Some(port) => (
            client::load(([127, 0, 0, 1], port).into(), clients, messages)?,
            format!("port {port}"),
        ),
    };
    shared::outln!(
        "{who}: {} round trips by {clients} clients in {:.2} s: {:.0} round trips/s",
        stats.round_trips,
        stats.elapsed.as_secs_f64(),
        stats.per_sec()
    )?;
    Ok(())
}

fn hold(
    runtime: Runtime,
    connections: usize,
    external: Option<(u16, u32)>,
) -> shared::Result<()> {
    let exe = std::env::current_exe()?;
    let (report, who) = match external {
        None => (
            lesson_07_many_sockets::hold::hold(
                runtime,
                connections,
                Clients::Child(exe),
            )?,
            runtime.name().to_owned(),
        ),
        Some((port, pid)) => (
            lesson_07_many_sockets::hold::hold_external(
                port,
                pid,
                connections,
                &exe,
            )?,
            format!("pid {pid}"),
        ),
    };
    let HoldReport {
        connections,
        bytes_per_conn,
        kernel_bytes_per_conn,
    } = report;
    shared::outln!(
        "{who}: {connections} connections held, {bytes_per_conn:.0} resident bytes \
         per connection in the server, {kernel_bytes_per_conn:.0} bytes of \
         kernel TCP memory per connection (/proc/net/sockstat, both ends)"
    )?;
    Ok(())
}

fn measure_all(messages: usize, held: usize) -> shared::Result<()> {
    let mut sizes = measure::Sizes::full(std::env::current_exe()?);
    sizes.messages = messages;
    sizes.held = held;
    let figures = measure::measure(&sizes)?;
    Ok(shared::measure::print_figures(&figures)?)
}

fn lanes(
    clients: usize,
    pause_ms: u64,
    timeline: &TimelineArgs,
) -> shared::Result<()> {
    let trace = Trace::recording(true);
    lesson_07_many_sockets::lanes::paused_clients(
        clients,
        Duration::from_millis(pause_ms),
        &trace,
    )?;
    if !timeline.wanted() {
        shared::outln!(
            "{clients} clients served on the hub (add --timeline or --svg \
             FILE to see them)"
        )?;
    }
    timeline.show(
        &trace,
        "lesson 07: connections on the hub, parked in recv between messages",
    )
}
