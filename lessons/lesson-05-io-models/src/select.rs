//! `select(2)`: the course's server, readiness by bit sets.
//!
//! The course's loop, one to one: the listener and every connection go into
//! the read set, connections with queued replies into the write set, and
//! `select` sleeps until at least one of them is ready. Then the loop
//! accepts, reads (queueing the upper-cased bytes) and writes what is
//! queued, one call each, and builds the sets again.
//!
//! The sets are bit vectors indexed by file descriptor number, rebuilt
//! before every call because `select` overwrites them with its answer;
//! the kernel then scans every bit up to the highest fd. So one call costs
//! O(highest fd), however few sockets are busy.
//!
//! **The 1024 limit.** C's `fd_set` is a fixed 1024-bit array
//! (`FD_SETSIZE`): `FD_SET(fd)` with `fd >= 1024` writes past its end
//! (glibc's fortified builds abort instead), and Python's `select.select`
//! refuses with `ValueError: filedescriptor out of range in select()`.
//! The kernel itself has no such limit: `nfds` may go up to the process's
//! open-file limit. rustix's [`select`](rustix::event::select) takes the
//! sets as slices we size ourselves
//! ([`fd_set_num_elements`]), so this
//! server grows its sets with the highest fd and keeps working past 1024.
//! What does not go away is the O(highest fd) cost per call, which is why
//! `poll` and then `epoll` exist.
//!
//! The course also passes its inputs as the "exceptional" set. For TCP that
//! set reports urgent (out-of-band) data, not errors: an error or a hang-up
//! makes the socket *readable*, and the `read` then reports it. So we pass
//! no exceptional set.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::os::fd::{AsRawFd, RawFd};

use rustix::event::{
    FdSetElement, FdSetIter, fd_set_insert, fd_set_num_elements,
};
use rustix::io::Errno;
use shared::State;

use crate::conn::{Acceptor, Conn, READ_BUF, wait_timeout};
use crate::{Control, span};

/// The course's select server, with its bugs fixed.
pub fn serve(listener: TcpListener, control: &Control) -> shared::Result<()> {
    let mut tally = control.tally();
    let lane = control.trace().lane("event loop");
    tally.call();
    listener.set_nonblocking(true)?;
    let server = listener.as_raw_fd();
    let wake = control.wake_fd().as_raw_fd();
    // ANCHOR: select_sets
    // The course's `inputs`, `outputs` and `message_queues` in one map:
    // each connection knows whether it wants to read and to write.
    let mut conns: BTreeMap<RawFd, Conn> = BTreeMap::new();
    let mut buf = vec![0; READ_BUF];
    let mut acceptor = Acceptor::new();
    loop {
        let highest = conns.keys().next_back().copied().unwrap_or(0);
        let nfds = highest.max(server).max(wake) + 1;
        let words = fd_set_num_elements(conns.len() + 2, nfds);
        let mut readable = vec![FdSetElement::default(); words];
        let mut writable = vec![FdSetElement::default(); words];
        // Out of descriptors, the listener stays out of the set for a
        // moment: it would be readable at once, and we cannot accept.
        if acceptor.watching() {
            fd_set_insert(&mut readable, server);
        }
        fd_set_insert(&mut readable, wake);
        for (&fd, conn) in &conns {
            if conn.wants_read() {
                fd_set_insert(&mut readable, fd);
            }
            if conn.wants_write() {
                fd_set_insert(&mut writable, fd);
            }
        }

        let timeout = wait_timeout(acceptor.timeout());
        // ANCHOR_END: select_sets
        tally.call();
        let wait = span(&lane, State::Waiting, || "select".into());
        // ANCHOR: select_wait
        // SAFETY: `select` requires every fd in the sets to be open for
        // the whole call. They are: `server` is `listener`'s fd and `wake`
        // the control's eventfd, both borrowed for this whole function,
        // and every other fd belongs to a `Conn` in `conns`, which is not
        // touched until `select` has returned. Both sets have
        // `fd_set_num_elements` words, enough for `nfds` bits.
        let waited = unsafe {
            rustix::event::select(
                nfds,
                Some(&mut readable),
                Some(&mut writable),
                None,
                timeout.as_ref(),
            )
        };
        // ANCHOR_END: select_wait
        drop(wait);
        // ANCHOR: select_ready
        match waited {
            Ok(_) => {}
            Err(Errno::INTR) => continue,
            Err(e) => return Err(format!("select failed: {e}").into()),
        }
        if control.is_stopped() {
            return Ok(());
        }

        for fd in FdSetIter::new(&readable) {
            if fd == server {
                acceptor.accept_ready(&listener, control, &mut tally, |conn| {
                    conns.insert(conn.stream.as_raw_fd(), conn);
                });
            } else if let Some(conn) = conns.get_mut(&fd) {
                conn.on_ready(true, false, &mut buf, &mut tally, &lane);
            }
        }
        for fd in FdSetIter::new(&writable) {
            if let Some(conn) = conns.get_mut(&fd) {
                conn.on_ready(false, true, &mut buf, &mut tally, &lane);
            }
        }
        // Closing happens here, after both sets were walked, so an fd
        // number cannot be closed and reused by `accept` in one round.
        conns.retain(|_, conn| !conn.is_done());
    }
    // ANCHOR_END: select_ready
}
