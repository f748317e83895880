//! `net`: the three things every server and load generator of the course
//! does the same way, so that none of them dies or spins when the machine
//! runs short of descriptors.
//!
//! - [`listen`]: a loopback listener with one listen backlog,
//!   [`LISTEN_BACKLOG`], for every lesson. With the standard library's 128,
//!   2,000 quick connects overflow the queue and the kernel drops SYNs that
//!   the client retries a second later.
//! - [`raise_fd_limit`]: the soft limit on open files raised to the hard
//!   one. Every connection holds a descriptor (two when client and server
//!   share a process), and the usual soft limit of 1,024 stops a load of
//!   2,000 clients halfway.
//! - [`MAX_BODY`]: the one cap on what a client reads from a peer.
//! - [`AcceptBackoff`]: what an accept loop does when `accept` fails.
//!   Out of descriptors (`EMFILE`), the listener stays readable, because the
//!   connection is still queued: a loop that retries at once spins at 100 %
//!   of a core, and a loop that gives up (`accept().await?`) stops
//!   listening for good. The answer is to say so once, stop accepting for
//!   a few milliseconds while the open connections are served (some of them
//!   will close and free descriptors), then try again.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpListener};
use std::time::Duration;

/// The most bytes a client of the course reads from one peer's answer (a
/// response body, a reply, a file): 64 MiB, enough for any page and a
/// bound, so that a peer that never stops sending cannot fill the memory.
/// Past it, the read is a failure with that reason, not an allocation.
pub const MAX_BODY: u64 = 64 << 20;

/// The listen backlog every lesson's server asks for. Linux caps it at
/// `net.core.somaxconn` (4,096 by default).
pub const LISTEN_BACKLOG: i32 = 4096;

/// A listening socket on `127.0.0.1:port` (0: a free port the kernel
/// picks), with [`LISTEN_BACKLOG`], close-on-exec and `SO_REUSEADDR` (a
/// server restarted on the same port does not wait for `TIME_WAIT`).
///
/// Returned as a blocking std listener; set it non-blocking, or convert it
/// (`tokio::net::TcpListener::from_std`, `mio::net::TcpListener::from_std`),
/// as the server needs.
pub fn listen(port: u16) -> io::Result<TcpListener> {
    listen_on(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port))
}

/// [`listen`] on a given IPv4 address.
pub fn listen_on(addr: SocketAddrV4) -> io::Result<TcpListener> {
    use rustix::net::{AddressFamily, SocketFlags, SocketType};
    let context = |e: rustix::io::Errno| {
        let e = io::Error::from(e);
        io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}"))
    };
    let fd = rustix::net::socket_with(
        AddressFamily::INET,
        SocketType::STREAM,
        SocketFlags::CLOEXEC,
        None,
    )
    .map_err(context)?;
    rustix::net::sockopt::set_socket_reuseaddr(&fd, true).map_err(context)?;
    rustix::net::bind(&fd, &SocketAddr::V4(addr)).map_err(context)?;
    rustix::net::listen(&fd, LISTEN_BACKLOG).map_err(context)?;
    Ok(TcpListener::from(fd))
}

/// Raises this process's soft limit on open files to its hard limit, and
/// returns the soft limit now in force. A refusal (a sandbox) leaves the
/// old limit, which is returned.
pub fn raise_fd_limit() -> u64 {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        let raised = Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        let _ = setrlimit(Resource::Nofile, raised);
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

/// Whether `error` means this process (or the system) is out of
/// descriptors or socket memory: the errors that retrying at once cannot
/// fix.
pub fn is_out_of_descriptors(error: &io::Error) -> bool {
    use rustix::io::Errno;
    let Some(code) = error.raw_os_error() else {
        return false;
    };
    let errno = Errno::from_raw_os_error(code);
    [Errno::MFILE, Errno::NFILE, Errno::NOBUFS, Errno::NOMEM].contains(&errno)
}

/// Says what an accept error means in words a learner can act on.
pub fn describe_accept_error(error: &io::Error) -> String {
    use rustix::io::Errno;
    match error.raw_os_error().map(Errno::from_raw_os_error) {
        Some(Errno::MFILE) => format!(
            "accept: out of file descriptors (EMFILE, soft limit {}): {error}; \
             pausing accepts until connections close (raise it with \
             `ulimit -n`)",
            current_fd_limit()
        ),
        Some(Errno::NFILE) => format!(
            "accept: the system is out of file descriptors (ENFILE): {error}; \
             pausing accepts"
        ),
        _ => format!("accept: {error}"),
    }
}

fn current_fd_limit() -> String {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    match limit.current {
        Some(n) => n.to_string(),
        None => "unlimited".to_owned(),
    }
}

/// What an accept loop does with a failed `accept`: log it once, and pause
/// accepting for [`AcceptBackoff::PAUSE`] if retrying at once would spin.
///
/// ```
/// use shared::net::AcceptBackoff;
/// let mut backoff = AcceptBackoff::new("[server]");
/// let emfile = std::io::Error::from_raw_os_error(24);
/// assert_eq!(backoff.on_error(&emfile), Some(AcceptBackoff::PAUSE));
/// // A connection reset before we accepted it: just accept the next one.
/// let aborted = std::io::Error::from(std::io::ErrorKind::ConnectionAborted);
/// assert_eq!(backoff.on_error(&aborted), None);
/// ```
#[derive(Debug)]
pub struct AcceptBackoff {
    tag: String,
    logged: bool,
}

impl AcceptBackoff {
    /// How long accepting pauses after running out of descriptors: long
    /// enough not to spin, short enough that a freed descriptor is used
    /// almost at once.
    pub const PAUSE: Duration = Duration::from_millis(5);

    /// A back-off whose one log line starts with `tag` (`"[server]"`).
    pub fn new(tag: &str) -> AcceptBackoff {
        AcceptBackoff {
            tag: tag.to_owned(),
            logged: false,
        }
    }

    /// Handles a failed accept: logs the first one on stderr, and returns
    /// how long to stop accepting, or `None` to accept again at once (the
    /// error was about that one connection, not about us).
    pub fn on_error(&mut self, error: &io::Error) -> Option<Duration> {
        let out_of_descriptors = is_out_of_descriptors(error);
        if !self.logged {
            self.logged = true;
            eprintln!("{} {}", self.tag, describe_accept_error(error));
        }
        out_of_descriptors.then_some(Self::PAUSE)
    }
}
