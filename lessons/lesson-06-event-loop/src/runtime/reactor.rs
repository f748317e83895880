//! Lesson 06: the reactor, the half of the runtime that waits for the kernel.
//!
//! It owns a mio [`Poll`] (epoll on Linux) and a table from mio [`Token`]
//! to the [`Waker`]s of the tasks waiting on that socket: at most one
//! reader and one writer per socket. A future that gets `WouldBlock`
//! leaves its task's waker here; when `epoll_wait` says the socket is
//! ready, the reactor calls that waker, and the executor polls the task
//! again. The reactor never runs a task itself: it only says *who* may
//! now make progress.

use std::cell::RefCell;
use std::io;
use std::task::Waker;
use std::time::Duration;

use mio::event::Source;
use mio::{Events, Interest, Poll, Registry, Token};
use shared::{Lane, State};

/// The token of the [`mio::Waker`] that lets another thread interrupt
/// `epoll_wait` (see `ReadyQueue`). Socket tokens count up from zero and
/// never reach it.
pub(crate) const UNPARK: Token = Token(usize::MAX);

/// Who waits on one socket.
#[derive(Default)]
struct Waiters {
    reader: Option<Waker>,
    writer: Option<Waker>,
}

/// A token → waker table in front of one `epoll` instance.
pub(crate) struct Reactor {
    poll: RefCell<Poll>,
    events: RefCell<Events>,
    registry: Registry,
    // A tiny slab: the token is the index; freed slots are reused. A stale
    // event for a reused token only causes a spurious wake-up, which every
    // future must tolerate anyway (it re-tries its syscall).
    waiters: RefCell<Vec<Option<Waiters>>>,
    free: RefCell<Vec<usize>>,
    lane: Option<Lane>,
}

impl Reactor {
    pub(crate) fn new(lane: Option<Lane>) -> io::Result<Reactor> {
        let poll = Poll::new()?;
        let registry = poll.registry().try_clone()?;
        Ok(Reactor {
            poll: RefCell::new(poll),
            events: RefCell::new(Events::with_capacity(1024)),
            registry,
            waiters: RefCell::new(Vec::new()),
            free: RefCell::new(Vec::new()),
            lane,
        })
    }

    /// A waker another thread can use to interrupt [`Reactor::poll`].
    pub(crate) fn unparker(&self) -> io::Result<mio::Waker> {
        mio::Waker::new(&self.registry, UNPARK)
    }

    // ANCHOR: register
    /// Adds a socket to the interest list, once, for both directions.
    ///
    /// mio registers *edge-triggered*: epoll reports a socket when it
    /// *becomes* readable or writable, not on every `epoll_wait` while it
    /// stays so. That is why every future here first tries its syscall and
    /// only waits after `WouldBlock`: after `WouldBlock` the next byte is a
    /// new edge, and the kernel will report it. (Level-triggered, as in
    /// lesson 05's select server, would report a readable socket again and
    /// again until it is drained, and would need re-registering to stop
    /// asking for writability.)
    pub(crate) fn register(
        &self,
        source: &mut impl Source,
    ) -> io::Result<Token> {
        let mut waiters = self.waiters.borrow_mut();
        let index = match self.free.borrow_mut().pop() {
            Some(index) => index,
            None => {
                waiters.push(None);
                waiters.len() - 1
            }
        };
        let token = Token(index);
        let both = Interest::READABLE | Interest::WRITABLE;
        if let Err(e) = self.registry.register(source, token, both) {
            self.free.borrow_mut().push(index);
            return Err(e);
        }
        waiters[index] = Some(Waiters::default());
        Ok(token)
    }
    // ANCHOR_END: register

    /// Removes a socket before it is closed. Its waiters are dropped.
    pub(crate) fn deregister(&self, source: &mut impl Source, token: Token) {
        // Closing the fd would remove it from epoll anyway; deregistering
        // first keeps the table and the kernel's interest list in step.
        let _ = self.registry.deregister(source);
        if let Some(slot) = self.waiters.borrow_mut().get_mut(token.0) {
            *slot = None;
            self.free.borrow_mut().push(token.0);
        }
    }

    /// Leaves `waker` to be woken when `token` becomes readable.
    pub(crate) fn wait_readable(&self, token: Token, waker: &Waker) {
        self.wait(token, waker, true);
    }

    /// Leaves `waker` to be woken when `token` becomes writable.
    pub(crate) fn wait_writable(&self, token: Token, waker: &Waker) {
        self.wait(token, waker, false);
    }

    fn wait(&self, token: Token, waker: &Waker, read: bool) {
        let mut table = self.waiters.borrow_mut();
        let Some(Some(waiters)) = table.get_mut(token.0) else {
            return;
        };
        let slot = if read {
            &mut waiters.reader
        } else {
            &mut waiters.writer
        };
        // The same task waits again and again: keep the waker we have
        // rather than clone a new one (an atomic increment) every time.
        match slot {
            Some(old) if old.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }

    // ANCHOR: poll
    // ANCHOR_END: poll
    /// One `epoll_wait`: blocks until a registered socket is ready, the
    /// timeout passes (`None`: forever; zero: just look), or another thread
    /// unparks us. Then calls `awake` (the executor is no longer parked)
    /// and wakes every task waiting on a ready socket.
    // ANCHOR: poll
    pub(crate) fn poll(
        &self,
        timeout: Option<Duration>,
        awake: impl FnOnce(),
    ) -> io::Result<()> {
        let mut events = self.events.borrow_mut();
        {
            // ANCHOR_END: poll
            // Only a wait that can last is drawn: a zero-timeout look
            // happens every turn and would cover the timeline in slivers.
            let waits = timeout != Some(Duration::ZERO);
            let _blocked = match (&self.lane, waits) {
                (Some(lane), true) => {
                    Some(lane.span(State::Waiting, "epoll_wait"))
                }
                _ => None,
            };
            // ANCHOR: poll
            let waited = self.poll.borrow_mut().poll(&mut events, timeout);
            // Back from the kernel: from here on, a wake-up needs no
            // unparking (and the wakes below would otherwise each write
            // to the eventfd for nothing).
            awake();
            // ANCHOR_END: poll
            match waited {
                Ok(()) => {}
                // A signal interrupted the wait: nothing is ready, and the
                // executor simply loops and waits again.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
            // ANCHOR: poll
        }
        // Collect first, wake after: a waker may run arbitrary code (ours
        // only queues a task id), and must not find our table borrowed.
        let mut ready: Vec<Waker> = Vec::new();
        let mut table = self.waiters.borrow_mut();
        for event in events.iter() {
            let token = event.token();
            let Some(Some(waiters)) = table.get_mut(token.0) else {
                continue; // UNPARK, or a socket closed meanwhile.
            };
            // A closed peer or an error must wake both sides too: their
            // next syscall returns 0 or the error, which ends the wait.
            let failed = event.is_error();
            let readable =
                event.is_readable() || event.is_read_closed() || failed;
            let writable =
                event.is_writable() || event.is_write_closed() || failed;
            // ANCHOR_END: poll
            if let Some(lane) = &self.lane {
                let what = match (readable, writable) {
                    (true, true) => "readable+writable",
                    (true, false) => "readable",
                    _ => "writable",
                };
                lane.mark(format!("token {} {what}", token.0));
            }
            // ANCHOR: poll
            if readable && let Some(waker) = waiters.reader.take() {
                ready.push(waker);
            }
            if writable && let Some(waker) = waiters.writer.take() {
                ready.push(waker);
            }
        }
        drop(table);
        for waker in ready {
            waker.wake();
        }
        Ok(())
    }
    // ANCHOR_END: poll
}
