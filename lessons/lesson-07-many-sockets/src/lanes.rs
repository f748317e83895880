//! Lesson 07: the hub's IO wait, drawn: a few clients that pause between
//! their messages, against the server on the hub, traced. Each
//! connection's task is a lane: on the CPU for a moment per message,
//! parked in `recv` in between, resumed when `epoll_wait` says its socket
//! is readable; the hub's lane marks each time it went idle.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use shared::Trace;

use crate::handler::{Log, Mode};
use crate::serve::serve_hub;

/// `clients` clients, each sending `hello 0..2` with `pause` between,
/// started `pause / clients` apart, against the hub; traced on `trace`.
pub fn paused_clients(
    clients: usize,
    pause: Duration,
    trace: &Trace,
) -> shared::Result<()> {
    // Lanes in the order they should be drawn: the hub, then connections.
    trace.lane("hub");
    for n in 1..=clients {
        trace.lane(format!("conn {n}"));
    }
    let listener = shared::net::listen(0)?;
    let addr = listener.local_addr()?;
    let stop = AtomicBool::new(false);
    thread::scope(|scope| -> shared::Result<()> {
        let server = scope.spawn(|| {
            serve_hub(listener, Mode::Fixed, Log::silent(), &stop, Some(trace))
        });
        let talkers: Vec<_> = (0..clients)
            .map(|n| {
                scope.spawn(move || -> std::io::Result<()> {
                    thread::sleep(pause * n as u32 / clients as u32);
                    let mut conn = TcpStream::connect(addr)?;
                    let mut buf = [0; 16];
                    for count in 0..3 {
                        conn.write_all(format!("hello {count}").as_bytes())?;
                        let _ = conn.read(&mut buf)?;
                        thread::sleep(pause);
                    }
                    Ok(())
                })
            })
            .collect();
        for talker in talkers {
            talker.join().map_err(|_| "a client panicked")??;
        }
        stop.store(true, Ordering::SeqCst);
        drop(TcpStream::connect(addr));
        server.join().map_err(|_| "the server panicked")??;
        Ok(())
    })
}
