//! `poll(2)`: readiness by an array of `pollfd`.
//!
//! The same loop as [`select`](crate::select), with the sets replaced by
//! one array of `(fd, events wanted, events returned)`. That removes the
//! 1024 limit and the bit sets sized by the highest fd: the array is as
//! long as the number of sockets. What stays is that the whole array goes
//! into the kernel and back on every call, and the kernel checks every
//! socket in it: O(connections) per wake-up, even if one socket is ready.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::os::fd::{AsFd, AsRawFd, RawFd};

use rustix::event::{PollFd, PollFlags};
use rustix::io::Errno;
use shared::State;

use crate::conn::{Acceptor, Conn, READ_BUF, wait_timeout};
use crate::{Control, span};

/// The select server with `poll` instead of `select`.
pub fn serve(listener: TcpListener, control: &Control) -> shared::Result<()> {
    let mut tally = control.tally();
    let lane = control.trace().lane("event loop");
    tally.call();
    listener.set_nonblocking(true)?;
    let mut conns: BTreeMap<RawFd, Conn> = BTreeMap::new();
    let mut buf = vec![0; READ_BUF];
    let mut ready: Vec<(RawFd, PollFlags)> = Vec::new();
    let mut acceptor = Acceptor::new();
    loop {
        // The array borrows every socket, so it lives only for the call;
        // what came back is copied out into `ready` before we touch the
        // connections again.
        // ANCHOR: poll
        let mut fds = Vec::with_capacity(conns.len() + 2);
        // Out of descriptors, nothing is asked of the listener for a
        // moment: it would be readable at once, and we cannot accept.
        let listening = if acceptor.watching() {
            PollFlags::IN
        } else {
            PollFlags::empty()
        };
        fds.push(PollFd::new(&listener, listening));
        fds.push(PollFd::new(control.wake_fd(), PollFlags::IN));
        for conn in conns.values() {
            let mut wanted = PollFlags::empty();
            if conn.wants_read() {
                wanted |= PollFlags::IN;
            }
            if conn.wants_write() {
                wanted |= PollFlags::OUT;
            }
            // Even with nothing wanted, errors and hang-ups are reported.
            fds.push(PollFd::new(&conn.stream, wanted));
        }

        let timeout = wait_timeout(acceptor.timeout());
        // ANCHOR_END: poll
        tally.call();
        let waited = {
            let _wait = span(&lane, State::Waiting, || "poll".into());
            rustix::event::poll(&mut fds, timeout.as_ref())
        };
        match waited {
            Ok(_) => {}
            Err(Errno::INTR) => continue,
            Err(e) => return Err(format!("poll failed: {e}").into()),
        }
        if control.is_stopped() {
            return Ok(());
        }
        let new_clients = fds[0].revents().contains(PollFlags::IN);
        ready.clear();
        ready.extend(
            fds[2..]
                .iter()
                .filter(|fd| !fd.revents().is_empty())
                .map(|fd| (fd.as_fd().as_raw_fd(), fd.revents())),
        );
        drop(fds);

        if new_clients {
            acceptor.accept_ready(&listener, control, &mut tally, |conn| {
                conns.insert(conn.stream.as_raw_fd(), conn);
            });
        }
        for &(fd, events) in &ready {
            // An error or hang-up is read like data: the read reports it.
            let readable = events
                .intersects(PollFlags::IN | PollFlags::ERR | PollFlags::HUP);
            let writable = events.contains(PollFlags::OUT);
            if let Some(conn) = conns.get_mut(&fd) {
                conn.on_ready(readable, writable, &mut buf, &mut tally, &lane);
            }
        }
        conns.retain(|_, conn| !conn.is_done());
    }
}
