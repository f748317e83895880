//! Lesson 06: async sockets, mio's non-blocking sockets plus the reactor.
//!
//! Every operation is the same three steps, written out by hand in the
//! futures below: try the syscall; if it worked, `Ready`; if it said
//! `WouldBlock`, leave the task's waker with the reactor under this
//! socket's token and return `Pending`. The executor polls the task again
//! when the reactor wakes it, and the syscall is tried again.

use std::future::Future;
use std::io::{self, Read as _, Write as _};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use mio::Token;

use super::reactor::Reactor;

/// A listening socket on the current runtime's reactor.
pub struct TcpListener {
    io: mio::net::TcpListener,
    token: Token,
    reactor: Rc<Reactor>,
}

impl TcpListener {
    /// Binds `addr` (use `127.0.0.1:0` for any free port), with the
    /// course's listen backlog ([`shared::net::listen_on`]).
    ///
    /// # Errors
    ///
    /// An IPv6 address (the course's servers listen on 127.0.0.1), or
    /// whatever `bind` and `listen` say.
    ///
    /// # Panics
    ///
    /// Outside [`Runtime::block_on`](crate::runtime::Runtime::block_on).
    pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
        let SocketAddr::V4(addr) = addr else {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("cannot listen on {addr}: IPv4 only"),
            ));
        };
        TcpListener::from_std(shared::net::listen_on(addr)?)
    }

    /// Takes over a listener bound elsewhere (in another thread, say, so
    /// that its address is known before the runtime starts).
    ///
    /// # Panics
    ///
    /// Outside [`Runtime::block_on`](crate::runtime::Runtime::block_on).
    pub fn from_std(
        listener: std::net::TcpListener,
    ) -> io::Result<TcpListener> {
        // mio expects a non-blocking socket: an `accept` that blocked
        // would freeze every task on this thread.
        listener.set_nonblocking(true)?;
        TcpListener::adopt(mio::net::TcpListener::from_std(listener))
    }

    fn adopt(mut io: mio::net::TcpListener) -> io::Result<TcpListener> {
        let reactor = super::with_current(|rt| rt.reactor.clone());
        let token = reactor.register(&mut io)?;
        Ok(TcpListener { io, token, reactor })
    }

    /// The address it is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.local_addr()
    }

    /// Waits for the next connection: Python's `conn, addr = sock.accept()`
    /// in a selector callback, as a future.
    pub fn accept(&self) -> Accept<'_> {
        Accept { listener: self }
    }
}

impl Drop for TcpListener {
    fn drop(&mut self) {
        self.reactor.deregister(&mut self.io, self.token);
    }
}

/// The future of [`TcpListener::accept`].
#[must_use = "futures do nothing unless awaited"]
pub struct Accept<'a> {
    listener: &'a TcpListener,
}

impl Future for Accept<'_> {
    type Output = io::Result<(TcpStream, SocketAddr)>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let listener = self.listener;
        loop {
            match listener.io.accept() {
                Ok((io, peer)) => {
                    return Poll::Ready(
                        TcpStream::adopt(io).map(|s| (s, peer)),
                    );
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    listener.reactor.wait_readable(listener.token, cx.waker());
                    return Poll::Pending;
                }
                // A signal, or a peer that gave up while queued: try the
                // next connection.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::Interrupted
                            | io::ErrorKind::ConnectionAborted
                    ) => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

/// A connected socket on the current runtime's reactor.
///
/// `read` and `write` take `&self`, so one task may read while another
/// writes; but the reactor keeps one reader and one writer per socket, so
/// two tasks reading the *same* socket at once would steal each other's
/// wake-ups. (tokio solves that with `split`; we leave it as a rule.)
pub struct TcpStream {
    io: mio::net::TcpStream,
    token: Token,
    reactor: Rc<Reactor>,
}

impl TcpStream {
    fn adopt(mut io: mio::net::TcpStream) -> io::Result<TcpStream> {
        // An echo exchanges small messages: send each at once rather than
        // let Nagle's algorithm hold one back until the last is ACKed.
        io.set_nodelay(true)?;
        let reactor = super::with_current(|rt| rt.reactor.clone());
        let token = reactor.register(&mut io)?;
        Ok(TcpStream { io, token, reactor })
    }

    /// Connects to `addr`. The `connect` syscall returns at once
    /// (`EINPROGRESS`); the socket becomes writable when the handshake
    /// is done, or fails.
    ///
    /// # Panics
    ///
    /// Outside [`Runtime::block_on`](crate::runtime::Runtime::block_on).
    pub async fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = TcpStream::adopt(mio::net::TcpStream::connect(addr)?)?;
        std::future::poll_fn(|cx| stream.poll_connected(cx)).await?;
        Ok(stream)
    }

    fn poll_connected(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(error) = self.io.take_error()? {
            return Poll::Ready(Err(error));
        }
        match self.io.peer_addr() {
            Ok(_) => Poll::Ready(Ok(())),
            Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                self.reactor.wait_writable(self.token, cx.waker());
                Poll::Pending
            }
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    /// The number the reactor files this socket's wakers under: what the
    /// timeline's `token N readable` marks refer to.
    pub fn token(&self) -> usize {
        self.token.0
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.peer_addr()
    }

    /// Reads what has arrived, at most `buf.len()` bytes, waiting until
    /// something has. `Ok(0)`: the peer closed its side.
    pub fn read<'a>(&'a self, buf: &'a mut [u8]) -> Read<'a> {
        Read { stream: self, buf }
    }

    /// Writes what the kernel will take now (at least one byte), waiting
    /// until it will take some. Returns how many bytes it took.
    pub fn write<'a>(&'a self, buf: &'a [u8]) -> Write<'a> {
        Write { stream: self, buf }
    }

    /// Writes all of `buf`: a partial `write` is normal on a non-blocking
    /// socket (the course's `conn.send(data)  # Hope it won't block`), so
    /// loop until every byte is in the kernel's buffer.
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let n = self.write(buf).await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            buf = &buf[n..];
        }
        Ok(())
    }

    /// Shuts down the writing half: the peer reads end-of-file.
    pub fn shutdown_write(&self) -> io::Result<()> {
        self.io.shutdown(std::net::Shutdown::Write)
    }
}

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

impl Drop for TcpStream {
    fn drop(&mut self) {
        self.reactor.deregister(&mut self.io, self.token);
    }
}

// ANCHOR: read_future
/// The future of [`TcpStream::read`]: the leaf of every `.await` chain,
/// where a task actually meets the reactor. It is written by hand because
/// there is nothing below it to `.await`: just a syscall and a waker.
#[must_use = "futures do nothing unless awaited"]
pub struct Read<'a> {
    stream: &'a TcpStream,
    buf: &'a mut [u8],
}

impl Future for Read<'_> {
    type Output = io::Result<usize>;

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Self::Output> {
        // `Read` holds only references, so it is `Unpin` and we may take
        // `&mut` to its fields freely.
        let this = &mut *self;
        loop {
            // Phase 2 of the course's picture, the copy, is this `recv`; it
            // is tried first, since the data may already be there.
            match (&this.stream.io).read(this.buf) {
                Ok(n) => return Poll::Ready(Ok(n)),
                // Phase 1, waiting for data, is handed to the reactor:
                // our task sleeps until epoll reports this token readable.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    let stream = this.stream;
                    stream.reactor.wait_readable(stream.token, cx.waker());
                    return Poll::Pending;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}
// ANCHOR_END: read_future

/// The future of [`TcpStream::write`]: `Read`'s mirror image.
#[must_use = "futures do nothing unless awaited"]
pub struct Write<'a> {
    stream: &'a TcpStream,
    buf: &'a [u8],
}

impl Future for Write<'_> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let stream = self.stream;
        loop {
            match (&stream.io).write(self.buf) {
                Ok(n) => return Poll::Ready(Ok(n)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    stream.reactor.wait_writable(stream.token, cx.waker());
                    return Poll::Pending;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}
