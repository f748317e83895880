//! The clients: the course's two-socket client, and a load generator.
//!
//! [`course_client`] is the course's `select socket client` line for line: two
//! sockets, three messages, each sent on both sockets before both replies
//! are read, printing what it sent and what came back. One thing is fixed:
//! the course reads each reply with one `recv(1024)`, which may return part
//! of it (TCP is a stream, not a list of messages). Since the protocol
//! keeps lengths, the client reads until it has as many bytes as it sent.
//!
//! [`load`] drives many connections at once from one thread, with mio: the
//! client side of a benchmark should cost as little CPU as possible, so
//! that the figure measures the server (and one thread per client would
//! put 200 threads between the server and its two cores).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use mio::net::TcpStream as MioStream;
use mio::{Events, Interest, Poll, Token};
use shared::net::is_out_of_descriptors;
use shared::py::{self, PATIENCE};
use shared::{Lane, Trace, Transcript};

/// The course client's three messages.
pub const MESSAGES: [&[u8]; 3] =
    [b"This is the message. ", b"It will be sent ", b"in parts."];

// ANCHOR: course_client
/// The course's client against `addr`: two sockets, the three messages on
/// both, every line printed through `out` (tagged with the lane `client`).
pub fn course_client(
    addr: SocketAddr,
    out: &Transcript,
    trace: &Trace,
) -> shared::Result<()> {
    let lane = trace.lane("client");
    out.say(
        &lane,
        format!("connecting to {} port {}", addr.ip(), addr.port()),
    );
    let mut socks = Vec::new();
    for _ in 0..2 {
        let sock = TcpStream::connect(addr)
            .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        sock.set_read_timeout(Some(PATIENCE))?;
        socks.push(sock);
    }
    for message in MESSAGES {
        // Send on both sockets...
        for sock in &mut socks {
            let name = py::addr(sock.local_addr()?);
            out.say(
                &lane,
                format!("{name}: sending \"{}\"", py::bytes(message)),
            );
            sock.write_all(message)
                .map_err(|e| format!("cannot send to {addr}: {e}"))?;
        }
        // ...then read both replies, and check each is the message
        // upper-cased: a peer that is not an echo server is an error.
        for sock in &mut socks {
            let name = py::addr(sock.local_addr()?);
            let reply = read_reply(sock, message.len(), &lane)
                .map_err(|e| format!("{addr} ({name}): {e}"))?;
            check_reply(addr, message, &reply)?;
            out.say(
                &lane,
                format!("{name}: received \"{}\"", py::bytes(&reply)),
            );
        }
    }
    Ok(())
}
// ANCHOR_END: course_client

/// Whether `reply` is `sent` upper-cased; if not, an error that names the
/// peer and shows both, as Python would print them.
fn check_reply(
    peer: SocketAddr,
    sent: &[u8],
    reply: &[u8],
) -> shared::Result<()> {
    let due = sent.to_ascii_uppercase();
    if reply.len() < due.len() {
        return Err(format!(
            "{peer} closed the connection after {} of the {} bytes of the \
             reply to {}",
            reply.len(),
            due.len(),
            py::bytes(sent)
        )
        .into());
    }
    if reply != due {
        return Err(format!(
            "wrong reply from {peer}: {} where {} was due (is it this \
             lesson's echo server?)",
            py::bytes(reply),
            py::bytes(&due)
        )
        .into());
    }
    Ok(())
}

/// Reads exactly `len` bytes, or fewer if the server closes first.
fn read_reply(
    sock: &mut TcpStream,
    len: usize,
    lane: &Lane,
) -> shared::Result<Vec<u8>> {
    let _wait = crate::span(lane, shared::State::Waiting, || "recv".into());
    let mut reply = vec![0; len];
    let mut got = 0;
    while got < len {
        match sock.read(&mut reply[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // The read timeout ran out.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                return Err(format!(
                    "no reply within {PATIENCE:?} (a blocking server serves \
                     one client at a time: this socket waits for the other \
                     to hang up)"
                )
                .into());
            }
            Err(e) => return Err(format!("no reply: {e}").into()),
        }
    }
    reply.truncate(got);
    Ok(reply)
}

/// What [`load_with`] does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadConfig {
    /// Connections, all open and busy at once.
    pub clients: usize,
    /// Round trips per connection.
    pub messages: usize,
    /// The bytes each round trip sends (the reply is them upper-cased).
    pub message: Vec<u8>,
}

impl LoadConfig {
    /// `clients` × `messages` round trips of the course's first message.
    pub fn new(clients: usize, messages: usize) -> LoadConfig {
        LoadConfig {
            clients,
            messages,
            message: MESSAGES[0].to_vec(),
        }
    }
}

/// What a [`load`] run measured.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadReport {
    /// Round trips completed (and checked).
    pub round_trips: u64,
    /// From the first message sent to the last reply checked (connecting
    /// is not included).
    pub elapsed: Duration,
    /// Connections used.
    pub clients: usize,
    /// CPU time of the client thread itself, over the same span.
    pub client_cpu: Duration,
    /// The longest any client waited, from the start, for its first
    /// reply: fairness. A server that serves one client at a time can
    /// post a fine round-trips figure while its last client waits for
    /// everyone else to finish.
    pub slowest_first_reply: Duration,
}

impl LoadReport {
    /// Round trips per second of wall time.
    pub fn round_trips_per_sec(&self) -> f64 {
        self.round_trips as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Drives `clients` connections × `messages` round trips of the course's
/// first message against `addr`, all connections at once.
pub fn load(
    addr: SocketAddr,
    clients: usize,
    messages: usize,
) -> shared::Result<LoadReport> {
    load_with(addr, &LoadConfig::new(clients, messages))
}

/// One client connection of the load generator.
struct Client {
    stream: MioStream,
    left: usize,
    written: usize,
    got: usize,
    first_reply: Option<Duration>,
}

/// Drives `config.clients` connections × `config.messages` round trips
/// against `addr` from this thread; each round trip writes the message,
/// reads the same number of bytes back and checks they are the message
/// upper-cased. Fails on a wrong reply, a closed connection, or a server
/// silent for [`PATIENCE`].
pub fn load_with(
    addr: SocketAddr,
    config: &LoadConfig,
) -> shared::Result<LoadReport> {
    let message = &config.message[..];
    let mut expected = message.to_vec();
    crate::conn::upper(&mut expected);
    let mut poll = Poll::new()?;
    let mut clients = Vec::with_capacity(config.clients);
    for i in 0..config.clients {
        // A blocking connect, then non-blocking for the loop: simpler than
        // waiting for a non-blocking connect to complete, and connecting is
        // not what we measure.
        let stream = TcpStream::connect(addr)
            .map_err(|e| connect_error(addr, i, config.clients, &e))?;
        stream.set_nonblocking(true)?;
        stream.set_nodelay(true)?;
        let mut stream = MioStream::from_std(stream);
        poll.registry().register(
            &mut stream,
            Token(i),
            Interest::READABLE | Interest::WRITABLE,
        )?;
        clients.push(Client {
            stream,
            left: config.messages,
            written: 0,
            got: 0,
            first_reply: None,
        });
    }
    let cpu_before = thread_cpu();
    let start = Instant::now();
    let mut round_trips = 0u64;
    let mut running = clients.iter().filter(|c| c.left > 0).count();
    let mut buf = vec![0; message.len().max(1)];
    let mut events = Events::with_capacity(1024);
    // Registering already produced a writable edge for every client, so
    // the first poll starts them all.
    while running > 0 {
        match poll.poll(&mut events, Some(PATIENCE)) {
            Ok(()) => {}
            // A signal arrived while we slept: not an error, wait again.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
        if events.is_empty() {
            return Err(format!(
                "the server at {addr} did not answer for {PATIENCE:?}"
            )
            .into());
        }
        for event in &events {
            let client = &mut clients[event.token().0];
            if client.left == 0 {
                continue;
            }
            let done = pump(client, message, &expected, &mut buf)?;
            round_trips += done;
            if done > 0 && client.first_reply.is_none() {
                client.first_reply = Some(start.elapsed());
            }
            if client.left == 0 {
                running -= 1;
                // Hang up at once: the blocking server serves the next
                // client only when this one closes.
                poll.registry().deregister(&mut client.stream)?;
                client.stream.shutdown(std::net::Shutdown::Both)?;
            }
        }
    }
    let elapsed = start.elapsed();
    Ok(LoadReport {
        round_trips,
        elapsed,
        clients: config.clients,
        client_cpu: thread_cpu().saturating_sub(cpu_before),
        slowest_first_reply: clients
            .iter()
            .filter_map(|c| c.first_reply)
            .max()
            .unwrap_or_default(),
    })
}

/// Why client `i` of `clients` could not connect, in words a learner can
/// act on: out of descriptors is said as such, with the limit to raise.
fn connect_error(
    addr: SocketAddr,
    i: usize,
    clients: usize,
    error: &io::Error,
) -> String {
    if is_out_of_descriptors(error) {
        let limit =
            rustix::process::getrlimit(rustix::process::Resource::Nofile);
        let soft = limit.current.map_or("none".into(), |n| n.to_string());
        format!(
            "cannot open client {} of {clients}: out of file descriptors \
             ({error}, soft limit {soft}); every client holds one, and one \
             more on the server's side when it runs in this process: use \
             fewer --clients, or raise the limit (`ulimit -n`)",
            i + 1
        )
    } else {
        format!("cannot connect to {addr}: {error}")
    }
}

/// Writes and reads for one client until both would block (edge-triggered
/// rules, as in the mio server); returns the round trips it completed.
fn pump(
    client: &mut Client,
    message: &[u8],
    expected: &[u8],
    buf: &mut [u8],
) -> shared::Result<u64> {
    let mut done = 0;
    loop {
        let mut moved = false;
        if client.written < message.len() {
            match client.stream.write(&message[client.written..]) {
                Ok(n) => {
                    client.written += n;
                    moved = true;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("send failed: {e}").into()),
            }
        }
        let want = message.len() - client.got;
        match client.stream.read(&mut buf[..want]) {
            Ok(0) => return Err("the server closed the connection".into()),
            Ok(n) => {
                if buf[..n] != expected[client.got..client.got + n] {
                    return Err(format!(
                        "wrong reply: {} where {} was due",
                        py::bytes(&buf[..n]),
                        py::bytes(&expected[client.got..client.got + n])
                    )
                    .into());
                }
                client.got += n;
                moved = true;
                if client.got == message.len() {
                    done += 1;
                    client.left -= 1;
                    client.written = 0;
                    client.got = 0;
                    if client.left == 0 {
                        return Ok(done);
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("recv failed: {e}").into()),
        }
        if !moved {
            return Ok(done);
        }
    }
}

/// CPU time of the calling thread (user + system).
pub fn thread_cpu() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}
