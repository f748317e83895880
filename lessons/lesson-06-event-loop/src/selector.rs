//! `Selector`: Python's `selectors` module, in Rust, on mio.
//!
//! The seed registers a socket with a callback (`sel.register(sock,
//! EVENT_READ, accept)`), and its loop calls back whatever `select()`
//! returns ready. Here the selector *owns* each registered socket (Rust
//! has no shared `fileobj` references), so a callback is handed the socket
//! it was registered with, and `unregister` closes it.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

use lesson_05_io_models::client::py_bytes;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use shared::{Lane, Transcript};

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

/// A connection and its output queue. The seed's `conn.send(data)  #
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

/// What `select()` returns a key for: the seed's `key` (its `fileobj` is
/// inside the selector, its `data` is the callback).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(pub usize);

/// A callback: the seed's `accept(sock, mask)` and `read(conn, mask)`,
/// with the selector passed in (Python reaches it as a global).
pub type Callback = fn(&mut Selector, Key, &mut Source, Mask) -> io::Result<()>;

struct Entry {
    // `None` while its callback runs: the callback borrows it.
    source: Option<Source>,
    callback: Callback,
    // Set by `unregister` during the entry's own callback.
    closing: bool,
}

// ANCHOR: selector
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
// ANCHOR_END: selector

// ANCHOR: callbacks
/// The seed's `accept(sock, mask)`: take every waiting connection and
/// register it for reading, with `read` as its callback.
pub fn accept(
    sel: &mut Selector,
    _key: Key,
    sock: &mut Source,
    _mask: Mask,
) -> io::Result<()> {
    let Source::Listener(listener) = sock else {
        return Ok(());
    };
    // mio is edge-triggered: one event may stand for several queued
    // connections, so accept until `WouldBlock`, not once as the seed
    // does (Python's level-triggered selector would simply call again).
    loop {
        let (stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        sel.accepted += 1;
        let number = sel.accepted;
        sel.say(format!("[server] accepted conn {number} from {peer}"));
        let conn = Conn {
            stream,
            peer,
            number,
            outbox: Vec::new(),
            waiting_to_write: false,
        };
        sel.register(Source::Conn(conn), EVENT_READ, read)?;
    }
}

/// The seed's `read(conn, mask)`: echo what arrived, upper-cased; on an
/// empty read, unregister and close.
pub fn read(
    sel: &mut Selector,
    key: Key,
    source: &mut Source,
    _mask: Mask,
) -> io::Result<()> {
    let Source::Conn(conn) = source else {
        return Ok(());
    };
    let mut buf = [0u8; 1000];
    // Edge-triggered again: drain the socket until `WouldBlock`, or the
    // bytes left in it would never be reported.
    loop {
        let n = match conn.stream.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // A reset is the peer leaving rudely: close, as for EOF.
            Err(_) => 0,
        };
        if n == 0 {
            sel.say(format!("[server] closing conn {}", conn.number));
            sel.unregister(key);
            return Ok(());
        }
        let data = &buf[..n];
        sel.say(format!(
            "[server] echoing {} to conn {}",
            py_bytes(data),
            conn.number
        ));
        conn.outbox.extend(data.to_ascii_uppercase());
    }
    flush(sel, key, source, EVENT_READ)
}

/// Sends what the outbox holds. If the kernel takes only part of it (the
/// case the seed hopes away), wait for `EVENT_WRITE` too, with
/// `flush_then_read` as the callback; once the outbox is empty, go back to
/// waiting for reads only.
pub fn flush(
    sel: &mut Selector,
    key: Key,
    source: &mut Source,
    _mask: Mask,
) -> io::Result<()> {
    let Source::Conn(conn) = source else {
        return Ok(());
    };
    while !conn.outbox.is_empty() {
        match conn.stream.write(&conn.outbox) {
            Ok(n) => {
                conn.outbox.drain(..n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if !conn.waiting_to_write {
                    conn.waiting_to_write = true;
                    sel.modify(key, source, EVENT_READ_WRITE, flush_then_read)?;
                }
                return Ok(());
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // The peer is gone: nobody to send the rest to.
            Err(_) => {
                sel.unregister(key);
                return Ok(());
            }
        }
    }
    if conn.waiting_to_write {
        conn.waiting_to_write = false;
        sel.modify(key, source, EVENT_READ, read)?;
    }
    Ok(())
}
// ANCHOR_END: callbacks

/// The callback while output is queued: send first, then read.
fn flush_then_read(
    sel: &mut Selector,
    key: Key,
    source: &mut Source,
    mask: Mask,
) -> io::Result<()> {
    if mask.write {
        flush(sel, key, source, mask)?;
    }
    if mask.read && sel.entries.get(&key).is_some_and(|e| !e.closing) {
        read(sel, key, source, mask)?;
    }
    Ok(())
}

// ANCHOR: naive
/// The seed's `read` callback word for word, kept to show what goes wrong.
/// **Wrong on an edge-triggered selector** (and wrong anywhere on a big
/// message): it reads once per event, so whatever is still in the socket
/// after its 1000 bytes is never reported again; and it sends once,
/// dropping whatever the kernel did not take.
pub mod naive {
    use std::io::{self, Read, Write};

    use super::{Key, Mask, Selector, Source};

    /// `data = conn.recv(1000); conn.send(data.upper())`, once per event.
    pub fn read(
        sel: &mut Selector,
        key: Key,
        source: &mut Source,
        _mask: Mask,
    ) -> io::Result<()> {
        let Source::Conn(conn) = source else {
            return Ok(());
        };
        let mut buf = [0u8; 1000];
        match conn.stream.read(&mut buf) {
            Ok(0) | Err(_) => sel.unregister(key),
            Ok(n) => {
                // "Hope it won't block": the count it returns is ignored.
                let _ = conn.stream.write(&buf[..n].to_ascii_uppercase());
            }
        }
        Ok(())
    }

    /// The seed's `accept`, registering the naive `read`.
    pub fn accept(
        sel: &mut Selector,
        _key: Key,
        sock: &mut Source,
        _mask: Mask,
    ) -> io::Result<()> {
        let Source::Listener(listener) = sock else {
            return Ok(());
        };
        let (stream, peer) = listener.accept()?;
        let conn = super::Conn {
            stream,
            peer,
            number: 0,
            outbox: Vec::new(),
            waiting_to_write: false,
        };
        sel.register(Source::Conn(conn), super::EVENT_READ, read)?;
        Ok(())
    }
}
// ANCHOR_END: naive
