//! Lesson 07: `hold`: what a live, idle connection costs each runtime.
//!
//! N clients connect and do one round trip each, so that every
//! connection's handler is parked in `recv`; then the server's resident
//! memory is read again: (RSS after − RSS before) ÷ N is what one parked
//! connection costs in the server's process: a task's touched stack pages
//! and its bookkeeping (hub, may), a task's future (tokio), a thread's
//! stack (threads). The kernel's socket buffers are not in RSS;
//! `/proc/net/sockstat`'s `TCP … mem` (pages, both ends of every
//! connection) is shown beside it.
//!
//! **The descriptor ceiling.** Each connection is a descriptor in the
//! server and one in the client. This machine allows each process 20,000
//! open files (the hard limit, which even root cannot pass without
//! changing it), so 10,000 connections with both ends in one process do
//! not fit: the clients run in a child process ([`Clients::Child`]). The
//! soft limit is raised to the hard one first (`ulimit -n` in a shell;
//! `setrlimit` here, `shared::net::raise_fd_limit`), and a count that
//! still would not fit is refused with the limit named.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::handler::{Log, Mode};
use crate::serve::{Runtime, Server};

/// Descriptors a process needs besides its connections: stdio, epoll
/// instances, the listener, runtime internals.
pub const SPARE_FDS: u64 = 64;

/// Where the holding clients run.
#[derive(Clone, Debug)]
pub enum Clients {
    /// In a child process running this program (its hidden `hold-client`
    /// subcommand): each side then has the whole descriptor limit.
    Child(PathBuf),
    /// Threads of this process: both ends count against one limit. A
    /// client socket holds no user-space memory, so RSS is not skewed.
    InProcess,
}

/// What `hold` measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HoldReport {
    /// Connections held.
    pub connections: usize,
    /// Server-side resident bytes per held connection.
    pub bytes_per_conn: f64,
    /// Kernel TCP buffer memory per connection (both ends), from
    /// `/proc/net/sockstat`.
    pub kernel_bytes_per_conn: f64,
}

/// Checks that `connections` fit under the descriptor limit (raised to
/// the hard one first), with `ends` of each connection in this process.
pub fn make_room_for(connections: usize, ends: u64) -> shared::Result<()> {
    let limit = shared::net::raise_fd_limit();
    let needed = ends * connections as u64 + SPARE_FDS;
    if needed > limit {
        return Err(format!(
            "{connections} connections need about {needed} file descriptors \
             in this process, and its limit on open files (RLIMIT_NOFILE, \
             raised to the hard limit) is {limit}: ask for at most {}",
            (limit - SPARE_FDS.min(limit)) / ends
        )
        .into());
    }
    Ok(())
}

/// Holds `connections` idle connections to `runtime`'s server and reports
/// what they cost.
pub fn hold(
    runtime: Runtime,
    connections: usize,
    clients: Clients,
) -> shared::Result<HoldReport> {
    let ends = match clients {
        Clients::Child(_) => 1,
        Clients::InProcess => 2,
    };
    make_room_for(connections, ends)?;
    let server = Server::start(runtime, 0, Mode::Fixed, Log::silent())?;
    // Warm the runtime up with one connection, so its own start-up
    // allocations are not counted.
    open_and_greet(server.addr(), 1)?;
    std::thread::sleep(Duration::from_millis(50));
    let rss_before = resident_bytes()?;
    let kernel_before = sockstat_tcp_mem_bytes()?;
    let held: Box<dyn std::any::Any> = match clients {
        Clients::InProcess => {
            Box::new(open_and_greet(server.addr(), connections)?)
        }
        Clients::Child(exe) => {
            Box::new(child_clients(&exe, server.addr(), connections)?)
        }
    };
    std::thread::sleep(Duration::from_millis(100));
    let rss_after = resident_bytes()?;
    let kernel_after = sockstat_tcp_mem_bytes()?;
    drop(held);
    server.stop()?;
    let n = connections as f64;
    Ok(HoldReport {
        connections,
        bytes_per_conn: (rss_after as f64 - rss_before as f64) / n,
        kernel_bytes_per_conn: (kernel_after as f64 - kernel_before as f64) / n,
    })
}

/// Holds `connections` idle connections to a server already listening on
/// `port`, in the process `pid` (gevent's, say), clients in a child
/// running `exe`, and reports its resident bytes per connection.
pub fn hold_external(
    port: u16,
    pid: u32,
    connections: usize,
    exe: &Path,
) -> shared::Result<HoldReport> {
    make_room_for(connections, 1)?;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let status = PathBuf::from(format!("/proc/{pid}/status"));
    open_and_greet(addr, 1)?;
    std::thread::sleep(Duration::from_millis(50));
    let rss_before = resident_bytes_of(&status)?;
    let kernel_before = sockstat_tcp_mem_bytes()?;
    let held = child_clients(exe, addr, connections)?;
    std::thread::sleep(Duration::from_millis(100));
    let rss_after = resident_bytes_of(&status)?;
    let kernel_after = sockstat_tcp_mem_bytes()?;
    drop(held);
    let n = connections as f64;
    Ok(HoldReport {
        connections,
        bytes_per_conn: (rss_after as f64 - rss_before as f64) / n,
        kernel_bytes_per_conn: (kernel_after as f64 - kernel_before as f64) / n,
    })
}

/// Opens `connections` connections and does one round trip on each.
pub fn open_and_greet(
    addr: SocketAddr,
    connections: usize,
) -> io::Result<Vec<TcpStream>> {
    let mut held = Vec::with_capacity(connections);
    let mut buf = [0; 7];
    for _ in 0..connections {
        let mut conn = TcpStream::connect(addr)?;
        conn.set_read_timeout(Some(shared::py::PATIENCE))?;
        conn.write_all(b"hello 0")?;
        conn.read_exact(&mut buf)?;
        held.push(conn);
    }
    Ok(held)
}

/// The child running `hold-client`: alive until its stdin closes.
struct ChildClients(std::process::Child);

impl Drop for ChildClients {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

fn child_clients(
    exe: &Path,
    addr: SocketAddr,
    connections: usize,
) -> shared::Result<ChildClients> {
    let mut child = ChildClients(
        Command::new(exe)
            .args(["hold-client", "--port", &addr.port().to_string()])
            .args(["--connections", &connections.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?,
    );
    let stdout = child.0.stdout.take().ok_or("no stdout from the child")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    if line.trim() != "held" {
        return Err(
            format!("the holding clients failed: {}", line.trim()).into()
        );
    }
    Ok(child)
}

/// The child's side: opens and greets `connections`, says `held`, and
/// keeps them until stdin closes.
pub fn hold_client(port: u16, connections: usize) -> shared::Result<()> {
    make_room_for(connections, 1)?;
    let held = open_and_greet(([127, 0, 0, 1], port).into(), connections)
        .map_err(|e| format!("after connecting: {e}"))?;
    shared::outln!("held")?;
    let mut rest = Vec::new();
    let _ = io::stdin().read_to_end(&mut rest);
    drop(held);
    Ok(())
}

/// This process's resident set, from `/proc/self/status`.
pub fn resident_bytes() -> io::Result<u64> {
    resident_bytes_of(Path::new("/proc/self/status"))
}

/// A process's resident set, from its `/proc/PID/status`.
fn resident_bytes_of(status: &Path) -> io::Result<u64> {
    let status = std::fs::read_to_string(status)?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| {
            v.trim().trim_end_matches("kB").trim().parse::<u64>().ok()
        })
        .map(|kb| kb * 1024)
        .ok_or_else(|| io::Error::other("no VmRSS in /proc/self/status"))
}

/// The kernel's TCP buffer memory, all sockets: `/proc/net/sockstat`'s
/// `TCP: … mem P` (pages of 4 KiB).
pub fn sockstat_tcp_mem_bytes() -> io::Result<u64> {
    let text = std::fs::read_to_string("/proc/net/sockstat")?;
    let tcp = text
        .lines()
        .find(|l| l.starts_with("TCP:"))
        .ok_or_else(|| io::Error::other("no TCP line in /proc/net/sockstat"))?;
    let mut words = tcp.split_whitespace();
    while let Some(word) = words.next() {
        if word == "mem" {
            let pages: u64 =
                words.next().and_then(|p| p.parse().ok()).ok_or_else(|| {
                    io::Error::other("a bad mem in /proc/net/sockstat")
                })?;
            return Ok(pages * 4096);
        }
    }
    Err(io::Error::other("no mem in /proc/net/sockstat's TCP line"))
}
