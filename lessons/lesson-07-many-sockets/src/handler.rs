//! Lesson 07: `handle_request`, the course's gevent server's handler,
//! written once for every runtime.
//!
//! The course's handler loops `data = conn.recv(1024)`, `print("recv:",
//! data)`, `conn.send(data)`, and when `data` is empty calls
//! `conn.shutdown(socket.SHUT_WR)` and goes round again; any exception is
//! printed, and `finally` closes the socket. Under CPython with gevent,
//! a client that sends `hello 0..2` and closes makes it print:
//!
//! ```text
//! recv: b'hello 0'
//! recv: b'hello 1'
//! recv: b'hello 2'
//! recv: b''
//! recv: b''
//! [Errno 32] Broken pipe
//! ```
//!
//! The first empty read is the client's close; the handler sends nothing
//! and shuts its own side. The loop does not stop: the second `recv`
//! returns `b''` again at once, and the second `send` fails, because the
//! socket's writing side is shut (Linux says `EPIPE`). That error is what
//! ends the loop, and [`Mode::Faithful`] reproduces it. [`Mode::Fixed`]
//! stops at the first empty read and sends every byte (`sendall`).
//!
//! **One handler, four runtimes.** [`handle_request`] is an `async fn`
//! over [`Conn`]. On tokio its `.await`s suspend the task. On the hub, on
//! may and on a thread, the stream's `recv` does the waiting itself (it
//! switches to the hub, parks the coroutine, or blocks the thread) and
//! the future is ready the first time it is polled ([`block_now`]). That
//! is monkey patching in Rust terms: there is none; the type of the
//! stream decides whether a read blocks the thread or switches.

use std::future::Future;
use std::io::{self, Read, Write};
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// How many empty reads the faithful loop takes before it gives up: the
/// bound on its busy loop, in case a system lets `send` of nothing
/// succeed after `SHUT_WR` (Linux does not: the second one fails).
pub const EMPTY_READS: usize = 1_000;

/// The course's handler, or the corrected one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Line for line what the course's handler does.
    Faithful,
    /// Stops on EOF, sends every byte, never writes after shutdown.
    Fixed,
}

/// A connection as the handler sees it: Python's socket methods.
pub trait Conn {
    /// `conn.recv(n)`: some bytes, 0 at end of stream.
    fn recv(
        &mut self,
        buf: &mut [u8],
    ) -> impl Future<Output = io::Result<usize>>;
    /// `conn.send(data)`: how many bytes the socket took.
    fn send(&mut self, data: &[u8]) -> impl Future<Output = io::Result<usize>>;
    /// `conn.shutdown(socket.SHUT_WR)`.
    fn shutdown_write(&mut self) -> io::Result<()>;
}

/// A stream whose reads and writes do their own waiting: the hub's,
/// may's, std's.
pub trait Stream: Read + Write {
    /// Shuts the writing side.
    fn shutdown_write(&mut self) -> io::Result<()>;
}

impl<S: Stream> Conn for S {
    async fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.read(buf)
    }

    async fn send(&mut self, data: &[u8]) -> io::Result<usize> {
        self.write(data)
    }

    fn shutdown_write(&mut self) -> io::Result<()> {
        Stream::shutdown_write(self)
    }
}

impl Stream for std::net::TcpStream {
    fn shutdown_write(&mut self) -> io::Result<()> {
        self.shutdown(std::net::Shutdown::Write)
    }
}

impl Stream for may::net::TcpStream {
    fn shutdown_write(&mut self) -> io::Result<()> {
        self.shutdown(std::net::Shutdown::Write)
    }
}

impl Conn for tokio::net::TcpStream {
    async fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        tokio::io::AsyncReadExt::read(self, buf).await
    }

    async fn send(&mut self, data: &[u8]) -> io::Result<usize> {
        tokio::io::AsyncWriteExt::write(self, data).await
    }

    fn shutdown_write(&mut self) -> io::Result<()> {
        let socket = socket_ref(self);
        rustix::net::shutdown(socket, rustix::net::Shutdown::Write)?;
        Ok(())
    }
}

fn socket_ref(stream: &tokio::net::TcpStream) -> std::os::fd::BorrowedFd<'_> {
    use std::os::fd::AsFd;
    stream.as_fd()
}

/// Where the handler's prints go.
#[derive(Clone, Debug)]
pub struct Log {
    quiet: bool,
    silent: bool,
    lines: Option<Arc<Mutex<Vec<String>>>>,
}

impl Log {
    /// To stdout; `quiet` drops the `recv:` lines.
    pub fn stdout(quiet: bool) -> Log {
        Log {
            quiet,
            silent: false,
            lines: None,
        }
    }

    /// Kept in memory, for tests: read them with [`Log::lines`].
    pub fn capture() -> Log {
        Log {
            quiet: false,
            silent: false,
            lines: Some(Arc::default()),
        }
    }

    /// Nothing at all, not even errors: for load runs and tests.
    pub fn silent() -> Log {
        Log {
            quiet: true,
            silent: true,
            lines: None,
        }
    }

    /// The lines captured so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines
            .as_ref()
            .map(|l| l.lock().expect("log lock").clone())
            .unwrap_or_default()
    }

    fn recv(&self, data: &[u8]) {
        if !self.quiet {
            self.line(format!("recv: {}", shared::py::bytes(data)));
        }
    }

    /// Prints (or keeps) one line.
    pub fn line(&self, line: String) {
        if self.silent {
            return;
        }
        match &self.lines {
            Some(lines) => lines.lock().expect("log lock").push(line),
            // A closed stdout is not the connection's problem.
            None => drop(shared::outln!("{line}")),
        }
    }
}

/// Python's `str` of an `OSError`: `[Errno 32] Broken pipe`.
pub fn py_error(error: &io::Error) -> String {
    match error.raw_os_error() {
        Some(code) => {
            let text = error.to_string();
            let text = text
                .strip_suffix(&format!(" (os error {code})"))
                .unwrap_or(&text);
            format!("[Errno {code}] {text}")
        }
        None => error.to_string(),
    }
}

// ANCHOR: handle_request
/// The course's `handle_request(conn)`: `try` the loop, `print(ex)`, and
/// `finally` close (dropping `conn`).
pub async fn handle_request<C: Conn>(mut conn: C, mode: Mode, log: &Log) {
    let result = match mode {
        Mode::Faithful => faithful(&mut conn, log).await,
        Mode::Fixed => fixed(&mut conn, log).await,
    };
    if let Err(error) = result {
        log.line(py_error(&error));
    }
}

/// `while True: data = conn.recv(1024); print("recv:", data);
/// conn.send(data); if not data: conn.shutdown(socket.SHUT_WR)`.
async fn faithful<C: Conn>(conn: &mut C, log: &Log) -> io::Result<()> {
    let mut buf = [0; 1024];
    let mut empty_reads = 0;
    loop {
        let n = conn.recv(&mut buf).await?;
        log.recv(&buf[..n]);
        conn.send(&buf[..n]).await?;
        if n == 0 {
            conn.shutdown_write()?;
            empty_reads += 1;
            if empty_reads == EMPTY_READS {
                return Err(io::Error::other("gave up after empty reads"));
            }
        }
    }
}

/// The corrected loop: stop at end of stream, send every byte.
async fn fixed<C: Conn>(conn: &mut C, log: &Log) -> io::Result<()> {
    let mut buf = [0; 1024];
    loop {
        let n = conn.recv(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        log.recv(&buf[..n]);
        let mut sent = 0;
        while sent < n {
            sent += conn.send(&buf[sent..n]).await?;
        }
    }
}
// ANCHOR_END: handle_request

/// Runs a future whose every `.await` is ready at once, as the handler's
/// is over a [`Stream`]: the stream did the waiting.
///
/// # Panics
///
/// If the future is not ready on its first poll.
pub fn block_now<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut context) {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("a blocking stream's future returned Pending"),
    }
}
