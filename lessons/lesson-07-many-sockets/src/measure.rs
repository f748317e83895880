//! Lesson 07: `measure`: round trips per second at 100 clients on every
//! runtime, each measured against its own in-process server (the fixed
//! handler, quiet), clients a thread each.

use shared::measure::Figure;

use crate::client::{LoadStats, load};
use crate::handler::{Log, Mode};
use crate::serve::{Runtime, Server};

/// Clients of `measure`'s round trips: the course's 100 threads.
pub const CLIENTS: usize = 100;

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

/// `round_trips_per_sec_<runtime>` for every runtime.
pub fn measure(messages: usize) -> shared::Result<Vec<Figure>> {
    let mut figures = Vec::new();
    for runtime in Runtime::ALL {
        let stats = round_trips(runtime, CLIENTS, messages)?;
        figures.push(Figure::new(
            format!("round_trips_per_sec_{}", runtime.name()),
            stats.per_sec(),
            "round_trips/s",
        ));
    }
    Ok(figures)
}
