//! Lesson 07: the course's `server(port)`, on four runtimes.
//!
//! `s.accept()` in a loop and `gevent.spawn(handle_request, cli)` for each
//! connection: on the hub (our gevent), a may coroutine (`go!`), a tokio
//! task on a current-thread runtime, and a thread per connection, the
//! contrast. Each runs the same [`handle_request`].
//!
//! A [`Server`] runs on a thread of its own and stops when told: its
//! accept loop sees the stop flag at the next connection (the stopper
//! makes one), then closes every connection. The hub and tokio do that by
//! ending their runtime, which drops every task and its socket; may's
//! coroutines and the threads are not cancellable from outside, so their
//! sockets are shut (both ways), which ends each handler's loop.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use lesson_03_gevent::hub;
use shared::net::AcceptBackoff;

use crate::green;
use crate::handler::{Log, Mode, Stream, block_now, handle_request};

/// Which runtime serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Runtime {
    /// Lesson 03's hub with [`green`] sockets: gevent's design.
    Hub,
    /// may's coroutines and `may::net`.
    May,
    /// tokio, one task per connection, current-thread.
    Tokio,
    /// One OS thread per connection.
    Threads,
}

impl Runtime {
    /// Every runtime, in the order the lesson shows them.
    pub const ALL: [Runtime; 4] =
        [Runtime::Hub, Runtime::May, Runtime::Tokio, Runtime::Threads];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Hub => "hub",
            Runtime::May => "may",
            Runtime::Tokio => "tokio",
            Runtime::Threads => "threads",
        }
    }
}

/// The connections of a may or threads server that are still open, by
/// raw descriptor, so that `stop` can shut them.
#[derive(Clone, Default)]
struct Live {
    fds: Arc<Mutex<HashMap<u64, RawFd>>>,
    next: Arc<AtomicU64>,
}

/// A stream listed in [`Live`] while it is open.
struct Tracked<S: AsRawFd> {
    stream: S,
    live: Live,
    id: u64,
}

impl<S: AsRawFd> Tracked<S> {
    fn new(stream: S, live: &Live) -> Tracked<S> {
        let id = live.next.fetch_add(1, Ordering::Relaxed);
        live.fds
            .lock()
            .expect("live")
            .insert(id, stream.as_raw_fd());
        Tracked {
            stream,
            live: live.clone(),
            id,
        }
    }
}

impl<S: AsRawFd> Drop for Tracked<S> {
    fn drop(&mut self) {
        // Unlisted before the stream's field drops and closes it.
        self.live.fds.lock().expect("live").remove(&self.id);
    }
}

impl<S: Stream + AsRawFd> io::Read for Tracked<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.read(buf)
    }
}

impl<S: Stream + AsRawFd> io::Write for Tracked<S> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.stream.write(data)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

impl<S: Stream + AsRawFd> Stream for Tracked<S> {
    fn shutdown_write(&mut self) -> io::Result<()> {
        self.stream.shutdown_write()
    }
}

impl Live {
    /// Shuts every open connection both ways, then waits (up to 10 s) for
    /// their handlers to close them.
    fn shut_all(&self) {
        {
            let fds = self.fds.lock().expect("live");
            for &fd in fds.values() {
                // SAFETY: a descriptor stays in `fds` until its `Tracked`
                // drops, which takes this lock first: it is open now.
                let fd = unsafe { BorrowedFd::borrow_raw(fd) };
                let _ = rustix::net::shutdown(fd, rustix::net::Shutdown::Both);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.fds.lock().expect("live").is_empty()
            && Instant::now() < deadline
        {
            thread::sleep(Duration::from_millis(1));
        }
    }
}

/// A running server: its address, and how to stop it.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<io::Result<()>>>,
}

impl Server {
    /// Starts `runtime`'s server on 127.0.0.1:`port` (0: any free port),
    /// on a thread of its own.
    pub fn start(
        runtime: Runtime,
        port: u16,
        mode: Mode,
        log: Log,
    ) -> io::Result<Server> {
        let listener = shared::net::listen(port)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = thread::Builder::new()
            .name(format!("{}-server", runtime.name()))
            .spawn(move || serve(runtime, listener, mode, log, &flag))?;
        Ok(Server {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes every connection, and returns once the
    /// server's thread has ended.
    pub fn stop(mut self) -> io::Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> io::Result<()> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        self.stop.store(true, Ordering::SeqCst);
        // The accept loop looks at the flag after each connection.
        drop(std::net::TcpStream::connect(self.addr));
        thread
            .join()
            .map_err(|_| io::Error::other("the server panicked"))?
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// Serves on `listener` until `stop` is set.
pub fn serve(
    runtime: Runtime,
    listener: std::net::TcpListener,
    mode: Mode,
    log: Log,
    stop: &AtomicBool,
) -> io::Result<()> {
    match runtime {
        Runtime::Hub => serve_hub(listener, mode, log, stop, None),
        Runtime::May => serve_may(listener, mode, log, stop),
        Runtime::Tokio => serve_tokio(listener, mode, log, stop),
        Runtime::Threads => serve_threads(listener, mode, log, stop),
    }
}

/// `server(port)` on the hub: `accept` switches to the hub while it waits,
/// `hub::spawn` is `gevent.spawn`. With a trace, the hub and each
/// connection's task get a lane (`conn 1`, `conn 2`, ...).
pub(crate) fn serve_hub(
    listener: std::net::TcpListener,
    mode: Mode,
    log: Log,
    stop: &AtomicBool,
    trace: Option<&shared::Trace>,
) -> io::Result<()> {
    let config = hub::Config {
        trace: trace.map(|t| t.lane("hub")),
        ..hub::Config::default()
    };
    let lane = |n: usize| trace.map(|t| t.lane(format!("conn {n}")));
    let mut accepted = 0;
    // ANCHOR: serve_hub
    green::run_with(config, || {
        let listener = green::TcpListener::from_std(listener)?;
        let mut backoff = AcceptBackoff::new("[hub]");
        while !stop.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok(_) if stop.load(Ordering::SeqCst) => break,
                Ok((conn, _addr)) => {
                    let log = log.clone();
                    // ANCHOR_END: serve_hub
                    accepted += 1;
                    let mut task = hub::Builder::new();
                    if let Some(lane) = lane(accepted) {
                        task = task.trace(lane);
                    }
                    // ANCHOR: serve_hub
                    task.spawn(move || {
                        block_now(handle_request(conn, mode, &log))
                    });
                }
                Err(error) => {
                    if let Some(pause) = backoff.on_error(&error) {
                        hub::sleep(pause);
                    }
                }
            }
        }
        Ok(())
    })?
}
// ANCHOR_END: serve_hub

/// `server(port)` on may: `go!` per connection.
fn serve_may(
    listener: std::net::TcpListener,
    mode: Mode,
    log: Log,
    stop: &AtomicBool,
) -> io::Result<()> {
    use std::os::fd::{FromRawFd, IntoRawFd};
    // SAFETY: the descriptor comes from a listener we own and give up.
    let listener =
        unsafe { may::net::TcpListener::from_raw_fd(listener.into_raw_fd()) };
    let live = Live::default();
    let mut backoff = AcceptBackoff::new("[may]");
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok(_) if stop.load(Ordering::SeqCst) => break,
            Ok((conn, _addr)) => {
                let conn = Tracked::new(conn, &live);
                let log = log.clone();
                // SAFETY: may's `go!` is unsafe because a coroutine must
                // not block its worker thread with thread-local state or
                // blocking calls: the handler only uses may's socket.
                may::go!(move || block_now(handle_request(conn, mode, &log)));
            }
            Err(error) => {
                if let Some(pause) = backoff.on_error(&error) {
                    thread::sleep(pause);
                }
            }
        }
    }
    live.shut_all();
    Ok(())
}

/// `server(port)` on tokio: a task per connection, one thread.
fn serve_tokio(
    listener: std::net::TcpListener,
    mode: Mode,
    log: Log,
    stop: &AtomicBool,
) -> io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let mut backoff = AcceptBackoff::new("[tokio]");
        while !stop.load(Ordering::SeqCst) {
            match listener.accept().await {
                Ok(_) if stop.load(Ordering::SeqCst) => break,
                Ok((conn, _addr)) => {
                    let log = log.clone();
                    tokio::spawn(async move {
                        handle_request(conn, mode, &log).await
                    });
                }
                Err(error) => {
                    if let Some(pause) = backoff.on_error(&error) {
                        tokio::time::sleep(pause).await;
                    }
                }
            }
        }
        Ok::<_, io::Error>(())
    })?;
    // Dropping the runtime drops every task, and with it its socket.
    drop(rt);
    Ok(())
}

/// `server(port)` with a thread per connection: the contrast.
fn serve_threads(
    listener: std::net::TcpListener,
    mode: Mode,
    log: Log,
    stop: &AtomicBool,
) -> io::Result<()> {
    let live = Live::default();
    let mut backoff = AcceptBackoff::new("[threads]");
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok(_) if stop.load(Ordering::SeqCst) => break,
            Ok((conn, _addr)) => {
                let conn = Tracked::new(conn, &live);
                let log = log.clone();
                let spawned = thread::Builder::new()
                    .stack_size(64 * 1024)
                    .spawn(move || block_now(handle_request(conn, mode, &log)));
                if let Err(error) = spawned {
                    eprintln!("[threads] cannot start a thread: {error}");
                }
            }
            Err(error) => {
                if let Some(pause) = backoff.on_error(&error) {
                    thread::sleep(pause);
                }
            }
        }
    }
    live.shut_all();
    Ok(())
}
