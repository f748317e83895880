//! Lesson 05: stopping a server that sleeps in the kernel, and counting
//! what it does.
//!
//! [`Control`] is what [`serve`](crate::serve) is given besides its
//! listener: the stop flag and the ways to wake a server wherever it
//! sleeps, the trace it records into, and the counters ([`Stats`]) that
//! `load` and `measure` report. [`Tally`] is one thread's share of those
//! counters, kept in locals while the thread runs.

use std::collections::HashMap;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use rustix::event::{EventfdFlags, eventfd};
use shared::{Lane, Span, State, Trace};

/// What the servers count while they run, read by
/// [`Server::stop`](crate::Server::stop).
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

/// How a running [`serve`](crate::serve) is told to stop, and what it records.
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
    pub(crate) addr: Mutex<Option<SocketAddr>>,
    open: Mutex<HashMap<u64, TcpStream>>,
    next_conn: AtomicU64,
    ready: (Mutex<bool>, Condvar),
    trace: Trace,
    stats: Stats,
}

impl Control {
    /// A control for one run of [`serve`](crate::serve), recording into `trace` (pass
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

    /// Marks the server as running (called by [`serve`](crate::serve)).
    pub(crate) fn set_ready(&self) {
        *lock(&self.ready.0) = true;
        self.ready.1.notify_all();
    }

    /// Waits (at most `patience`) until [`serve`](crate::serve) has started: so that a
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
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
