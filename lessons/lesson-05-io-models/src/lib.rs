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

use std::collections::HashMap;
use std::fmt;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use rustix::event::{EventfdFlags, eventfd};
use shared::net::{LISTEN_BACKLOG, listen};
use shared::{Lane, Span, State, Trace};

pub mod blocking;
pub mod client;
pub mod conn;
pub mod epoll;
pub mod figures;
pub mod mio_loop;
pub mod nonblocking;
pub mod poll;
pub mod select;
pub mod threads;
pub mod uring;

pub use client::{
    LoadConfig, LoadReport, MESSAGES, course_client, load, load_with,
};
pub use figures::{measure, read_phases, server_models};

/// [`course_client`] under the name lesson 06 imports it by.
#[doc(hidden)]
pub use client::course_client as seed_client;

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

/// What the servers count while they run, read by [`Server::stop`].
#[derive(Debug, Default)]
pub struct Stats {
    syscalls: AtomicU64,
    cpu_ns: AtomicU64,
    connections: AtomicU64,
}

/// A server's totals after it stopped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerStats {
    /// Syscalls the server code made on sockets and waits (its own count:
    /// every `accept`, `read`, `write`, `select`, `poll`, `epoll_wait`,
    /// `epoll_ctl`, registration and `set_nonblocking`).
    pub syscalls: u64,
    /// CPU time (user + system) of every server thread, each read with
    /// `clock_gettime(CLOCK_THREAD_CPUTIME_ID)` as the thread finishes.
    pub cpu: Duration,
    /// Connections accepted (the wake-up connection of the blocking
    /// models' stop is not counted).
    pub connections: u64,
}

/// One server thread's counters: kept in plain locals while it runs (no
/// shared cache line bouncing between cores on every syscall) and added
/// to the shared [`Stats`] once, when the thread ends.
pub(crate) struct Tally<'a> {
    stats: &'a Stats,
    pub(crate) syscalls: u64,
}

impl<'a> Tally<'a> {
    pub(crate) fn new(stats: &'a Stats) -> Tally<'a> {
        Tally { stats, syscalls: 0 }
    }

    /// Counts one syscall.
    pub(crate) fn call(&mut self) {
        self.syscalls += 1;
    }
}

impl Drop for Tally<'_> {
    fn drop(&mut self) {
        // The CPU this thread has used since it started: every tally lives
        // as long as its thread's work, so this is the thread's share.
        let cpu =
            rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
        let ns = u64::try_from(cpu.tv_sec).unwrap_or(0) * 1_000_000_000
            + u64::try_from(cpu.tv_nsec).unwrap_or(0);
        self.stats.cpu_ns.fetch_add(ns, Ordering::Relaxed);
        self.stats
            .syscalls
            .fetch_add(self.syscalls, Ordering::Relaxed);
    }
}

/// How a running [`serve`] is told to stop, and what it records.
///
/// Stopping a server is the part the course leaves out (`while True`), and
/// it is not trivial: the server thread is asleep in the kernel, in
/// `accept`, `recv`, `select` or `epoll_wait`, and a flag alone does not
/// wake it. So [`Control::stop`] sets the flag *and* pokes every place a
/// server can sleep:
///
/// - an `eventfd` (a kernel counter that is a file descriptor) that every
///   readiness loop watches beside its sockets: writing to it makes
///   `select`/`poll`/`epoll_wait`/`mio::Poll::poll` return;
/// - a connection to the listener, which wakes a blocking `accept`;
/// - `shutdown` of every connection a blocking model is serving, which
///   makes its blocked `recv` return 0 (end of file).
#[derive(Debug)]
pub struct Control {
    stop: AtomicBool,
    wake: OwnedFd,
    addr: Mutex<Option<SocketAddr>>,
    open: Mutex<HashMap<u64, TcpStream>>,
    next_conn: AtomicU64,
    ready: (Mutex<bool>, Condvar),
    trace: Trace,
    stats: Stats,
}

impl Control {
    /// A control for one run of [`serve`], recording into `trace` (pass
    /// [`Trace::disabled`] for measured runs).
    pub fn new(trace: Trace) -> shared::Result<Control> {
        let wake =
            eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)
                .map_err(|e| format!("cannot create the stop eventfd: {e}"))?;
        Ok(Control {
            stop: AtomicBool::new(false),
            wake,
            addr: Mutex::new(None),
            open: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(1),
            ready: (Mutex::new(false), Condvar::new()),
            trace,
            stats: Stats::default(),
        })
    }

    /// Asks the server to stop, and wakes it wherever it sleeps.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        // The readiness loops: the eventfd becomes readable. (A full
        // counter would refuse the write, but then it is readable already.)
        let _ = rustix::io::write(&self.wake, &1u64.to_ne_bytes());
        // A blocking `accept`: give it a connection to return.
        if let Some(addr) = *lock(&self.addr) {
            let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
        }
        // A blocking `recv`: end of file on every connection in service.
        for stream in lock(&self.open).values() {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Marks the server as running (called by [`serve`]).
    fn set_ready(&self) {
        *lock(&self.ready.0) = true;
        self.ready.1.notify_all();
    }

    /// Waits (at most `patience`) until [`serve`] has started: so that a
    /// traced run's clients do not connect before the server thread has
    /// even been scheduled, which would put its start-up on the picture.
    pub fn wait_ready(&self, patience: Duration) -> bool {
        let guard = lock(&self.ready.0);
        let (guard, _) = self
            .ready
            .1
            .wait_timeout_while(guard, patience, |ready| !*ready)
            .unwrap_or_else(PoisonError::into_inner);
        *guard
    }

    /// Whether [`Control::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// The trace the server records into.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// The totals so far (complete once the server has returned).
    pub fn stats(&self) -> ServerStats {
        ServerStats {
            syscalls: self.stats.syscalls.load(Ordering::Relaxed),
            cpu: Duration::from_nanos(
                self.stats.cpu_ns.load(Ordering::Relaxed),
            ),
            connections: self.stats.connections.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn wake_fd(&self) -> &OwnedFd {
        &self.wake
    }

    pub(crate) fn tally(&self) -> Tally<'_> {
        Tally::new(&self.stats)
    }

    /// Numbers a new connection (`c1`, `c2`, ... in the traces).
    pub(crate) fn accepted(&self) -> u64 {
        // `stop` sets the flag before it connects to wake a blocking
        // `accept`, so its wake-up connection is never counted.
        if !self.is_stopped() {
            self.stats.connections.fetch_add(1, Ordering::Relaxed);
        }
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    /// Registers a blocking connection so that `stop` can shut it down.
    /// Returns false if the server is already stopping: then the caller
    /// must not serve it (stop's sweep may have run before this insert).
    pub(crate) fn track(&self, id: u64, stream: &TcpStream) -> bool {
        if let Ok(clone) = stream.try_clone() {
            lock(&self.open).insert(id, clone);
        }
        !self.is_stopped()
    }

    /// Forgets a blocking connection (closing the clone `track` made).
    pub(crate) fn untrack(&self, id: u64) {
        lock(&self.open).remove(&id);
    }
}

/// A span on `lane`, or nothing when the trace is disabled: the label is
/// only built, and the clock only read, for a traced run, so a measured
/// run pays one branch per span.
pub(crate) fn span<'a>(
    lane: &'a Lane,
    state: State,
    label: impl FnOnce() -> String,
) -> Option<Span<'a>> {
    lane.trace().is_enabled().then(|| lane.span(state, label()))
}

/// A poisoned lock means a server thread panicked; the map is still
/// usable, and stopping must still work.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
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

/// A server running one model on `127.0.0.1:0` in a background thread.
/// Dropping it stops the server, joins its threads and closes every file
/// descriptor it opened; [`Server::stop`] does the same and returns the
/// server's totals.
pub struct Server {
    model: Model,
    addr: SocketAddr,
    control: Arc<Control>,
    thread: Option<JoinHandle<shared::Result<()>>>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("model", &self.model)
            .field("addr", &self.addr)
            .finish()
    }
}

impl Server {
    /// Starts `model` on a free port of 127.0.0.1, untraced.
    pub fn start(model: Model) -> shared::Result<Server> {
        Server::start_traced(model, Trace::disabled())
    }

    /// Starts `model` on a free port, recording into `trace`.
    pub fn start_traced(model: Model, trace: Trace) -> shared::Result<Server> {
        Server::start_on(model, 0, trace)
    }

    /// Starts `model` on `port` of 127.0.0.1 (0: any free port).
    pub fn start_on(
        model: Model,
        port: u16,
        trace: Trace,
    ) -> shared::Result<Server> {
        // Say so up front, rather than start a server that fails at once.
        if model == Model::IoUring {
            uring::available()?;
        }
        let listener = listen(port)?;
        let addr = listener.local_addr()?;
        let control = Arc::new(Control::new(trace)?);
        let server_control = Arc::clone(&control);
        let thread = std::thread::Builder::new()
            .name(format!("server-{model}"))
            .spawn(move || serve(model, listener, &server_control))?;
        // Not needed for correctness (connections wait in the backlog),
        // only so that the server is running when the caller starts.
        control.wait_ready(Duration::from_secs(5));
        Ok(Server {
            model,
            addr,
            control,
            thread: Some(thread),
        })
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The model it runs.
    pub fn model(&self) -> Model {
        self.model
    }

    /// Waits for the server to end on its own, which it only does on an
    /// error (the CLI's `serve` runs until Ctrl-C ends the process).
    pub fn wait(mut self) -> shared::Result<()> {
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => {
                Err(format!("the {} server panicked", self.model).into())
            }
            None => Ok(()),
        }
    }

    /// Stops the server, waits for its threads, and returns its totals, or
    /// the error that ended it early.
    pub fn stop(mut self) -> shared::Result<ServerStats> {
        self.shut()?;
        Ok(self.control.stats())
    }

    fn shut(&mut self) -> shared::Result<()> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        self.control.stop();
        match thread.join() {
            Ok(result) => result,
            Err(_) => Err(format!("the {} server panicked", self.model).into()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // An error here was the server's own; `stop` is the way to see it.
        let _ = self.shut();
    }
}
