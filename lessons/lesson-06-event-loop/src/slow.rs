//! Lesson 06: the course's picture of an event-driven server, from a real
//! run.
//!
//! The course draws one thread serving many slow clients, idle while all
//! of them think. [`slow_clients`] makes that run: our runtime's echo
//! server, traced, and a few clients on threads of their own that pause
//! between their messages. The timeline shows the server's one thread
//! parked in `epoll_wait` through every pause, and each connection task
//! waiting, cheaply, between its polls.

use std::net::SocketAddr;
use std::time::Duration;

use lesson_05_io_models::MESSAGES;
use shared::py::{PATIENCE, bytes};
use shared::{Lane, State, Trace, Transcript};

use crate::echo::{EchoServer, Engine};

/// The course's picture of an event-driven server, from a real run: our
/// runtime's echo server (traced) and `clients` slow clients, each on its
/// own thread. Client *i* starts `i × pause_ms / clients` in, sends the
/// course's first message, waits for the reply, pauses `pause_ms`, sends the
/// second, waits, and hangs up. The server's one thread spends the pauses
/// parked in `epoll_wait`; each connection task waits, cheaply, between
/// its polls.
pub fn slow_clients(
    clients: usize,
    pause_ms: u64,
    trace: &Trace,
    out: &Transcript,
) -> shared::Result<()> {
    if !(1..=20).contains(&clients) || pause_ms > 10_000 {
        return Err("slow_clients wants 1 to 20 clients and at most \
                    10,000 ms of pause"
            .into());
    }
    // The server's lanes first, so they are the top rows of the picture
    // (lanes are drawn in the order they were first named).
    for name in ["reactor", "main", "accept"] {
        trace.lane(name);
    }
    for n in 1..=clients {
        trace.lane(format!("conn {n}"));
    }
    let server = EchoServer::start_on(Engine::Ours, 0, trace.clone())?;
    let addr = server.addr();
    std::thread::scope(|scope| -> shared::Result<()> {
        let talkers: Vec<_> = (1..=clients)
            .map(|n| {
                let lane = trace.lane(format!("client c{n}"));
                let stagger = pause_ms * (n as u64 - 1) / clients as u64;
                scope.spawn(move || {
                    std::thread::sleep(Duration::from_millis(stagger));
                    talk(addr, n, pause_ms, &lane, out)
                })
            })
            .collect();
        for talker in talkers {
            talker.join().map_err(|_| "a client panicked")??;
        }
        Ok(())
    })?;
    server.stop()
}

/// One client of [`slow_clients`].
fn talk(
    addr: SocketAddr,
    n: usize,
    pause_ms: u64,
    lane: &Lane,
    out: &Transcript,
) -> shared::Result<()> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(PATIENCE))?;
    stream.set_nodelay(true)?;
    for (round, message) in MESSAGES[..2].iter().enumerate() {
        if round > 0 {
            let _pause = lane.span(State::Blocked, "pause");
            std::thread::sleep(Duration::from_millis(pause_ms));
        }
        stream.write_all(message)?;
        let mut reply = vec![0; message.len()];
        {
            let _wait = lane.span(State::Waiting, "wait for the reply");
            stream.read_exact(&mut reply)?;
        }
        out.say(lane, format!("[c{n}] received {}", bytes(&reply)));
    }
    Ok(())
}
