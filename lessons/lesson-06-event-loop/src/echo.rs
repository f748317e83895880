//! Lesson 06: the uppercase-echo server, on our runtime and on tokio's.
//!
//! The protocol of lessons 05 and 06 has no framing: the server
//! upper-cases whatever bytes it reads and writes them back; the client
//! knows how many bytes to expect. Both servers below are the same dozen
//! lines: accept in a loop, spawn a task per connection, and in each task
//! read, upper-case, write everything, until the peer closes.
//!
//! A failed `accept` does not end the loop. Out of descriptors
//! (`EMFILE`), the waiting connection stays queued and the listener stays
//! readable: a loop that returned would stop listening for good, one that
//! retried at once would spin. Both servers say so once on stderr, pause
//! accepting for [`AcceptBackoff::PAUSE`] on their runtime's timer (the
//! connections already open are served meanwhile, and some close), and
//! accept again. A listener gets [`shared::net::LISTEN_BACKLOG`], so a
//! burst of connects waits in the kernel's queue rather than being
//! dropped and retried a second later.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;

use shared::Trace;
use shared::net::AcceptBackoff;

use crate::runtime::{self, Runtime, TcpListener, TcpStream};

/// How much one read asks for. 16 KiB: a 64 KiB message takes several
/// reads (and several writes), which is what the tests want to see.
pub const BUF_SIZE: usize = 16 * 1024;

// ANCHOR: accept_loop
/// Serves the uppercase echo on our runtime: Python's selectors
/// `accept` and `read` callbacks, turned into one task per connection.
pub async fn serve(listener: TcpListener) {
    let mut backoff = AcceptBackoff::new("[server]");
    let mut accepted = 0u64;
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
            // Out of descriptors, say: say so once, stop accepting for
            // a moment while the open connections are served, go on.
            Err(error) => {
                if let Some(pause) = backoff.on_error(&error) {
                    runtime::sleep(pause).await;
                }
                continue;
            }
        };
        accepted += 1;
        runtime::spawn_named(format!("conn {accepted}"), async move {
            // A peer that resets the connection ends its task; it is
            // not the server's failure, so there is nothing to report.
            let _ = echo_connection(stream).await;
        });
    }
}
// ANCHOR_END: accept_loop

// ANCHOR: echo_connection
/// One connection: read, upper-case, write all of it back, until EOF.
pub async fn echo_connection(stream: TcpStream) -> io::Result<()> {
    let mut buf = vec![0u8; BUF_SIZE];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(()); // The peer closed: the course's empty `recv`.
        }
        buf[..n].make_ascii_uppercase();
        stream.write_all(&buf[..n]).await?;
    }
}
// ANCHOR_END: echo_connection

// ANCHOR: echo_tokio
/// The same server on tokio: the same lines, tokio's types.
pub async fn serve_tokio(listener: tokio::net::TcpListener) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut backoff = AcceptBackoff::new("[server]");
    loop {
        let mut stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
            Err(error) => {
                if let Some(pause) = backoff.on_error(&error) {
                    tokio::time::sleep(pause).await;
                }
                continue;
            }
        };
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let mut buf = vec![0u8; BUF_SIZE];
            loop {
                let Ok(n) = stream.read(&mut buf).await else {
                    return;
                };
                if n == 0 {
                    return;
                }
                buf[..n].make_ascii_uppercase();
                if stream.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        });
    }
}
// ANCHOR_END: echo_tokio

/// Which event loop serves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// This lesson's runtime (`runtime::Runtime`).
    #[default]
    Ours,
    /// tokio's current-thread runtime: one thread, like ours.
    Tokio,
}

impl Engine {
    /// Both, in the order the lesson compares them (clap's
    /// `value_variants`).
    pub fn all() -> &'static [Engine] {
        <Engine as clap::ValueEnum>::value_variants()
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The name on the command line, which figure names use too.
        match clap::ValueEnum::to_possible_value(self) {
            Some(value) => f.write_str(value.get_name()),
            None => Ok(()),
        }
    }
}

/// A one-shot "stop now" that another thread can fire: a flag and the
/// waker of whoever awaits it. Firing it wakes the server's runtime out
/// of `epoll_wait` (through the runtime's `mio::Waker`), so a server
/// thread blocked in the kernel stops at once.
#[derive(Clone, Default)]
pub struct StopSignal {
    state: Arc<Mutex<(bool, Option<Waker>)>>,
}

impl StopSignal {
    /// Fires the signal (idempotent).
    pub fn stop(&self) {
        let waker = {
            let mut state =
                self.state.lock().unwrap_or_else(PoisonError::into_inner);
            state.0 = true;
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// A future that is ready once the signal has fired.
    pub fn stopped(&self) -> Stopped {
        Stopped {
            state: self.state.clone(),
        }
    }
}

/// The future of [`StopSignal::stopped`].
pub struct Stopped {
    state: Arc<Mutex<(bool, Option<Waker>)>>,
}

impl Future for Stopped {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state =
            self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.0 {
            Poll::Ready(())
        } else {
            state.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// An echo server running on its own thread, on 127.0.0.1. Dropping it
/// stops the loop, drops every connection and joins the thread.
pub struct EchoServer {
    addr: SocketAddr,
    stop: StopSignal,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl EchoServer {
    /// Starts `engine` on `127.0.0.1:0` (any free port).
    pub fn start(engine: Engine) -> shared::Result<EchoServer> {
        EchoServer::start_on(engine, 0, Trace::disabled())
    }

    /// Starts `engine` on `127.0.0.1:port`, recording on `trace` (ours
    /// only: tokio's insides are not traced).
    pub fn start_on(
        engine: Engine,
        port: u16,
        trace: Trace,
    ) -> shared::Result<EchoServer> {
        // Bind here, on the caller's thread, so a taken port is an error
        // the caller sees, and the address is known before we return.
        let listener = shared::net::listen(port)?;
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let stop = StopSignal::default();
        let stopped = stop.stopped();
        let thread = std::thread::Builder::new()
            .name(format!("echo-{engine}"))
            .spawn(move || match engine {
                Engine::Ours => {
                    let rt = Runtime::traced(trace)?;
                    rt.block_on(async move {
                        let listener = TcpListener::from_std(listener)?;
                        // The accept loop is a task; the main future only
                        // waits for the stop signal. When it fires,
                        // `block_on` returns, and dropping `rt` drops
                        // every connection task with its socket.
                        runtime::spawn_named("accept", serve(listener));
                        stopped.await;
                        Ok(())
                    })
                }
                Engine::Tokio => {
                    // Time too: the accept loop's back-off sleeps.
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?;
                    rt.block_on(async move {
                        let listener =
                            tokio::net::TcpListener::from_std(listener)?;
                        tokio::spawn(serve_tokio(listener));
                        stopped.await;
                        Ok(())
                    })
                }
            })?;
        Ok(EchoServer {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the loop and waits for its thread; reports a failure of the
    /// server thread, if it had one.
    pub fn stop(mut self) -> shared::Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> shared::Result<()> {
        self.stop.stop();
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => Ok(result?),
            Some(Err(_)) => Err("the echo server's thread panicked".into()),
            None => Ok(()),
        }
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}
