//! io_uring: the asynchronous model, completions instead of readiness.
//!
//! Every other model here asks the kernel *when* a socket is ready and
//! then does the `read` itself: phase two, the copy, is always the
//! program's own syscall. The course's fifth model, asynchronous IO, hands
//! the kernel the whole operation ("read into this buffer") and hears back
//! only when it is *done*: both phases happen in the kernel, and the
//! program finds the bytes already in its buffer.
//!
//! Linux's answer is io_uring: two rings shared between the process and
//! the kernel. The program writes *submission* entries (accept on this
//! listener; recv into this buffer; send these bytes) into one ring, tells
//! the kernel with one `io_uring_enter` call, and reads *completion*
//! entries (the result of each operation, tagged with the 64 bits of user
//! data it was submitted with) from the other. One `io_uring_enter` can
//! submit a hundred operations and wait for the next completions at once,
//! so under load the server makes *less than one* syscall per round trip.
//!
//! The catch, and the reason this module has `unsafe` where the readiness
//! loops have none: a submitted operation owns its buffer until its
//! completion arrives. The kernel may write into it at any moment until
//! then, so the buffer must not move, be reused or be freed before that,
//! and the compiler cannot check it. (This is why io_uring runtimes in Rust
//! take buffers *by value* and give them back with the result.) The rule
//! is kept by construction here: each connection has at most one operation
//! in flight, its buffer is only touched when that operation's completion
//! has been reaped, and on stop every operation is cancelled and its
//! completion awaited before any buffer is dropped.
//!
//! Containers often forbid io_uring (Docker's default seccomp profile
//! blocks its syscalls), so [`available`] says whether this kernel allows
//! it, and everything that runs this model checks first and says so.

use std::net::TcpListener;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use io_uring::{IoUring, opcode, squeue, types};
use shared::State;
use shared::net::AcceptBackoff;

use crate::conn::{READ_BUF, upper};
use crate::{Control, Tally, span};

/// User data of the accept, of the read on the stop eventfd, and of the
/// cancel; connections use their slab index.
const ACCEPT: u64 = u64::MAX;
const WAKE: u64 = u64::MAX - 1;
const CANCEL: u64 = u64::MAX - 2;
const ACCEPT_AGAIN: u64 = u64::MAX - 3;

/// The pause after running out of descriptors, as the kernel's timeout
/// operation reads it: a static, because the kernel reads it when the
/// operation is submitted, after `push` has returned.
static PAUSE: types::Timespec = types::Timespec::new()
    .sec(AcceptBackoff::PAUSE.as_secs())
    .nsec(AcceptBackoff::PAUSE.subsec_nanos());

/// Whether this kernel (and its seccomp filter) allows io_uring: `Ok`, or
/// why not, in one line.
pub fn available() -> Result<(), String> {
    IoUring::new(2)
        .map(drop)
        .map_err(|e| format!("io_uring is not available here: {e}"))
}

/// What a connection's one operation in flight is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Recv,
    Send,
}

/// A connection: its socket, its buffer (owned by the kernel while an
/// operation is in flight) and how much of it is still to be sent.
struct UConn {
    fd: OwnedFd,
    name: String,
    buf: Vec<u8>,
    len: usize,
    sent: usize,
    op: Op,
}

/// The ring and the bookkeeping every submission needs.
struct Ring {
    ring: IoUring,
    in_flight: usize,
}

impl Ring {
    /// Queues one submission, flushing the queue to the kernel first if it
    /// is full.
    ///
    /// # Safety
    ///
    /// Every buffer and file descriptor `entry` points to must stay valid,
    /// unmoved and otherwise unused until its completion has been reaped.
    unsafe fn push(
        &mut self,
        entry: &squeue::Entry,
        tally: &mut Tally<'_>,
    ) -> std::io::Result<()> {
        loop {
            // SAFETY: the caller promises what `push` requires: the
            // entry's buffers and fds outlive the operation.
            if unsafe { self.ring.submission().push(entry) }.is_ok() {
                self.in_flight += 1;
                return Ok(());
            }
            tally.call();
            self.ring.submit()?;
        }
    }
}

// ANCHOR: uring_recv
/// A `recv` into the connection's whole buffer.
fn recv(conn: &mut UConn, index: usize) -> squeue::Entry {
    conn.op = Op::Recv;
    let len = u32::try_from(conn.buf.len()).unwrap_or(u32::MAX);
    opcode::Recv::new(
        types::Fd(conn.fd.as_raw_fd()),
        conn.buf.as_mut_ptr(),
        len,
    )
    .build()
    .user_data(index as u64)
}
// ANCHOR_END: uring_recv

/// A `send` of what is left of the reply.
fn send(conn: &mut UConn, index: usize) -> squeue::Entry {
    conn.op = Op::Send;
    let rest = &conn.buf[conn.sent..conn.len];
    let len = u32::try_from(rest.len()).unwrap_or(u32::MAX);
    opcode::Send::new(types::Fd(conn.fd.as_raw_fd()), rest.as_ptr(), len)
        .build()
        .user_data(index as u64)
}

/// A timer that completes after [`PAUSE`]: accepting resumes then.
fn pause() -> squeue::Entry {
    opcode::Timeout::new(&PAUSE).build().user_data(ACCEPT_AGAIN)
}

fn accept(listener: RawFd) -> squeue::Entry {
    opcode::Accept::new(
        types::Fd(listener),
        std::ptr::null_mut(),
        std::ptr::null_mut(),
    )
    // Accepted sockets close on exec, as std's `accept` makes them.
    .flags(rustix::net::SocketFlags::CLOEXEC.bits() as i32)
    .build()
    .user_data(ACCEPT)
}

/// The echo server on io_uring: accept, recv and send are submitted, and
/// the loop reacts to their completions.
pub fn serve(listener: TcpListener, control: &Control) -> shared::Result<()> {
    let mut tally = control.tally();
    let lane = control.trace().lane("event loop");
    tally.call();
    // One thread submits and reaps (`single_issuer`), and completions
    // are processed only when it asks for them (`defer_taskrun`), instead
    // of interrupting it whenever one arrives: the tuning the io_uring
    // authors recommend for a one-thread event loop (Linux 6.1+; older
    // kernels get a plain ring).
    let ring = IoUring::builder()
        .setup_single_issuer()
        .setup_defer_taskrun()
        .build(256)
        .or_else(|_| IoUring::new(256))
        .map_err(|e| format!("io_uring is not available here: {e}"))?;
    let mut ring = Ring { ring, in_flight: 0 };
    let listen_fd = listener.as_raw_fd();
    // Boxed, so that it can be leaked with the buffers if the drain fails.
    let mut wake_buf = Box::new([0u8; 8]);
    let wake = opcode::Read::new(
        types::Fd(control.wake_fd().as_raw_fd()),
        wake_buf.as_mut_ptr(),
        8,
    )
    .build()
    .user_data(WAKE);
    // SAFETY: the listener and the eventfd are open until this function
    // returns, and `wake_buf` lives as long; before returning, `drain`
    // waits for every operation in flight to complete.
    unsafe {
        ring.push(&accept(listen_fd), &mut tally)?;
        ring.push(&wake, &mut tally)?;
    }
    let mut slab: Vec<Option<UConn>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    let mut done: Vec<(u64, i32)> = Vec::new();
    let mut accepting = Accepting {
        listen_fd,
        backoff: AcceptBackoff::new("[server]"),
    };
    let result = loop {
        tally.call();
        let entered = {
            let _wait = span(&lane, State::Waiting, || "io_uring_enter".into());
            ring.ring.submit_and_wait(1)
        };
        match entered {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => break Err(format!("io_uring_enter failed: {e}").into()),
        }
        done.clear();
        done.extend(
            ring.ring.completion().map(|c| (c.user_data(), c.result())),
        );
        ring.in_flight -= done.len();
        // No `?` from here to the drain: returning early would free
        // buffers the kernel may still write into.
        let handled = handle(
            &done,
            &mut ring,
            &mut slab,
            &mut free,
            &mut tally,
            control,
            &mut accepting,
            &lane,
        );
        match handled {
            Ok(false) if !control.is_stopped() => {}
            Ok(_) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    if drain(&mut ring, &mut tally) {
        // Only now may the buffers go: no operation refers to them.
        drop(slab);
    } else {
        std::mem::forget(slab);
        std::mem::forget(wake_buf);
    }
    result
}

/// The listener, and what to do when an accept fails.
struct Accepting {
    listen_fd: RawFd,
    backoff: AcceptBackoff,
}

/// Reacts to one batch of completions; `Ok(true)` once asked to stop.
#[allow(clippy::too_many_arguments, reason = "the loop's state, spelled out")]
fn handle(
    done: &[(u64, i32)],
    ring: &mut Ring,
    slab: &mut Vec<Option<UConn>>,
    free: &mut Vec<usize>,
    tally: &mut Tally<'_>,
    control: &Control,
    accepting: &mut Accepting,
    lane: &shared::Lane,
) -> shared::Result<bool> {
    let listen_fd = accepting.listen_fd;
    let mut stop = false;
    for &(key, res) in done {
        match key {
            WAKE => stop = true,
            CANCEL => {}
            ACCEPT => {
                if res >= 0 {
                    // SAFETY: a successful accept completion's result
                    // is a new file descriptor that nothing else owns.
                    let fd = unsafe { OwnedFd::from_raw_fd(res) };
                    tally.call();
                    let _ = rustix::net::sockopt::set_tcp_nodelay(&fd, true);
                    let id = control.accepted();
                    let index = free.pop().unwrap_or(slab.len());
                    let mut conn = UConn {
                        fd,
                        name: format!("c{id}"),
                        buf: vec![0; READ_BUF],
                        len: 0,
                        sent: 0,
                        op: Op::Recv,
                    };
                    let entry = recv(&mut conn, index);
                    if index == slab.len() {
                        slab.push(Some(conn));
                    } else {
                        slab[index] = Some(conn);
                    }
                    // SAFETY: the buffer is the connection's, untouched
                    // until this recv completes, and a heap allocation:
                    // moving the `UConn` when the slab grows does not
                    // move the bytes the kernel writes to.
                    unsafe { ring.push(&entry, tally)? };
                } else {
                    // Out of descriptors, an accept fails at once for as
                    // long as the client waits: resubmitting it at once
                    // would spin. A timer brings it back after a pause.
                    let error = std::io::Error::from_raw_os_error(-res);
                    if accepting.backoff.on_error(&error).is_some() {
                        // SAFETY: the timer points to `PAUSE`, a static.
                        unsafe { ring.push(&pause(), tally)? };
                        continue;
                    }
                }
                // SAFETY: as for the first accept.
                unsafe { ring.push(&accept(listen_fd), tally)? };
            }
            ACCEPT_AGAIN => {
                // SAFETY: as for the first accept.
                unsafe { ring.push(&accept(listen_fd), tally)? };
            }
            index => {
                let index = index as usize;
                let Some(Some(conn)) = slab.get_mut(index) else {
                    continue;
                };
                let _work = span(lane, State::Running, || {
                    format!("{} {:?} done", conn.name, conn.op)
                });
                // ANCHOR: uring_completion
                let next = match (conn.op, res) {
                    // End of file, or an error: the connection is over.
                    (Op::Recv, r) if r <= 0 => None,
                    (Op::Recv, n) => {
                        // The kernel already copied the bytes in: we
                        // only transform them and hand them back.
                        let n = n as usize;
                        upper(&mut conn.buf[..n]);
                        conn.len = n;
                        conn.sent = 0;
                        Some(send(conn, index))
                    }
                    (Op::Send, r) if r < 0 => None,
                    (Op::Send, n) => {
                        // A partial send: send the rest.
                        conn.sent += n as usize;
                        if conn.sent < conn.len {
                            Some(send(conn, index))
                        } else {
                            Some(recv(conn, index))
                        }
                    }
                };
                match next {
                    // SAFETY: the entry points into this connection's
                    // buffer, which its previous operation no longer
                    // uses (its completion was just reaped) and nothing
                    // touches until this one completes.
                    Some(entry) => unsafe { ring.push(&entry, tally)? },
                    None => {
                        slab[index] = None; // closes the socket
                        free.push(index);
                    }
                }
                // ANCHOR_END: uring_completion
            }
        }
    }
    Ok(stop)
}

/// Cancels every operation in flight and waits for all their completions
/// (a cancelled operation still completes, with `-ECANCELED`). A
/// connection accepted meanwhile is closed at once.
///
/// If the ring fails here there is nothing safe left to do with the
/// buffers but keep them: they are leaked rather than freed under the
/// kernel's feet.
fn drain(ring: &mut Ring, tally: &mut Tally<'_>) -> bool {
    // Bounded: each round cancels everything left; an operation that was
    // already completing finishes on its own.
    for _ in 0..100 {
        if ring.in_flight == 0 {
            return true;
        }
        let cancel = opcode::AsyncCancel2::new(types::CancelBuilder::any())
            .build()
            .user_data(CANCEL);
        // SAFETY: a cancel points to no buffer.
        if unsafe { ring.push(&cancel, tally) }.is_err() {
            return false;
        }
        tally.call();
        match ring.ring.submit_and_wait(1) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
        for entry in ring.ring.completion() {
            ring.in_flight -= 1;
            if entry.user_data() == ACCEPT && entry.result() >= 0 {
                // SAFETY: a successful accept's result is a new fd that
                // nothing else owns; dropping it closes it.
                drop(unsafe { OwnedFd::from_raw_fd(entry.result()) });
            }
        }
    }
    false
}

/// One 64 KiB `recv` through a ring, for the read-phases picture: the
/// thread sleeps in `io_uring_enter` while the kernel waits for the data
/// *and* copies it (`MSG_WAITALL`: all of it); when the call returns, the
/// bytes are already in the buffer.
pub(crate) fn read_phases_one(
    sock: &std::net::TcpStream,
    len: usize,
    lane: &shared::Lane,
) -> shared::Result<()> {
    let mut ring = IoUring::new(2)
        .map_err(|e| format!("io_uring is not available here: {e}"))?;
    // Owned here, so that on a failure it can be leaked rather than freed
    // while the kernel might still write into it.
    let mut buf = vec![0u8; len];
    let waitall = rustix::net::RecvFlags::WAITALL.bits() as i32;
    let entry = opcode::Recv::new(
        types::Fd(sock.as_raw_fd()),
        buf.as_mut_ptr(),
        u32::try_from(len).unwrap_or(u32::MAX),
    )
    .flags(waitall)
    .build();
    // SAFETY: `buf` and `sock` stay alive and untouched until the
    // completion is reaped below; on any failure before that, `buf` is
    // leaked, never freed.
    if unsafe { ring.submission().push(&entry) }.is_err() {
        return Err("the submission queue is full".into());
    }
    let entered = {
        let _both =
            lane.span(State::Waiting, "io_uring_enter: kernel waits + copies");
        loop {
            match ring.submit_and_wait(1) {
                Ok(_) => break Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        }
    };
    let result = entered.ok().and_then(|()| ring.completion().next());
    let Some(completion) = result else {
        std::mem::forget(buf);
        return Err("io_uring_enter failed with the recv in flight".into());
    };
    let now = lane.trace().now();
    lane.record_span(State::Running, "bytes already in buf", now, now);
    if usize::try_from(completion.result()) != Ok(len) {
        return Err(
            format!("io_uring recv gave {}", completion.result()).into()
        );
    }
    Ok(())
}
