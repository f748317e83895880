//! Lesson 06: `Selector`, Python's `selectors` module, in Rust, on mio.
//!
//! The course's server registers a socket with a callback
//! (`sel.register(sock, EVENT_READ, accept)`), and its loop calls back
//! whatever `select()` returns ready. Here the selector *owns* each registered socket (Rust
//! has no shared `fileobj` references), so a callback is handed the socket
//! it was registered with, and `unregister` closes it.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use shared::{Lane, Transcript};

mod callbacks;
pub mod naive;

pub use callbacks::{accept, flush, read};

/// Which events a key waits for, or which happened: `selectors.EVENT_READ`
/// and `selectors.EVENT_WRITE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mask {
    /// `EVENT_READ`: readable, or the peer closed, or an error.
    pub read: bool,
    /// `EVENT_WRITE`: writable, or an error.
    pub write: bool,
}

/// `selectors.EVENT_READ`.
pub const EVENT_READ: Mask = Mask {
    read: true,
    write: false,
};

/// `EVENT_READ | EVENT_WRITE`.
pub const EVENT_READ_WRITE: Mask = Mask {
    read: true,
    write: true,
};

impl Mask {
    fn interest(self) -> Interest {
        match (self.read, self.write) {
            (_, false) => Interest::READABLE,
            (false, true) => Interest::WRITABLE,
            (true, true) => Interest::READABLE | Interest::WRITABLE,
        }
    }
}

/// A registered socket: Python's `key.fileobj`.
#[derive(Debug)]
pub enum Source {
    /// A listening socket.
    Listener(TcpListener),
    /// A connection, with the bytes still to be sent on it.
    Conn(Conn),
}

/// A connection and its output queue. The course's `conn.send(data)  #
/// Hope it won't block` sends once and drops whatever the kernel did not
/// take; we keep that rest here and send it when the socket is writable.
#[derive(Debug)]
pub struct Conn {
    /// The socket.
    pub stream: TcpStream,
    /// The peer, for the printed lines.
    pub peer: SocketAddr,
    /// Which connection this is (1, 2, ...), for the printed lines.
    pub number: u64,
    /// Bytes read and upper-cased but not yet sent.
    pub outbox: Vec<u8>,
    /// Whether the key waits for `EVENT_WRITE` too (the outbox is stuck).
    pub waiting_to_write: bool,
}

/// What `select()` returns a key for: the course's `key` (its `fileobj` is
/// inside the selector, its `data` is the callback).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(pub usize);

/// A callback: the course's `accept(sock, mask)` and `read(conn, mask)`,
/// with the selector passed in (Python reaches it as a global).
pub type Callback = fn(&mut Selector, Key, &mut Source, Mask) -> io::Result<()>;

struct Entry {
    // `None` while its callback runs: the callback borrows it.
    source: Option<Source>,
    callback: Callback,
    // Set by `unregister` during the entry's own callback.
    closing: bool,
}

/// `selectors.DefaultSelector()`, on mio.
pub struct Selector {
    poll: Poll,
    events: Events,
    entries: HashMap<Key, Entry>,
    next_key: usize,
    closed: u64,
    accepted: u64,
    out: Transcript,
    lane: Lane,
}

impl Selector {
    /// A selector whose callbacks print through `out` on `lane`.
    pub fn new(out: Transcript, lane: Lane) -> io::Result<Selector> {
        Ok(Selector {
            poll: Poll::new()?,
            events: Events::with_capacity(256),
            entries: HashMap::new(),
            next_key: 0,
            closed: 0,
            accepted: 0,
            out,
            lane,
        })
    }

    /// `sel.register(fileobj, events, data)`: watch `source` for `events`
    /// and call `callback` when they happen.
    pub fn register(
        &mut self,
        mut source: Source,
        events: Mask,
        callback: Callback,
    ) -> io::Result<Key> {
        let key = Key(self.next_key);
        self.next_key += 1;
        let registry = self.poll.registry();
        let token = Token(key.0);
        match &mut source {
            Source::Listener(l) => {
                registry.register(l, token, events.interest())?
            }
            Source::Conn(c) => {
                registry.register(&mut c.stream, token, events.interest())?
            }
        }
        let entry = Entry {
            source: Some(source),
            callback,
            closing: false,
        };
        self.entries.insert(key, entry);
        Ok(key)
    }

    /// `sel.modify(fileobj, events, data)`: change what `key` waits for and
    /// who is called. Callable from the key's own callback, with its
    /// source.
    pub fn modify(
        &mut self,
        key: Key,
        source: &mut Source,
        events: Mask,
        callback: Callback,
    ) -> io::Result<()> {
        let registry = self.poll.registry();
        let token = Token(key.0);
        match source {
            Source::Listener(l) => {
                registry.reregister(l, token, events.interest())?
            }
            Source::Conn(c) => {
                registry.reregister(&mut c.stream, token, events.interest())?
            }
        }
        if let Some(entry) = self.entries.get_mut(&key) {
            entry.callback = callback;
        }
        Ok(())
    }

    /// `sel.unregister(conn); conn.close()`: stop watching `key` and close
    /// its socket. From the key's own callback, this happens when the
    /// callback returns.
    pub fn unregister(&mut self, key: Key) {
        let Some(entry) = self.entries.get_mut(&key) else {
            return;
        };
        match entry.source.take() {
            // Its callback is running and has the socket: mark it.
            None => entry.closing = true,
            Some(source) => {
                self.entries.remove(&key);
                self.close(source);
            }
        }
    }

    fn close(&mut self, mut source: Source) {
        let registry = self.poll.registry();
        match &mut source {
            Source::Listener(l) => {
                let _ = registry.deregister(l);
            }
            Source::Conn(c) => {
                let _ = registry.deregister(&mut c.stream);
                self.closed += 1;
            }
        }
        drop(source); // closes the fd
    }

    /// `sel.select(timeout)`: waits (`None`: for ever) and returns the
    /// ready keys with what happened to each.
    pub fn select(
        &mut self,
        timeout: Option<Duration>,
    ) -> io::Result<Vec<(Key, Mask)>> {
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                return Ok(Vec::new());
            }
            Err(e) => return Err(e),
        }
        let ready = self
            .events
            .iter()
            .map(|event| {
                let failed = event.is_error();
                let mask = Mask {
                    read: event.is_readable()
                        || event.is_read_closed()
                        || failed,
                    write: event.is_writable() || failed,
                };
                (Key(event.token().0), mask)
            })
            .collect();
        Ok(ready)
    }

    /// `callback = key.data; callback(key.fileobj, mask)`.
    pub fn dispatch(&mut self, key: Key, mask: Mask) -> io::Result<()> {
        let Some(entry) = self.entries.get_mut(&key) else {
            return Ok(()); // unregistered earlier in this batch
        };
        let callback = entry.callback;
        let Some(mut source) = entry.source.take() else {
            return Ok(());
        };
        let result = callback(self, key, &mut source, mask);
        let closing = self.entries.get(&key).is_none_or(|e| e.closing);
        if closing {
            self.entries.remove(&key);
            self.close(source);
        } else if let Some(entry) = self.entries.get_mut(&key) {
            entry.source = Some(source);
        }
        result
    }

    /// How many sockets are registered.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many connections have been closed so far.
    pub fn closed(&self) -> u64 {
        self.closed
    }

    /// Prints a line of the server's.
    pub fn say(&self, line: impl Into<String>) {
        self.out.say(&self.lane, line);
    }
}
