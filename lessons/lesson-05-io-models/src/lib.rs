//! Lesson 05: one upper-casing echo protocol, served by every IO model.
//!
//! **Python original.** The course's notes on IO models: the five Linux
//! IO models (blocking, non-blocking, IO multiplexing with
//! `select`/`poll`/`epoll`, signal-driven, asynchronous) and the two
//! phases of every read (waiting for the data to arrive; copying it from
//! the kernel into the process); the course's `select` echo server, which
//! keeps a `queue.Queue` per connection and sends each message back
//! upper-cased once `select` says the socket is writable; its client,
//! which opens two sockets and sends three messages on each; and the
//! `selectors` version with one callback per socket.
//!
//! **Rust mapping.** One protocol (the server upper-cases whatever bytes it
//! reads and writes them back: a byte-wise stream transform, so it needs no
//! framing) and one entry point, [`serve`]`(model, listener, &control)`,
//! with one module per [`Model`]:
//!
//! | Python | Rust |
//! |---|---|
//! | `conn.recv(1024)` on a blocking socket | [`blocking`], [`threads`] |
//! | `setblocking(0)` and retrying | [`nonblocking`] (busy-waits, on purpose) |
//! | `select.select(inputs, outputs, inputs)` | [`select`]: `rustix::event::select` |
//! | `select.poll()` | [`poll`]: `rustix::event::poll` |
//! | `select.epoll()` | [`epoll`]: `rustix::event::epoll` |
//! | `selectors.DefaultSelector()` | [`mio_loop`]: `mio::Poll` |
//! | (asynchronous IO, not in Python's stdlib) | [`uring`]: io_uring, where allowed |
//! | `message_queues[s] = queue.Queue()` | [`conn::Conn`]'s output queue |
//!
//! [`Server`] runs a model on `127.0.0.1:0` in a background thread and
//! stops it cleanly when dropped; [`load`] drives many clients at once
//! against it and counts round trips; [`course_client`] is the course's
//! two-socket client.
//!
//! **Run it.**
//!
//! ```text
//! cargo run -p lesson-05-io-models                      # the course's exchange
//! cargo run -p lesson-05-io-models -- serve --model epoll --port 10000
//! cargo run -p lesson-05-io-models -- client --port 10000
//! cargo run --release -p lesson-05-io-models -- load --model mio \
//!     --clients 100 --messages 1000
//! cargo run -p lesson-05-io-models -- phases --timeline
//! cargo run -p lesson-05-io-models -- servers --model blocking --timeline
//! cargo run -p lesson-05-io-models -- client --model io-uring
//! cargo run --release -p lesson-05-io-models -- measure
//! ```
//!
//! **What to notice.**
//!
//! - Every model gives the same replies: the protocol does not care how
//!   the server waits. What differs is what the *thread* does while a
//!   client is silent: stuck in `recv` (blocking), spinning on `EAGAIN`
//!   (non-blocking: with no client at all, `measure` shows it taking all
//!   the CPU the scheduler gives it, every other model about 0.1 %), or
//!   parked in one `select`/`poll`/`epoll_wait` for all sockets at once.
//! - `blocking` serves one client at a time: the second client's first
//!   reply waits until the first client hangs up
//!   (`servers --model blocking --timeline`). The course's own client, which
//!   sends on both of its sockets before reading either, cannot finish
//!   against it: `client --model blocking` gives up after 10 s.
//! - `select`, `poll` and `epoll` are level-triggered: as in the course, a
//!   reply is queued and written only when the socket is reported
//!   writable, and write interest is dropped once the queue is empty
//!   (otherwise every wait returns at once and the loop spins). `mio` is
//!   edge-triggered: it registers once and reads until `WouldBlock`.
//! - What the course's select servers get wrong, handled here. The notes
//!   have two versions. The first queues the `b""` that `recv` returns
//!   when the peer closes and goes round again: end of file is always
//!   readable, so it spins on the dead socket for ever. The second (the
//!   one with the two-socket client reproduced here) stops watching a
//!   closed socket but never calls `close()` on it. Both ignore how many
//!   bytes `send` took (a partial send loses the rest), and both are
//!   bounded by `select`'s `FD_SETSIZE` of 1024 (see [`select`]).
//! - `load` counts the syscalls each server makes per round trip: 2 for
//!   the threads (one `read`, one `write`), about 2 for `select` and
//!   `poll` (one wait is shared by every ready socket), 4 for
//!   level-triggered `epoll` (two of them `epoll_ctl`), 3 for `mio`, and well
//!   under 1 for `io-uring`, where one `io_uring_enter` submits and reaps
//!   the operations of many connections at once.
//! - `io-uring` is the course's fifth model, asynchronous IO: the kernel does
//!   both phases and reports *completions*. It runs only where the kernel
//!   allows io_uring ([`uring::available`]); elsewhere it is skipped with a
//!   one-line reason. Signal-driven IO is not built (see the chapter).

use std::fmt;
use std::net::TcpListener;

use shared::net::LISTEN_BACKLOG;

pub mod blocking;
pub mod client;
pub mod conn;
mod control;
pub mod epoll;
pub mod figures;
pub mod mio_loop;
pub mod nonblocking;
pub mod poll;
pub mod select;
mod server;
pub mod threads;
pub mod uring;

pub use client::{
    LoadConfig, LoadReport, MESSAGES, course_client, load, load_with,
};
pub use figures::{measure, read_phases, server_models};

pub use control::{Control, ServerStats, Stats};
pub(crate) use control::{Tally, lock, span};
pub use server::Server;

/// The IO models of the lesson: how a server thread waits for its sockets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Model {
    /// Blocking sockets, one client at a time: the others wait in the
    /// listen backlog.
    Blocking,
    /// Blocking sockets, one OS thread per connection.
    ThreadPerConnection,
    /// Non-blocking sockets retried in a loop: busy-waiting.
    Nonblocking,
    /// `select(2)` over bit sets of file descriptors.
    Select,
    /// `poll(2)` over an array of `pollfd`.
    Poll,
    /// `epoll(7)`: the kernel keeps the interest list.
    Epoll,
    /// `mio::Poll`: the portable wrapper tokio is built on (epoll here).
    Mio,
    /// io_uring: asynchronous IO, the kernel does both phases and reports
    /// completions (only where the kernel allows it: see [`uring`]).
    IoUring,
}

impl Model {
    /// Every model, in the order the lesson presents them.
    pub const ALL: [Model; 8] = [
        Model::Blocking,
        Model::ThreadPerConnection,
        Model::Nonblocking,
        Model::Select,
        Model::Poll,
        Model::Epoll,
        Model::Mio,
        Model::IoUring,
    ];

    /// Every model this machine can run: all of them, less `io-uring`
    /// where the kernel or a seccomp filter forbids it.
    pub fn usable() -> Vec<Model> {
        Model::ALL
            .into_iter()
            .filter(|&m| m != Model::IoUring || uring::available().is_ok())
            .collect()
    }

    /// The CLI name (`thread-per-connection`).
    pub fn name(self) -> &'static str {
        match self {
            Model::Blocking => "blocking",
            Model::ThreadPerConnection => "thread-per-connection",
            Model::Nonblocking => "nonblocking",
            Model::Select => "select",
            Model::Poll => "poll",
            Model::Epoll => "epoll",
            Model::Mio => "mio",
            Model::IoUring => "io-uring",
        }
    }

    /// The name as a figure name part (`thread_per_connection`).
    pub fn snake_name(self) -> String {
        self.name().replace('-', "_")
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether `clients` connections can all be open at once against `model`.
///
/// The load generator connects every client before any of them sends.
/// The blocking server accepts one and waits for its first message, so
/// every other client must fit in the listen backlog: beyond
/// [`LISTEN_BACKLOG`], `connect` itself blocks (the kernel drops the SYNs
/// and retries them for about two minutes), the first client never gets
/// to send, and the run hangs. So that case is refused up front.
pub fn check_clients(model: Model, clients: usize) -> shared::Result<()> {
    let backlog = usize::try_from(LISTEN_BACKLOG).unwrap_or(0);
    if model == Model::Blocking && clients > backlog {
        return Err(format!(
            "the blocking server serves one client at a time, and the \
             {clients} clients connect before any of them sends: more than \
             {backlog} (the listen backlog) would hang in `connect`; use \
             --clients {backlog} or fewer"
        )
        .into());
    }
    Ok(())
}

// ANCHOR: serve
/// Serves the upper-casing echo protocol on `listener` with `model` until
/// `control.stop()` is called. Closes every socket it accepted before it
/// returns; the listener is closed when it is dropped, here too.
pub fn serve(
    model: Model,
    listener: TcpListener,
    control: &Control,
) -> shared::Result<()> {
    // Where `stop` connects to wake a blocking `accept`. Set under the
    // lock, then the flag read: a `stop` that came first (and found no
    // address to connect to) is seen here, so nobody sleeps unwoken.
    *lock(&control.addr) = Some(listener.local_addr()?);
    if control.is_stopped() {
        return Ok(());
    }
    control.set_ready();
    match model {
        Model::Blocking => blocking::serve(listener, control),
        Model::ThreadPerConnection => threads::serve(listener, control),
        Model::Nonblocking => nonblocking::serve(listener, control),
        Model::Select => select::serve(listener, control),
        Model::Poll => poll::serve(listener, control),
        Model::Epoll => epoll::serve(listener, control),
        Model::Mio => mio_loop::serve(listener, control),
        Model::IoUring => uring::serve(listener, control),
    }
}
// ANCHOR_END: serve
