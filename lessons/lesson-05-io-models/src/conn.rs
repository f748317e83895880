//! One connection of a non-blocking server: the socket and its output
//! queue, the course's `message_queues[s]`.
//!
//! The course keeps a `queue.Queue` of messages per socket and calls
//! `s.send(next_msg.upper())` once per writable event. Two things go wrong
//! there, and [`Conn`] handles both:
//!
//! - `send` returns how many bytes the kernel took, which may be fewer
//!   than it was given (the socket's send buffer is full: a big message, a
//!   slow reader). The course ignores the count and loses the rest. Here the
//!   queue is a byte buffer with a cursor, and a partial write just moves
//!   the cursor; the next writable event sends the rest.
//! - `recv` returning `b""` means the peer closed its side. The course's
//!   first select server appends the empty string to the queue and goes
//!   round again: the socket stays readable (end of file is always
//!   readable), so it spins for ever. Its second one stops watching the
//!   socket but never closes it. Here end of file stops reading, and the
//!   connection is closed (dropped) once what was queued has been written.
//!
//! The protocol itself is [`upper`]: a byte-wise transform, so it does not
//! matter where a read happens to cut the stream.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use shared::net::AcceptBackoff;

use crate::Tally;

/// Bytes read per `read` call. Smaller than a 64 KiB message on purpose:
/// big messages arrive in several reads, as they do in real servers.
pub const READ_BUF: usize = 16 * 1024;

/// Once this much output is queued, a connection stops reading until the
/// queue drains: without this limit a client that sends and never reads
/// would make the server buffer without end (back-pressure).
pub const QUEUE_LIMIT: usize = 256 * 1024;

/// The protocol: upper-case ASCII letters, leave every other byte alone.
pub fn upper(bytes: &mut [u8]) {
    bytes.make_ascii_uppercase();
}

/// What a read or write did to the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Bytes moved.
    Moved(usize),
    /// The kernel had nothing for us (`EAGAIN`/`EWOULDBLOCK`).
    WouldBlock,
    /// The connection is over: end of file on read, or an error (reset,
    /// broken pipe). The caller closes it.
    Closed,
}

/// A non-blocking connection and its output queue.
#[derive(Debug)]
pub struct Conn {
    /// The socket (non-blocking).
    pub stream: TcpStream,
    /// `c1`, `c2`, ... in accept order: the trace's label.
    pub name: String,
    out: Vec<u8>,
    sent: usize,
    eof: bool,
    failed: bool,
}

impl Conn {
    /// Wraps an accepted, already non-blocking socket.
    pub fn new(stream: TcpStream, name: String) -> Conn {
        Conn {
            stream,
            name,
            out: Vec::new(),
            sent: 0,
            eof: false,
            failed: false,
        }
    }

    /// Bytes queued and not yet written.
    pub fn queued(&self) -> usize {
        self.out.len() - self.sent
    }

    /// Whether the server should ask to hear when this socket is readable:
    /// not after end of file, and not while the queue is full.
    pub fn wants_read(&self) -> bool {
        !self.eof && !self.failed && self.queued() < QUEUE_LIMIT
    }

    /// Whether the server should ask to hear when this socket is writable:
    /// only while something is queued. Asking always would make a
    /// level-triggered wait return at once every time (a socket with room
    /// in its send buffer is always writable): a busy loop in disguise.
    pub fn wants_write(&self) -> bool {
        !self.failed && self.queued() > 0
    }

    /// Whether the connection is finished: it failed, or the peer closed
    /// and everything queued has been written.
    pub fn is_done(&self) -> bool {
        self.failed || (self.eof && self.queued() == 0)
    }

    /// One `read` call: what is readable is upper-cased into the queue.
    pub(crate) fn read_once(
        &mut self,
        buf: &mut [u8],
        tally: &mut Tally<'_>,
    ) -> Progress {
        tally.call();
        match self.stream.read(buf) {
            // End of file: Python's `recv` returning `b""`.
            Ok(0) => {
                self.eof = true;
                if self.is_done() {
                    Progress::Closed
                } else {
                    Progress::Moved(0)
                }
            }
            Ok(n) => {
                upper(&mut buf[..n]);
                self.out.extend_from_slice(&buf[..n]);
                Progress::Moved(n)
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                Progress::WouldBlock
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                Progress::Moved(0)
            }
            // A reset (the client vanished mid-message): nothing to answer.
            Err(_) => {
                self.failed = true;
                Progress::Closed
            }
        }
    }

    // ANCHOR: conn_write
    /// One `write` call of what is queued. A partial write keeps the rest.
    pub(crate) fn write_once(&mut self, tally: &mut Tally<'_>) -> Progress {
        if self.queued() == 0 {
            return Progress::Moved(0);
        }
        // ANCHOR_END: conn_write
        tally.call();
        // ANCHOR: conn_write_match
        match self.stream.write(&self.out[self.sent..]) {
            Ok(n) => {
                self.sent += n;
                if self.sent == self.out.len() {
                    // Everything went: reuse the buffer from the start.
                    self.out.clear();
                    self.sent = 0;
                }
                if self.is_done() {
                    Progress::Closed
                } else {
                    Progress::Moved(n)
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                Progress::WouldBlock
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                Progress::Moved(0)
            }
            // Broken pipe or reset: the reader is gone.
            Err(_) => {
                self.failed = true;
                Progress::Closed
            }
        }
    }
    // ANCHOR_END: conn_write_match
}

/// The accepting side of a readiness loop: accepts what is waiting, and
/// stops accepting for a moment when the process runs out of descriptors.
///
/// Out of descriptors (`EMFILE`), `accept` fails but the connection stays
/// in the listen backlog, so the listener stays readable: a loop that
/// keeps watching it wakes at once, fails again, and spins at 100 % of a
/// core. So a readiness loop asks [`Acceptor::watching`] before each wait
/// and leaves the listener out while paused, and sleeps at most
/// [`Acceptor::timeout`]: the open connections are served meanwhile, and
/// as they close they free descriptors for the clients still waiting.
#[derive(Debug)]
pub(crate) struct Acceptor {
    backoff: AcceptBackoff,
    paused_until: Option<Instant>,
}

impl Acceptor {
    pub(crate) fn new() -> Acceptor {
        Acceptor {
            backoff: AcceptBackoff::new("[server]"),
            paused_until: None,
        }
    }

    /// Whether the loop should watch the listener now: not while the
    /// pause lasts.
    pub(crate) fn watching(&mut self) -> bool {
        match self.paused_until {
            Some(until) if Instant::now() < until => false,
            Some(_) => {
                self.paused_until = None;
                true
            }
            None => true,
        }
    }

    /// How long the loop's wait may sleep: until the pause ends, or for
    /// ever (`None`) when it is not paused.
    pub(crate) fn timeout(&self) -> Option<Duration> {
        self.paused_until
            .map(|until| until.saturating_duration_since(Instant::now()))
    }

    /// Handles a failed `accept`: `true` to try the next one at once (the
    /// error was that one connection's), `false` when accepting pauses.
    pub(crate) fn failed(&mut self, error: &io::Error) -> bool {
        match self.backoff.on_error(error) {
            Some(pause) => {
                self.paused_until = Some(Instant::now() + pause);
                false
            }
            None => true,
        }
    }

    /// Accepts every connection waiting on a non-blocking listener (until
    /// `EAGAIN`, at most 128 in one go so one burst cannot starve the
    /// connections already open), made non-blocking and handed to `add`.
    ///
    /// Why a loop and not the course's one `accept` per readiness: with
    /// 200 clients connecting at once, one accept per `select` costs 200
    /// rounds of `select` over a growing set; the loop costs one round.
    pub(crate) fn accept_ready(
        &mut self,
        listener: &std::net::TcpListener,
        control: &crate::Control,
        tally: &mut Tally<'_>,
        mut add: impl FnMut(Conn),
    ) {
        for _ in 0..128 {
            tally.call();
            match listener.accept() {
                Ok((stream, _)) => {
                    // Linux: an accepted socket does not inherit
                    // O_NONBLOCK.
                    tally.call();
                    if stream.set_nonblocking(true).is_err() {
                        continue;
                    }
                    let _ = stream.set_nodelay(true);
                    let id = control.accepted();
                    add(Conn::new(stream, format!("c{id}")));
                }
                // Nobody else is waiting.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // A client that gave up before we accepted it: the next.
                Err(e) if self.failed(&e) => {}
                // Out of descriptors: paused.
                Err(_) => return,
            }
        }
    }
}

/// A wait's timeout as `select`, `poll` and `epoll_wait` take it (`None`:
/// no timeout).
pub(crate) fn wait_timeout(
    timeout: Option<Duration>,
) -> Option<rustix::event::Timespec> {
    timeout.and_then(|d| rustix::event::Timespec::try_from(d).ok())
}

impl Conn {
    /// What a readiness loop does with one ready socket: one read if it
    /// is readable (and we want to read), one write if it is writable
    /// (and something is queued). Level-triggered: whatever is left is
    /// reported again by the next wait.
    pub(crate) fn on_ready(
        &mut self,
        readable: bool,
        writable: bool,
        buf: &mut [u8],
        tally: &mut Tally<'_>,
        lane: &shared::Lane,
    ) {
        if readable && self.wants_read() {
            self.read_traced(buf, tally, lane);
        }
        if writable && self.wants_write() {
            self.write_traced(tally, lane);
        }
    }

    /// [`Conn::read_once`], recorded on `lane` as `c1 recv`.
    pub(crate) fn read_traced(
        &mut self,
        buf: &mut [u8],
        tally: &mut Tally<'_>,
        lane: &shared::Lane,
    ) -> Progress {
        let name = &self.name;
        let _copy = crate::span(lane, shared::State::Running, || {
            format!("{name} recv")
        });
        self.read_once(buf, tally)
    }

    /// [`Conn::write_once`], recorded on `lane` as `c1 send`.
    pub(crate) fn write_traced(
        &mut self,
        tally: &mut Tally<'_>,
        lane: &shared::Lane,
    ) -> Progress {
        let name = &self.name;
        let _send = crate::span(lane, shared::State::Running, || {
            format!("{name} send")
        });
        self.write_once(tally)
    }
}
