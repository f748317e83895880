//! Lesson 06: the course's `read` callback word for word, kept to show
//! what goes wrong.
//!
//! **Wrong on an edge-triggered selector** (and wrong anywhere on a big
//! message): it reads once per event, so whatever is still in the socket
//! after its 1000 bytes is never reported again; and it sends once,
//! dropping whatever the kernel did not take.

use std::io::{self, Read, Write};

use super::{Key, Mask, Selector, Source};

// ANCHOR: naive_read
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

// ANCHOR_END: naive_read

/// The course's `accept`, registering the naive `read`.
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
