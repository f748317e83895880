//! Lesson 07: `measure`: on every runtime, round trips per second at 100
//! clients (each runtime against its own in-process server, the fixed
//! handler, quiet; clients a thread each), and what a held connection
//! costs ([`crate::hold`]).
//!
//! The thread-per-connection server holds at most 2,000 connections here:
//! 10,000 threads would be 10,000 stacks and scheduler entries, which is
//! what the lesson contrasts, not what it needs to measure.

use shared::measure::Figure;

use crate::client::{LoadStats, load};
use crate::handler::{Log, Mode};
use crate::hold::{Clients, hold};
use crate::serve::{Runtime, Server};

/// How much `measure` does.
#[derive(Clone, Debug)]
pub struct Sizes {
    /// Client threads of the round-trip run (the course's 100).
    pub clients: usize,
    /// Round trips per client.
    pub messages: usize,
    /// Connections each coroutine runtime holds (0: skip the hold runs).
    pub held: usize,
    /// Connections the thread-per-connection server holds.
    pub held_threads: usize,
    /// Where the holding clients run.
    pub holders: Clients,
}

impl Sizes {
    /// The lesson's `measure`: 100 × 1,000 round trips, 10,000 held
    /// connections (2,000 on threads), clients in a child process.
    pub fn full(exe: std::path::PathBuf) -> Sizes {
        Sizes {
            clients: 100,
            messages: 1_000,
            held: 10_000,
            held_threads: 2_000,
            holders: Clients::Child(exe),
        }
    }
}

/// One load run: `runtime`'s server, `clients` × `messages` round trips.
pub fn round_trips(
    runtime: Runtime,
    clients: usize,
    messages: usize,
) -> shared::Result<LoadStats> {
    let server = Server::start(runtime, 0, Mode::Fixed, Log::silent())?;
    let stats = load(server.addr(), clients, messages)?;
    server.stop()?;
    Ok(stats)
}

/// `round_trips_per_sec_<runtime>`, `bytes_per_conn_<runtime>` and
/// `max_conns_<runtime>` for every runtime.
pub fn measure(sizes: &Sizes) -> shared::Result<Vec<Figure>> {
    let mut figures = Vec::new();
    for runtime in Runtime::ALL {
        let stats = round_trips(runtime, sizes.clients, sizes.messages)?;
        figures.push(Figure::new(
            format!("round_trips_per_sec_{}", runtime.name()),
            stats.per_sec(),
            "round_trips/s",
        ));
    }
    if sizes.held == 0 {
        return Ok(figures);
    }
    for runtime in Runtime::ALL {
        let n = match runtime {
            Runtime::Threads => sizes.held_threads.min(sizes.held),
            _ => sizes.held,
        };
        let report = hold(runtime, n, sizes.holders.clone())?;
        let name = runtime.name();
        figures.push(Figure::new(
            format!("bytes_per_conn_{name}"),
            report.bytes_per_conn.round(),
            "bytes",
        ));
        figures.push(Figure::new(
            format!("max_conns_{name}"),
            n as f64,
            "connections",
        ));
    }
    Ok(figures)
}
