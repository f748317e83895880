//! Lesson 06: the course's two selector callbacks, `accept` and `read`,
//! made correct on an edge-triggered selector, and the `flush` the course
//! is missing.
//!
//! The course's callbacks read once and send once per event. Under mio's
//! edge-triggered epoll, whatever a single read leaves in the socket is
//! never reported again, and whatever a single send leaves unsent is lost;
//! so `accept` and `read` loop until `WouldBlock`, and `flush` keeps the
//! unsent bytes in the connection's outbox and waits for `EVENT_WRITE`.

use std::io::{self, Read, Write};

use shared::py::bytes;

use super::{Conn, EVENT_READ, EVENT_READ_WRITE, Key, Mask, Selector, Source};

/// The course's `accept(sock, mask)`: take every waiting connection and
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
    // connections, so accept until `WouldBlock`, not once as the course's
    // server does (Python's level-triggered selector would simply call again).
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

// ANCHOR: read
/// The course's `read(conn, mask)`: echo what arrived, upper-cased; on an
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
        let reply = buf[..n].to_ascii_uppercase();
        sel.say(format!(
            "[server] echoing {} to conn {}",
            bytes(&reply),
            conn.number
        ));
        conn.outbox.extend(reply);
    }
    flush(sel, key, source, EVENT_READ)
}

// ANCHOR_END: read

// ANCHOR: flush
/// Sends what the outbox holds. If the kernel takes only part of it (the
/// case the course's server hopes away), wait for `EVENT_WRITE` too, with
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

// ANCHOR_END: flush

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
