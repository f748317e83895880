//! Lesson 05 CLI: the course's client against the select server with no
//! arguments; `serve`, `client`, `load`, `measure`, and the two pictures
//! (`phases`, `servers`) as subcommands.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use clap::builder::RangedI64ValueParser;
use clap::{Parser, Subcommand};
use lesson_05_io_models::{Model, Server, ServerStats, load, measure};
use shared::outln;
use shared::render::TimelineArgs;
use shared::{Trace, Transcript};

/// One upper-casing echo protocol, served by every IO model.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve on 127.0.0.1:PORT until interrupted (Ctrl-C).
    Serve {
        /// The IO model.
        #[arg(long, value_enum)]
        model: Model,
        /// The port (the course's 10000; 0 picks a free one).
        #[arg(long, default_value_t = 10000, allow_negative_numbers = true)]
        port: u16,
    },
    /// The course's client: two sockets, three messages each. Without
    /// --port it starts a server of --model in this process.
    Client {
        /// Connect to a server already listening on 127.0.0.1:PORT.
        #[arg(long, allow_negative_numbers = true)]
        port: Option<u16>,
        /// The model of the in-process server (without --port).
        #[arg(long, value_enum, default_value_t = Model::Select)]
        model: Model,
    },
    /// Start a server in-process and drive CLIENTS × MESSAGES round trips
    /// (or, with --port, drive a server running in another process).
    Load {
        /// The IO model of the in-process server.
        #[arg(long, value_enum, required_unless_present = "port")]
        model: Option<Model>,
        /// Drive a server already listening on 127.0.0.1:PORT instead
        /// (`serve` in another terminal): the client in a second process.
        #[arg(long, allow_negative_numbers = true, conflicts_with = "model")]
        port: Option<u16>,
        #[command(flatten)]
        traffic: Traffic,
    },
    /// Every model at C clients: `name=value unit` lines.
    // Every model runs the whole traffic, so `measure` sends fewer round
    // trips by default than `load`, which runs one model.
    #[command(mut_arg("messages", |messages| messages.default_value("300")))]
    Measure {
        #[command(flatten)]
        traffic: Traffic,
        /// How long each server sits idle for the idle-CPU figure.
        #[arg(long, default_value_t = 100, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<u64>::new().range(1..=10_000))]
        idle_ms: u64,
    },
    /// The two phases of one read, under each IO model, on one timeline.
    Phases {
        /// How long the data takes to arrive.
        #[arg(long, default_value_t = 20, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<u64>::new().range(1..=5_000))]
        delay_ms: u64,
        #[command(flatten)]
        timeline: TimelineArgs,
    },
    /// A few clients with pauses against one server model, traced: the
    /// course's picture of sync, threaded and event-driven servers.
    Servers {
        /// The IO model.
        #[arg(long, value_enum, default_value_t = Model::Blocking)]
        model: Model,
        /// Clients at once.
        #[arg(long, default_value_t = 3, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<usize>::new().range(1..=50))]
        clients: usize,
        /// How long each client pauses between its two messages.
        #[arg(long, default_value_t = 10, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<u64>::new().range(0..=5_000))]
        pause_ms: u64,
        #[command(flatten)]
        timeline: TimelineArgs,
    },
}

/// The traffic of `load` and `measure`: CLIENTS connections at once, each
/// making MESSAGES round trips.
///
/// One struct flattened into both subcommands, so that they take the same
/// flags with the same ranges; only `measure` lowers the default of
/// `--messages`.
#[derive(Debug, clap::Args)]
struct Traffic {
    /// Connections at once.
    #[arg(long, default_value_t = 100, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<usize>::new().range(1..=10_000))]
    clients: usize,
    /// Round trips per connection.
    #[arg(long, default_value_t = 1000, allow_negative_numbers = true, value_parser = RangedI64ValueParser::<usize>::new().range(1..=10_000_000))]
    messages: usize,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => client(None, Model::Select),
        Some(Command::Client { port, model }) => client(port, model),
        Some(Command::Serve { model, port }) => serve(model, port),
        Some(Command::Load {
            model,
            port,
            traffic: Traffic { clients, messages },
        }) => match (model, port) {
            (_, Some(port)) => load_remote(port, clients, messages),
            (Some(model), None) => run_load(model, clients, messages),
            (None, None) => Err("give --model or --port".into()),
        },
        Some(Command::Measure {
            traffic: Traffic { clients, messages },
            idle_ms,
        }) => {
            let figures = measure(clients, messages, idle_ms);
            match shared::print_figures(&figures) {
                Err(e) => Err(e.into()),
                Ok(()) if figures.len() == 5 * Model::usable().len() => Ok(()),
                Ok(()) => {
                    Err("some models could not be measured (see above)".into())
                }
            }
        }
        Some(Command::Phases { delay_ms, timeline }) => {
            phases(delay_ms, &timeline)
        }
        Some(Command::Servers {
            model,
            clients,
            pause_ms,
            timeline,
        }) => servers(model, clients, pause_ms, &timeline),
    };
    shared::exit_code(result)
}

/// The course's client, against a running server or one started here.
fn client(port: Option<u16>, model: Model) -> shared::Result<()> {
    let out = Transcript::stdout();
    let trace = Trace::disabled();
    match port {
        Some(port) => {
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            lesson_05_io_models::course_client(addr, &out, &trace)
        }
        None => {
            let server = Server::start(model)?;
            lesson_05_io_models::course_client(server.addr(), &out, &trace)?;
            server.stop().map(drop)
        }
    }
}

/// `serve`: until Ctrl-C (the default SIGINT action ends the process;
/// the kernel closes every socket).
fn serve(model: Model, port: u16) -> shared::Result<()> {
    // Every client costs the server a descriptor: take all we may have.
    shared::net::raise_fd_limit();
    let server = Server::start_on(model, port, Trace::disabled())?;
    let addr = server.addr();
    outln!(
        "starting up on {} port {} ({model})",
        addr.ip(),
        addr.port()
    )?;
    // The server runs on its own thread; this one just waits for it to
    // end, which it only does on an error.
    server.wait()
}

fn run_load(
    model: Model,
    clients: usize,
    messages: usize,
) -> shared::Result<()> {
    lesson_05_io_models::check_clients(model, clients)?;
    // Each client costs two descriptors here, its own and the server's.
    shared::net::raise_fd_limit();
    let server = Server::start(model)?;
    let report = load(server.addr(), clients, messages)?;
    let stats: ServerStats = server.stop()?;
    let rt = report.round_trips as f64;
    outln!(
        "{model}: {clients} clients x {messages} round trips in {:.3} s",
        report.elapsed.as_secs_f64()
    )?;
    outln!(
        "round trips per second: {:.0}",
        report.round_trips_per_sec()
    )?;
    outln!(
        "server CPU: {:.1} ms ({:.2} us per round trip, {:.0}% of the wall time)",
        stats.cpu.as_secs_f64() * 1e3,
        stats.cpu.as_secs_f64() * 1e6 / rt,
        100.0 * stats.cpu.as_secs_f64() / report.elapsed.as_secs_f64()
    )?;
    outln!(
        "server syscalls per round trip: {:.2} (counted by the server)",
        stats.syscalls as f64 / rt
    )?;
    outln!(
        "slowest first reply: {:.1} ms after the start",
        report.slowest_first_reply.as_secs_f64() * 1e3
    )?;
    outln!(
        "client CPU: {:.1} ms (one thread, mio)",
        report.client_cpu.as_secs_f64() * 1e3
    )?;
    Ok(())
}

/// `load --port`: the server is another process, so only the client's
/// side can be reported.
fn load_remote(
    port: u16,
    clients: usize,
    messages: usize,
) -> shared::Result<()> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    shared::net::raise_fd_limit();
    let report = load(addr, clients, messages)?;
    outln!(
        "{addr}: {clients} clients x {messages} round trips in {:.3} s",
        report.elapsed.as_secs_f64()
    )?;
    outln!(
        "round trips per second: {:.0}",
        report.round_trips_per_sec()
    )?;
    outln!(
        "slowest first reply: {:.1} ms after the start",
        report.slowest_first_reply.as_secs_f64() * 1e3
    )?;
    Ok(())
}

fn phases(delay_ms: u64, timeline: &TimelineArgs) -> shared::Result<()> {
    if !timeline.wanted() {
        // The run's only output is its picture: say how to see it.
        eprintln!("(phases draws a picture: add --timeline or --svg PATH)");
    }
    let trace = Trace::new();
    lesson_05_io_models::read_phases(&trace, delay_ms)?;
    let title =
        format!("lesson 05: one read, data after {delay_ms} ms, per IO model");
    timeline.show(&trace, &title)
}

fn servers(
    model: Model,
    clients: usize,
    pause_ms: u64,
    timeline: &TimelineArgs,
) -> shared::Result<()> {
    let trace = Trace::new();
    let out = Transcript::stdout();
    lesson_05_io_models::server_models(model, clients, pause_ms, &trace, &out)?;
    let title = format!(
        "lesson 05: {model} server, {clients} clients pausing {pause_ms} ms"
    );
    timeline.show(&trace, &title)
}
