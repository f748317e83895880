//! Lesson 07: the default run: the course's server on the hub, and a short
//! scripted client that sends `hello 0`, `hello 1`, `hello 2` and closes.
//!
//! The server's lines and the client's go to one [`Log`] in the order they
//! happen (the server prints `recv:` before it sends, the client prints
//! after it reads), so the transcript is the same on every run.

use std::time::{Duration, Instant};

use crate::handler::{Log, Mode};
use crate::serve::{Runtime, Server};

/// Messages the scripted client sends before it closes.
pub const SCRIPTED_MESSAGES: usize = 3;

/// Runs the scripted client against `runtime`'s server in `mode`, and
/// returns every line, server's and client's, in order.
pub fn scripted(runtime: Runtime, mode: Mode) -> shared::Result<Vec<String>> {
    let log = Log::capture();
    let server = Server::start(runtime, 0, mode, log.clone())?;
    let mut conn = crate::client::HelloClient::connect(server.addr())?;
    for count in 0..SCRIPTED_MESSAGES {
        let reply = conn.round_trip(count)?;
        log.line(format!("[client] recv from server: {reply}"));
    }
    drop(conn);
    // The handler's last words come after the client's close: wait for
    // them (the faithful one ends with an error line, the fixed one with
    // nothing), at most a few seconds.
    let deadline = Instant::now() + Duration::from_secs(5);
    let ended = |lines: &[String]| match mode {
        Mode::Faithful => lines.last().is_some_and(|l| {
            !l.starts_with("recv:") && !l.starts_with("[client]")
        }),
        Mode::Fixed => true,
    };
    while !ended(&log.lines()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    server.stop()?;
    Ok(log.lines())
}
