//! Lesson 07: sockets that switch on the hub, gevent's patched socket.
//!
//! gevent's `socket.recv` tries the call without blocking; when the kernel
//! says "would block" it starts an IO watcher ("wake me when readable")
//! and switches to the hub; the hub's libev loop waits in `epoll_wait`
//! and, when the socket is readable, switches back, and `recv` tries
//! again. [`TcpStream`] and [`TcpListener`] are that on lesson 03's hub:
//! each socket is registered once with mio's `Poll` (edge-triggered), a
//! task that would block leaves its [`hub::Waker`] in the socket's slot
//! and [`hub::park`]s, and the hub's idle wait ([`hub::set_idle_waiter`])
//! is `Poll::poll` with the next timer's deadline as its timeout, waking
//! the tasks whose sockets became ready.
//!
//! The cost of a parked connection is its task's stack pages (one or two
//! of the 32 KiB reserved are touched), its slot here, and the kernel's
//! socket.

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use lesson_03_gevent::hub;
use mio::{Events, Interest, Poll, Token};

use crate::handler::Stream;

/// One registered socket's waiters.
#[derive(Default)]
struct Slot {
    read: Option<hub::Waker>,
    write: Option<hub::Waker>,
}

/// The hub's event loop: mio's `Poll` and the waiters of each socket.
struct Reactor {
    poll: RefCell<Poll>,
    events: RefCell<Events>,
    slots: RefCell<Vec<Option<Slot>>>,
    free: RefCell<Vec<usize>>,
    /// Tasks parked on a socket: while there are any, the hub's idle
    /// wait may block.
    waiting: std::cell::Cell<usize>,
}

thread_local! {
    static REACTOR: RefCell<Option<Rc<Reactor>>> = const { RefCell::new(None) };
}

fn reactor() -> Rc<Reactor> {
    REACTOR
        .with_borrow(Option::clone)
        .expect("hub sockets are used inside green::run")
}

impl Reactor {
    // ANCHOR: idle_wait
    /// The hub's idle wait: `epoll_wait` until a socket is ready or the
    /// next timer is due, then wake the tasks parked on ready sockets.
    fn wait(&self, timeout: Option<Duration>) -> bool {
        let mut events = self.events.borrow_mut();
        if let Err(error) = self.poll.borrow_mut().poll(&mut events, timeout)
            && error.kind() != io::ErrorKind::Interrupted
        {
            panic!("epoll_wait failed: {error}");
        }
        let mut slots = self.slots.borrow_mut();
        for event in events.iter() {
            let Some(Some(slot)) = slots.get_mut(event.token().0) else {
                continue;
            };
            let readable = event.is_readable()
                || event.is_read_closed()
                || event.is_error();
            let writable = event.is_writable()
                || event.is_write_closed()
                || event.is_error();
            for waker in [
                readable.then(|| slot.read.take()).flatten(),
                writable.then(|| slot.write.take()).flatten(),
            ]
            .into_iter()
            .flatten()
            {
                self.waiting.set(self.waiting.get() - 1);
                waker.wake();
            }
        }
        self.waiting.get() > 0
    }
    // ANCHOR_END: idle_wait

    fn register(
        &self,
        source: &mut impl mio::event::Source,
    ) -> io::Result<usize> {
        let mut slots = self.slots.borrow_mut();
        let index = self.free.borrow_mut().pop().unwrap_or_else(|| {
            slots.push(None);
            slots.len() - 1
        });
        let interest = Interest::READABLE | Interest::WRITABLE;
        if let Err(error) = self.poll.borrow().registry().register(
            source,
            Token(index),
            interest,
        ) {
            self.free.borrow_mut().push(index);
            return Err(error);
        }
        slots[index] = Some(Slot::default());
        Ok(index)
    }

    fn deregister(&self, source: &mut impl mio::event::Source, index: usize) {
        let _ = self.poll.borrow().registry().deregister(source);
        let mut slots = self.slots.borrow_mut();
        if let Some(slot) = slots[index].take() {
            let parked =
                slot.read.is_some() as usize + slot.write.is_some() as usize;
            self.waiting.set(self.waiting.get() - parked);
        }
        self.free.borrow_mut().push(index);
    }
}

/// Which way a task waits.
#[derive(Clone, Copy)]
enum Direction {
    Read,
    Write,
}

// ANCHOR: wait_for
/// Tries `op` without blocking; on "would block", parks the task on the
/// socket in slot `index` until the hub's poll says it is ready, and tries
/// again: gevent's `recv` and `send`.
fn wait_for<T>(
    index: usize,
    direction: Direction,
    mut op: impl FnMut() -> io::Result<T>,
) -> io::Result<T> {
    loop {
        match op() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            done => return done,
        }
        let reactor = reactor();
        {
            let mut slots = reactor.slots.borrow_mut();
            let slot = slots[index].as_mut().expect("a registered socket");
            let place = match direction {
                Direction::Read => &mut slot.read,
                Direction::Write => &mut slot.write,
            };
            *place = Some(hub::Waker::current());
        }
        reactor.waiting.set(reactor.waiting.get() + 1);
        drop(reactor);
        hub::park();
    }
}
// ANCHOR_END: wait_for

/// A connection whose reads and writes switch to the hub while they wait.
pub struct TcpStream {
    inner: mio::net::TcpStream,
    index: usize,
}

impl TcpStream {
    fn new(mut inner: mio::net::TcpStream) -> io::Result<TcpStream> {
        let index = reactor().register(&mut inner)?;
        Ok(TcpStream { inner, index })
    }

    /// Connects to `addr`, switching to the hub until it is done.
    pub fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = TcpStream::new(mio::net::TcpStream::connect(addr)?)?;
        wait_for(stream.index, Direction::Write, || {
            if let Some(error) = stream.inner.take_error()? {
                return Err(error);
            }
            match stream.inner.peer_addr() {
                Ok(_) => Ok(()),
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                    Err(io::ErrorKind::WouldBlock.into())
                }
                Err(e) => Err(e),
            }
        })?;
        Ok(stream)
    }
}

impl Read for TcpStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let inner = &mut self.inner;
        wait_for(self.index, Direction::Read, || inner.read(buf))
    }
}

impl Write for TcpStream {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let inner = &mut self.inner;
        wait_for(self.index, Direction::Write, || inner.write(data))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Stream for TcpStream {
    fn shutdown_write(&mut self) -> io::Result<()> {
        self.inner.shutdown(std::net::Shutdown::Write)
    }
}

impl Drop for TcpStream {
    fn drop(&mut self) {
        if let Some(reactor) = REACTOR.with_borrow(Option::clone) {
            reactor.deregister(&mut self.inner, self.index);
        }
    }
}

/// A listening socket whose `accept` switches to the hub while it waits.
pub struct TcpListener {
    inner: mio::net::TcpListener,
    index: usize,
}

impl TcpListener {
    /// Wraps a listener (from `shared::net::listen`).
    pub fn from_std(
        listener: std::net::TcpListener,
    ) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        let mut inner = mio::net::TcpListener::from_std(listener);
        let index = reactor().register(&mut inner)?;
        Ok(TcpListener { inner, index })
    }

    /// Its address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// The next connection, switching to the hub until one comes.
    pub fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, peer) =
            wait_for(self.index, Direction::Read, || self.inner.accept())?;
        Ok((TcpStream::new(stream)?, peer))
    }
}

impl Drop for TcpListener {
    fn drop(&mut self) {
        if let Some(reactor) = REACTOR.with_borrow(Option::clone) {
            reactor.deregister(&mut self.inner, self.index);
        }
    }
}

/// Runs `f` on a hub whose idle wait is mio's `Poll`: the place where
/// [`TcpStream`] and [`TcpListener`] work, as gevent's hub after
/// `monkey.patch_all()`.
pub fn run<R>(f: impl FnOnce() -> R) -> io::Result<R> {
    run_with(hub::Config::default(), f)
}

/// [`run`] with lesson 03's hub [`Config`](hub::Config): a stack size, a
/// lane for the hub.
pub fn run_with<R>(
    config: hub::Config,
    f: impl FnOnce() -> R,
) -> io::Result<R> {
    let reactor = Rc::new(Reactor {
        poll: RefCell::new(Poll::new()?),
        events: RefCell::new(Events::with_capacity(1024)),
        slots: RefCell::default(),
        free: RefCell::default(),
        waiting: std::cell::Cell::new(0),
    });
    REACTOR.set(Some(Rc::clone(&reactor)));
    let result = hub::run_with(config, || {
        hub::set_idle_waiter(Box::new(move |timeout| reactor.wait(timeout)));
        f()
    });
    REACTOR.set(None);
    Ok(result)
}
