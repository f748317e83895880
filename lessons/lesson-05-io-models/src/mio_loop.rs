//! `mio`: the course's `selectors.DefaultSelector`, and what tokio is built on.
//!
//! `mio::Poll` is a thin portable layer over the best readiness call of
//! each OS (epoll on Linux, kqueue on the BSDs and macOS, IOCP-based
//! emulation on Windows): `registry().register(source, token, interest)`
//! is `sel.register(sock, EVENT_READ, data)`, and `poll.poll(&mut events)`
//! is `sel.select()`; the [`Token`] plays the role of the course's `data`
//! (there a callback, here an index into our slab of connections).
//!
//! mio's readiness is **edge-triggered**: an event says "this socket
//! *became* readable (or writable)", once. The rules change accordingly:
//!
//! - register each socket once, for reading *and* writing, and never
//!   again (no `epoll_ctl` per round trip, unlike the level-triggered
//!   [`epoll`](crate::epoll) model);
//! - on every event, read until `WouldBlock` and write until `WouldBlock`
//!   or until nothing is queued: stopping early means no new event comes
//!   for what was left, and the connection hangs;
//! - write a reply at once, as tokio does, and keep only what the kernel
//!   did not take for the next writable edge: the course's "queue it, wait
//!   for writable" costs a round trip through the loop for nothing when
//!   the socket has room, which it nearly always does.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};
use shared::{Lane, State};

use crate::conn::{Acceptor, Conn, Progress, READ_BUF};
use crate::{Control, Tally, span};

const LISTENER: Token = Token(usize::MAX);
const WAKE: Token = Token(usize::MAX - 1);

/// The echo server on `mio::Poll`, edge-triggered.
pub fn serve(listener: TcpListener, control: &Control) -> shared::Result<()> {
    let mut tally = control.tally();
    let lane = control.trace().lane("event loop");
    tally.call();
    listener.set_nonblocking(true)?;
    let mut listener = mio::net::TcpListener::from_std(listener);
    tally.call();
    let mut poll = Poll::new()?;
    tally.call();
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    // `SourceFd` registers any file descriptor: here the stop eventfd.
    let wake = control.wake_fd().as_raw_fd();
    tally.call();
    poll.registry()
        .register(&mut SourceFd(&wake), WAKE, Interest::READABLE)?;

    let mut slab: Vec<Option<Conn>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    let mut events = Events::with_capacity(256);
    let mut buf = vec![0; READ_BUF];
    let mut acceptor = Acceptor::new();
    // Whether clients may be waiting that we have not accepted. An edge
    // says so once; only `WouldBlock` from `accept` says they are all in.
    // Out of descriptors, this is what remembers the edge: the accepts
    // resume when the pause is over, without a new client to announce it.
    let mut waiting = false;
    loop {
        tally.call();
        let polled = {
            let _wait = span(&lane, State::Waiting, || "poll".into());
            poll.poll(&mut events, acceptor.timeout())
        };
        match polled {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("mio poll failed: {e}").into()),
        }
        if control.is_stopped() {
            return Ok(());
        }
        for event in &events {
            match event.token() {
                WAKE => {}
                LISTENER => waiting = true,
                Token(index) => {
                    let Some(slot) = slab.get_mut(index) else {
                        continue;
                    };
                    let Some(conn) = slot else { continue };
                    pump(conn, &mut buf, &mut tally, &lane);
                    if conn.is_done() {
                        let fd = conn.stream.as_raw_fd();
                        tally.call();
                        let _ = poll.registry().deregister(&mut SourceFd(&fd));
                        *slot = None; // closes the socket
                        free.push(index);
                    }
                }
            }
        }
        // ANCHOR: mio_accept
        // Edge-triggered: accept until `WouldBlock`, or the clients still
        // waiting are never announced again.
        while waiting && acceptor.watching() {
            // ANCHOR_END: mio_accept
            tally.call();
            // ANCHOR: mio_accept_one
            let stream = match listener.accept() {
                Ok((stream, _)) => TcpStream::from(stream),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    waiting = false;
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // That client gave up: the next one. Or out of
                // descriptors: `watching` is false until the pause ends.
                Err(e) => {
                    acceptor.failed(&e);
                    continue;
                }
            };
            // mio's accept already made it non-blocking.
            let _ = stream.set_nodelay(true);
            let id = control.accepted();
            let index = free.pop().unwrap_or(slab.len());
            let fd = stream.as_raw_fd();
            // ANCHOR_END: mio_accept_one
            tally.call();
            // ANCHOR: mio_register
            poll.registry().register(
                &mut SourceFd(&fd),
                Token(index),
                Interest::READABLE | Interest::WRITABLE,
            )?;
            let conn = Conn::new(stream, format!("c{id}"));
            if index == slab.len() {
                slab.push(Some(conn));
            } else {
                slab[index] = Some(conn);
            }
        }
        // ANCHOR_END: mio_register
    }
}

// ANCHOR: mio_pump
/// Reads and writes until the kernel says `WouldBlock` both ways (or the
/// connection is over): what an edge-triggered event obliges us to do.
fn pump(conn: &mut Conn, buf: &mut [u8], tally: &mut Tally<'_>, lane: &Lane) {
    loop {
        let read = if conn.wants_read() {
            conn.read_traced(buf, tally, lane)
        } else {
            Progress::WouldBlock
        };
        let wrote = if conn.wants_write() {
            conn.write_traced(tally, lane)
        } else {
            Progress::WouldBlock
        };
        let moved = |p| matches!(p, Progress::Moved(_));
        if conn.is_done() || !(moved(read) || moved(wrote)) {
            return;
        }
    }
}
// ANCHOR_END: mio_pump
