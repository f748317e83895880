//! Lesson 06: round trips per second, our runtime against tokio's.

use shared::Figure;

use crate::echo::{EchoServer, Engine};
use crate::load::drive;

/// Round trips per second for each engine at `clients` × `messages`
/// (`echo_rps_ours`, `echo_rps_tokio`, unit `rt/s`), and how many times
/// longer ours takes than tokio's for the same work (`ours_vs_tokio`,
/// unit `x`: below 1, ours was faster). Each server runs on its own
/// thread; the clients on the caller's, in this process, driven by
/// lesson 05's `load` (see [`drive`]).
///
/// The CLI's default is 100 clients × 1,000 messages (about a second);
/// 10 × 100 is a quick run (a few milliseconds). An engine whose run
/// fails is reported on stderr and left out (and so is the ratio).
pub fn measure(clients: usize, messages: usize) -> Vec<Figure> {
    let run = |engine| -> shared::Result<f64> {
        let server = EchoServer::start(engine)?;
        let report = drive(server.addr(), clients, messages)?;
        server.stop()?;
        Ok(report.round_trips_per_sec())
    };
    let mut figures = Vec::new();
    let mut rates = Vec::new();
    for &engine in Engine::all() {
        match run(engine) {
            Ok(rate) => {
                let name = format!("echo_rps_{engine}");
                figures.push(Figure::new(name, rate, "rt/s"));
                rates.push(rate);
            }
            Err(error) => eprintln!("error: the {engine} echo server: {error}"),
        }
    }
    if let [ours, tokio] = rates[..] {
        figures.push(Figure::new("ours_vs_tokio", tokio / ours, "x"));
    }
    figures
}
