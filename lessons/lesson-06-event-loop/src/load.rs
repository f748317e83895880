//! Lesson 06: load generators for the echo servers.
//!
//! [`load_ours`] is a load generator written on our own runtime, one task
//! per client: the tests use it to check that both servers answer every
//! client. [`drive`] is lesson 05's load generator (one thread, mio), the
//! one whose figures this lesson compares with lesson 05's models.
//!
//! Each connection holds a descriptor at each end, and when the client
//! and the server share a process the usual soft limit of 1,024 stops a
//! load of 2,000 clients halfway. [`make_room_for`] raises the limit to
//! the hard one first, and refuses, in words, a load that still would not
//! fit.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use lesson_05_io_models::LoadReport;

use crate::runtime;

/// Descriptors a load needs besides its connections: stdio, the epoll
/// instances and their wakers, the listener, tokio's own.
const SPARE_FDS: u64 = 32;

/// Raises the soft limit on open files to the hard one, and checks that
/// `clients` connections, with both their ends in this process, fit
/// under it.
pub fn make_room_for(clients: usize) -> shared::Result<()> {
    let limit = shared::net::raise_fd_limit();
    let needed = 2 * clients as u64 + SPARE_FDS;
    if needed > limit {
        return Err(format!(
            "{clients} clients need about {needed} file descriptors in this \
             process (a socket at each end of each connection), and it may \
             open {limit}: raise the limit with `ulimit -n`"
        )
        .into());
    }
    Ok(())
}

/// Round trips done by a load run, and how long they took.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoadStats {
    /// Messages sent and received back, over all clients.
    pub round_trips: u64,
    /// Wall time from the first connect to the last reply.
    pub elapsed: Duration,
}

impl LoadStats {
    /// Round trips per second.
    pub fn per_sec(&self) -> f64 {
        self.round_trips as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// A load generator on our own runtime: `clients` connections, each doing
/// `messages` round trips of a `size`-byte lower-case message and checking
/// that the reply is the same message upper-cased.
pub fn load_ours(
    addr: SocketAddr,
    clients: usize,
    messages: usize,
    size: usize,
) -> shared::Result<LoadStats> {
    let rt = runtime::Runtime::new()?;
    let start = Instant::now();
    let results = rt.block_on(async move {
        let tasks: Vec<_> = (0..clients)
            .map(|c| runtime::spawn(client(addr, c, messages, size)))
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await);
        }
        results
    });
    let elapsed = start.elapsed();
    let mut round_trips = 0;
    for result in results {
        round_trips +=
            result.map_err(|e| format!("an echo client failed: {e}"))?;
    }
    Ok(LoadStats {
        round_trips,
        elapsed,
    })
}

/// One client of [`load_ours`]: its round trips, or the first error.
async fn client(
    addr: SocketAddr,
    c: usize,
    messages: usize,
    size: usize,
) -> std::io::Result<u64> {
    let stream = runtime::TcpStream::connect(addr).await?;
    let message: Vec<u8> =
        (0..size).map(|i| b'a' + ((i + c) % 26) as u8).collect();
    let expected = message.to_ascii_uppercase();
    let mut reply = vec![0u8; size];
    for _ in 0..messages {
        stream.write_all(&message).await?;
        // No framing: read until we have as many bytes as we sent.
        let mut got = 0;
        while got < size {
            let n = stream.read(&mut reply[got..]).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            got += n;
        }
        if reply != expected {
            return Err(std::io::Error::other(
                "the reply is not the message upper-cased",
            ));
        }
    }
    Ok(messages as u64)
}

/// Drives `addr` with `clients` × `messages` round trips of the course's
/// first message: lesson 05's load generator (one thread, mio, every
/// reply checked), so that this lesson's figures compare with lesson
/// 05's models.
pub fn drive(
    addr: SocketAddr,
    clients: usize,
    messages: usize,
) -> shared::Result<LoadReport> {
    lesson_05_io_models::load(addr, clients, messages)
}
