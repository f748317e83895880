//! The blocking model: one thread, blocking sockets, one client at a time.
//!
//! `accept` blocks until a client connects; then `read` blocks until that
//! client sends something; the reply is written with `write_all`, which
//! blocks until the kernel has taken every byte. While the thread is stuck
//! in `read` for one client, the next client's connection waits, accepted
//! by the kernel but not by us, in the listen backlog: it can send, but
//! nobody reads. Its first reply comes after the first client hangs up.
//!
//! The course's IO-model notes call this *blocking IO*: both phases of the
//! read (waiting for data, copying it) happen inside one `recv` call, and
//! the thread can do nothing else meanwhile.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

use shared::net::AcceptBackoff;
use shared::{Lane, State};

use crate::conn::{READ_BUF, upper};
use crate::{Control, Tally, span};

/// Serves clients one after another until stopped.
pub fn serve(listener: TcpListener, control: &Control) -> shared::Result<()> {
    let mut tally = control.tally();
    let lane = control.trace().lane("server thread");
    let mut backoff = AcceptBackoff::new("[server]");
    loop {
        tally.call();
        let accepted = {
            let _wait = span(&lane, State::Blocked, || "accept".into());
            listener.accept()
        };
        // `stop` wakes a blocked `accept` by connecting: check the flag
        // before serving whatever woke us.
        if control.is_stopped() {
            return Ok(());
        }
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // A client that gave up in the backlog, or out of fds for a
            // moment: not a reason to stop serving the others, but out of
            // fds `accept` fails at once until one is freed, so pause.
            Err(error) => {
                if let Some(pause) = backoff.on_error(&error) {
                    std::thread::sleep(pause);
                }
                continue;
            }
        };
        let id = control.accepted();
        if control.track(id, &stream) {
            // Here, and only here, this client is served: every other
            // client waits until `serve_one` returns.
            serve_one(stream, id, &lane, &mut tally);
        }
        control.untrack(id);
    }
}

/// Reads, upper-cases and writes back until the client closes (or fails).
pub(crate) fn serve_one(
    mut stream: TcpStream,
    id: u64,
    lane: &Lane,
    tally: &mut Tally<'_>,
) {
    let _ = stream.set_nodelay(true);
    // ANCHOR: serve_one
    let mut buf = vec![0; READ_BUF];
    loop {
        // ANCHOR_END: serve_one
        tally.call();
        let wait = span(lane, State::Blocked, || format!("c{id} recv"));
        // ANCHOR: serve_one_read
        // Both phases of the read happen in here: the thread sleeps in the
        // kernel until data arrives, then the kernel copies it into `buf`.
        let read = stream.read(&mut buf);
        // ANCHOR_END: serve_one_read
        drop(wait);
        // ANCHOR: serve_one_reply
        let n = match read {
            // End of file: the client closed. (Python: `recv` gives b"".)
            Ok(0) => return,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // Reset by the client, or shut down by `stop`.
            Err(_) => return,
        };
        // ANCHOR_END: serve_one_reply
        let _work = span(lane, State::Running, || format!("c{id} send"));
        // `write_all` loops over partial writes; each loop is a syscall,
        // but almost always one is enough, so we count one.
        tally.call();
        // ANCHOR: serve_one_write
        upper(&mut buf[..n]);
        if stream.write_all(&buf[..n]).is_err() {
            return;
        }
    }
    // ANCHOR_END: serve_one_write
}
