//! Thread per connection: blocking sockets, one OS thread for each client.
//!
//! The code of each connection is exactly the blocking model's
//! [`serve_one`](crate::blocking): read, upper-case, write. What changes is
//! that the accepting thread hands every connection to a new thread, so a
//! silent client only stops its own thread. The kernel's scheduler does the
//! switching between clients: it puts a thread to sleep in `read` and
//! wakes it when data arrives.
//!
//! The price is a thread per client: a stack (8 MiB of address space, a
//! few pages of real memory), a kernel task, and a context switch every
//! time the kernel changes which client it serves. Thousands are fine;
//! the C10K problem is about tens of thousands.
//!
//! Why `std::thread::scope`: the connection threads borrow the `Control`
//! (to register for shutdown and to count), and the scope guarantees every
//! one of them has finished before `serve` returns, so stopping the server
//! really joins every thread, as `Server`'s drop promises.

use std::net::TcpListener;

use shared::State;
use shared::net::AcceptBackoff;

use crate::blocking::serve_one;
use crate::{Control, span};

/// Accepts in this thread; serves each client in a thread of its own.
pub fn serve(listener: TcpListener, control: &Control) -> shared::Result<()> {
    let accept_lane = control.trace().lane("acceptor");
    // ANCHOR: threads
    std::thread::scope(|scope| {
        // ANCHOR_END: threads
        let mut tally = control.tally();
        // ANCHOR: threads_accept
        let mut backoff = AcceptBackoff::new("[server]");
        loop {
            // ANCHOR_END: threads_accept
            tally.call();
            let wait = span(&accept_lane, State::Blocked, || "accept".into());
            // ANCHOR: threads_serve
            let accepted = listener.accept();
            // ANCHOR_END: threads_serve
            drop(wait);
            // ANCHOR: threads_spawn
            if control.is_stopped() {
                // The scope joins every connection thread on the way out;
                // `stop` has already shut their sockets down.
                return Ok(());
            }
            let stream = match accepted {
                Ok((stream, _)) => stream,
                // Out of descriptors, `accept` fails at once for as long
                // as the client waits: retrying at once would spin. The
                // connection threads go on serving meanwhile.
                Err(error) => {
                    if let Some(pause) = backoff.on_error(&error) {
                        std::thread::sleep(pause);
                    }
                    continue;
                }
            };
            let id = control.accepted();
            // ANCHOR_END: threads_spawn
            let lane = control.trace().lane(format!("thread c{id}"));
            // ANCHOR: threads_thread
            let spawned = std::thread::Builder::new()
                .name(format!("conn-c{id}"))
                .spawn_scoped(scope, move || {
                    // ANCHOR_END: threads_thread
                    let mut tally = control.tally();
                    // ANCHOR: threads_one
                    if control.track(id, &stream) {
                        serve_one(stream, id, &lane, &mut tally);
                    }
                    control.untrack(id);
                });
            // Out of threads (or memory): this client is dropped (the
            // stream went into the failed closure and is closed), the
            // others are still served.
            if let Err(error) = spawned {
                eprintln!("[server] no thread for c{id}: {error}");
            }
        }
    })
    // ANCHOR_END: threads_one
}
