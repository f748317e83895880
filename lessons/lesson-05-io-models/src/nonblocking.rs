//! The non-blocking model: sockets that never block, retried in a loop.
//!
//! With `O_NONBLOCK` set, a `read` with no data returns at once with
//! `EAGAIN` (Rust: `ErrorKind::WouldBlock`) instead of sleeping. So one
//! thread can serve many clients: it goes round every socket, tries to
//! accept, read and write, and goes round again. The course's notes describe
//! this as the process "actively asking the kernel whether the data is
//! ready": phase one (waiting for data) becomes a loop of failed `read`s,
//! and phase two (the copy) happens in the `read` that finally succeeds.
//!
//! This is the *wrong* way to wait, on purpose: the loop never sleeps, so
//! the thread takes all the CPU the scheduler gives it, even when every
//! client is silent. `load --model nonblocking` counts the cost: about 20
//! syscalls per round trip with 100 busy clients, almost all of them
//! `EAGAIN`, and about three times the server CPU per round trip of
//! `select`. The readiness models that follow keep the
//! non-blocking sockets but ask the kernel to *wake* them when a socket is
//! ready, instead of asking again and again.

use std::io;
use std::net::TcpListener;
use std::time::Duration;

use shared::State;
use shared::net::AcceptBackoff;

use crate::conn::{Conn, Progress, READ_BUF};
use crate::{Control, Tally};

/// Busy-polls the listener and every connection until stopped.
pub fn serve(listener: TcpListener, control: &Control) -> shared::Result<()> {
    let mut tally = control.tally();
    let lane = control.trace().lane("busy loop");
    // For the picture: when the current run of fruitless rounds began.
    let mut idle_since: Option<Duration> = None;
    let mut backoff = AcceptBackoff::new("[server]");
    tally.call();
    // ANCHOR: nonblocking
    listener.set_nonblocking(true)?;
    let mut conns: Vec<Conn> = Vec::new();
    let mut buf = vec![0; READ_BUF];
    while !control.is_stopped() {
        let mut moved = false;
        // Anyone new? (Usually `EAGAIN`.)
        let accepted = accept(&listener, control, &mut tally, &mut backoff);
        if let Some(conn) = accepted {
            conns.push(conn);
            moved = true;
        }
        // Every connection: try to read, try to write, every time round.
        for conn in &mut conns {
            if conn.wants_read() {
                moved |= matches!(
                    conn.read_once(&mut buf, &mut tally),
                    Progress::Moved(_) | Progress::Closed
                );
            }
            if conn.wants_write() {
                moved |= matches!(
                    conn.write_once(&mut tally),
                    Progress::Moved(_) | Progress::Closed
                );
            }
        }
        // Drop finished connections: closing the socket is the drop.
        conns.retain(|c| !c.is_done());
        // ANCHOR_END: nonblocking
        if control.trace().is_enabled() {
            mark_idle(&lane, &mut idle_since, moved);
        }
        // ANCHOR: nonblocking_end
    }
    Ok(())
    // ANCHOR_END: nonblocking_end
}

/// One non-blocking `accept`: a new connection, or `None` (`EAGAIN`).
fn accept(
    listener: &TcpListener,
    control: &Control,
    tally: &mut Tally<'_>,
    backoff: &mut AcceptBackoff,
) -> Option<Conn> {
    tally.call();
    match listener.accept() {
        Ok((stream, _)) => {
            // On Linux an accepted socket does not inherit `O_NONBLOCK`.
            tally.call();
            stream.set_nonblocking(true).ok()?;
            let _ = stream.set_nodelay(true);
            let id = control.accepted();
            Some(Conn::new(stream, format!("c{id}")))
        }
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => None,
        // Out of descriptors, this loop does not pause as the others do:
        // it never sleeps anyway, which is its lesson. It says so once.
        Err(e) => {
            backoff.on_error(&e);
            None
        }
    }
}

/// Records a span for each run of fruitless rounds (spinning on `EAGAIN`),
/// not one per round: a second of spinning is millions of rounds.
fn mark_idle(
    lane: &shared::Lane,
    idle_since: &mut Option<Duration>,
    moved: bool,
) {
    let now = lane.trace().now();
    match (moved, *idle_since) {
        (false, None) => *idle_since = Some(now),
        (true, Some(start)) => {
            lane.record_span(State::Running, "spin on EAGAIN", start, now);
            *idle_since = None;
        }
        _ => {}
    }
}
