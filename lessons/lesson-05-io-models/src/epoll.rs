//! `epoll(7)`: the kernel keeps the list of interests.
//!
//! `select` and `poll` hand the kernel the whole list of sockets on every
//! call, and the kernel checks them all. `epoll` splits that in two:
//! `epoll_ctl` tells the kernel once what to watch (it keeps the list, and
//! a socket that becomes ready puts itself on a ready list), and
//! `epoll_wait` just takes what is on the ready list. A wake-up costs
//! O(ready sockets), not O(all sockets): the answer to C10K.
//!
//! Level-triggered (the default, no `EPOLLET`), to stay the course's loop:
//! a socket with unread data or room to write is reported on every wait
//! until that changes. So, as in `select`, write interest is switched on
//! only while a reply is queued, and off again when it is written; each
//! switch is one `epoll_ctl(MOD)`. That is the price of "write only when
//! writable": 2 `epoll_ctl` per round trip. (The `mio` model shows the
//! other style: edge-triggered, register once, write at once.)
//!
//! Each registration carries 64 bits of user data, returned with its
//! events: here the index of the connection in a slab (a `Vec` with free
//! slots), so an event finds its connection without a map lookup.

use std::net::TcpListener;

use rustix::buffer::spare_capacity;
use rustix::event::epoll::{self, CreateFlags, Event, EventData, EventFlags};
use rustix::io::Errno;
use shared::State;

use crate::conn::{Acceptor, Conn, READ_BUF, wait_timeout};
use crate::{Control, Tally, span};

/// The user data of the listener and of the stop eventfd; connections use
/// their slab index, which never comes near these.
const LISTENER: u64 = u64::MAX;
const WAKE: u64 = u64::MAX - 1;

/// A connection and the interest the kernel currently has for it, so that
/// `epoll_ctl` is only called when that interest changes.
struct Entry {
    conn: Conn,
    interest: EventFlags,
}

/// The interest a connection needs now.
fn wanted(conn: &Conn) -> EventFlags {
    let mut flags = EventFlags::empty();
    if conn.wants_read() {
        flags |= EventFlags::IN;
    }
    if conn.wants_write() {
        flags |= EventFlags::OUT;
    }
    flags
}

/// The select server on `epoll`, level-triggered.
pub fn serve(listener: TcpListener, control: &Control) -> shared::Result<()> {
    let mut tally = control.tally();
    let lane = control.trace().lane("event loop");
    tally.call();
    listener.set_nonblocking(true)?;
    // The epoll instance is itself a file descriptor, closed on return.
    tally.call();
    let epfd = epoll::create(CreateFlags::CLOEXEC)?;
    let data = EventData::new_u64;
    tally.call();
    epoll::add(&epfd, &listener, data(LISTENER), EventFlags::IN)?;
    tally.call();
    epoll::add(&epfd, control.wake_fd(), data(WAKE), EventFlags::IN)?;

    let mut slab: Vec<Option<Entry>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    let mut events: Vec<Event> = Vec::with_capacity(256);
    let mut buf = vec![0; READ_BUF];
    // The connections this round touched: only their interest can have
    // changed. (Walking the whole slab here would bring back the
    // O(connections) per wake-up that epoll exists to avoid.)
    let mut touched: Vec<usize> = Vec::new();
    let mut acceptor = Acceptor::new();
    let mut listening = true;
    loop {
        // Out of descriptors, the listener leaves the interest list for a
        // moment: it would be reported at once, and we cannot accept.
        if acceptor.watching() != listening {
            listening = !listening;
            tally.call();
            if listening {
                epoll::add(&epfd, &listener, data(LISTENER), EventFlags::IN)?;
            } else {
                epoll::delete(&epfd, &listener)?;
            }
        }
        let timeout = wait_timeout(acceptor.timeout());
        events.clear();
        tally.call();
        let wait = span(&lane, State::Waiting, || "epoll_wait".into());
        // ANCHOR: epoll_wait
        // Sleeps until at least one watched socket is ready, and returns
        // only the ready ones: O(ready), not O(watched).
        let waited =
            epoll::wait(&epfd, spare_capacity(&mut events), timeout.as_ref());
        // ANCHOR_END: epoll_wait
        drop(wait);
        match waited {
            Ok(_) => {}
            Err(Errno::INTR) => continue,
            Err(e) => return Err(format!("epoll_wait failed: {e}").into()),
        }
        if control.is_stopped() {
            return Ok(());
        }
        for event in &events {
            // Copy the fields out: `Event` is a packed struct on x86_64.
            let (flags, key) = (event.flags, event.data.u64());
            if key == WAKE {
                continue;
            }
            if key == LISTENER {
                acceptor.accept_ready(&listener, control, &mut tally, |conn| {
                    let index = free.pop().unwrap_or(slab.len());
                    let entry = Entry {
                        conn,
                        interest: EventFlags::empty(),
                    };
                    if index == slab.len() {
                        slab.push(Some(entry));
                    } else {
                        slab[index] = Some(entry);
                    }
                    touched.push(index);
                });
                continue;
            }
            let Ok(index) = usize::try_from(key) else {
                continue;
            };
            let Some(Some(entry)) = slab.get_mut(index) else {
                continue;
            };
            let readable = flags
                .intersects(EventFlags::IN | EventFlags::ERR | EventFlags::HUP);
            let writable = flags.contains(EventFlags::OUT);
            entry
                .conn
                .on_ready(readable, writable, &mut buf, &mut tally, &lane);
            touched.push(index);
        }
        // ANCHOR: epoll_update
        // Bring the touched registrations up to date: new connections are
        // added, finished ones closed, changed interests modified.
        for index in touched.drain(..) {
            let slot = &mut slab[index];
            let Some(entry) = slot else { continue };
            if entry.conn.is_done() {
                // Closing the socket removes it from the epoll set (no
                // other fd refers to it), so no `epoll_ctl(DEL)` is needed.
                *slot = None;
                free.push(index);
                continue;
            }
            update(&epfd, entry, index, &mut tally)?;
        }
    }
}

/// Tells the kernel the connection's interest if it changed.
fn update(
    epfd: &std::os::fd::OwnedFd,
    entry: &mut Entry,
    index: usize,
    tally: &mut Tally<'_>,
) -> shared::Result<()> {
    let now = wanted(&entry.conn);
    if now == entry.interest {
        return Ok(());
    }
    let data = EventData::new_u64(index as u64);
    // ANCHOR_END: epoll_update
    tally.call();
    // ANCHOR: epoll_ctl
    if entry.interest.is_empty() {
        epoll::add(epfd, &entry.conn.stream, data, now)?;
    } else {
        epoll::modify(epfd, &entry.conn.stream, data, now)?;
    }
    entry.interest = now;
    Ok(())
}
// ANCHOR_END: epoll_ctl
