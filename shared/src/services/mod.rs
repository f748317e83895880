//! Real Redis and RabbitMQ servers for the broker lessons and their tests
//! (behind `shared`'s `services` feature, so that the lessons without a
//! broker do not compile the two clients).
//!
//! The broker lessons run against Debian's `redis-server` and
//! `rabbitmq-server`, never a mock. [`RedisServer::start`] and
//! [`RabbitServer::start`] spawn a private server on a free loopback port,
//! with a throwaway data directory under
//! `target/services/<name>-<pid>-<n>/`, and return once it answers (Redis:
//! `PING`; RabbitMQ: an AMQP connection opens). Dropping the value stops the
//! server and removes its directory. [`RedisServer::connect_or_start`] and
//! [`RabbitServer::connect_or_start`] use the server at `REDIS_URL` /
//! `AMQP_URL` instead when it is set, and start nothing.
//!
//! The servers bind 127.0.0.1 only and read nothing from `/etc`: every
//! file they write is under their data directory. They stay in the process
//! group of whoever started them, so a Ctrl-C in the terminal stops them
//! too: a test process interrupted by Ctrl-C dies without running `Drop`,
//! and a server in a group of its own would outlive it. (A test process
//! killed with SIGKILL still leaves its servers running; their directories
//! are named by its PID.) A missing binary is one line that says how to
//! get it.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

mod rabbit;
mod redis;

pub use rabbit::RabbitServer;
pub use redis::RedisServer;

/// The variable `cargo xtask test` sets: a test that finds no server URL
/// under it fails instead of starting a private server, so a broken set-up
/// is loud.
pub const UNDER_XTASK: &str = "COURSE_XTASK_TEST";

/// A server binary the launcher runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binary {
    /// `redis-server`, from Debian's `redis-server` package.
    RedisServer,
    /// `rabbitmq-server`, from Debian's `rabbitmq-server` package.
    RabbitmqServer,
}

impl Binary {
    /// The file name on `PATH`.
    pub fn name(self) -> &'static str {
        match self {
            Binary::RedisServer => "redis-server",
            Binary::RabbitmqServer => "rabbitmq-server",
        }
    }

    /// The variable that names a running server instead.
    pub fn url_variable(self) -> &'static str {
        match self {
            Binary::RedisServer => "REDIS_URL",
            Binary::RabbitmqServer => "AMQP_URL",
        }
    }

    /// The one-line error for a binary that is not there.
    pub fn missing(self) -> String {
        let name = self.name();
        format!(
            "{name} not found on PATH: run cargo xtask services install, \
             or apt-get install {name}, or set {}",
            self.url_variable()
        )
    }
}

/// Debian puts RabbitMQ's tools in `/usr/sbin`, which is on root's `PATH`
/// and not always on a user's; looked at after `PATH`.
const SBIN: [&str; 2] = ["/usr/sbin", "/sbin"];

/// Where `binary` is: the first executable file of that name on `PATH`,
/// then in `/usr/sbin` and `/sbin`.
pub fn find(binary: Binary) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::env::split_paths(&path)
        .chain(SBIN.iter().map(PathBuf::from))
        .collect::<Vec<_>>();
    find_in(binary.name(), &dirs)
}

/// The first executable file called `name` in `dirs`.
fn find_in(name: &str, dirs: &[PathBuf]) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    dirs.iter().map(|dir| dir.join(name)).find(|candidate| {
        candidate
            .metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// A server to talk to: the one a URL variable names, or a private one
/// that lives as long as this value.
pub struct Service<S> {
    url: String,
    private: Option<S>,
}

impl<S> Service<S> {
    /// The server's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The private server, when this value started one.
    pub fn private(&self) -> Option<&S> {
        self.private.as_ref()
    }
}

/// What `connect_or_start` does, from the URL variable and whether the run
/// is `cargo xtask test`.
#[derive(Debug, PartialEq, Eq)]
enum Choice {
    Use(String),
    Start,
    Fail(String),
}

fn choose(binary: Binary, url: Option<String>, under_xtask: bool) -> Choice {
    match url.filter(|url| !url.is_empty()) {
        Some(url) => Choice::Use(url),
        None if under_xtask => Choice::Fail(format!(
            "{} is not set, but this is a `cargo xtask test` run, which sets \
             it: the test run's set-up is broken",
            binary.url_variable()
        )),
        None => Choice::Start,
    }
}

/// The shared half of both `connect_or_start`s.
fn connect_or_start<S>(
    binary: Binary,
    start: impl FnOnce() -> crate::Result<S>,
    url_of: impl Fn(&S) -> String,
) -> crate::Result<Service<S>> {
    let url = std::env::var(binary.url_variable()).ok();
    let under_xtask = std::env::var_os(UNDER_XTASK).is_some();
    match choose(binary, url, under_xtask) {
        Choice::Use(url) => {
            answers(binary, &url).map_err(|e| {
                format!("{}={url} does not answer: {e}", binary.url_variable())
            })?;
            Ok(Service { url, private: None })
        }
        Choice::Fail(message) => Err(message.into()),
        Choice::Start => {
            let server = start()?;
            Ok(Service {
                url: url_of(&server),
                private: Some(server),
            })
        }
    }
}

/// `Ok` when the server at `url` answers: Redis a `PING`, RabbitMQ an
/// AMQP connection that opens (and is closed again).
pub fn answers(binary: Binary, url: &str) -> crate::Result<()> {
    match binary {
        Binary::RedisServer => redis::ping(url),
        Binary::RabbitmqServer => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(rabbit::open(url)),
    }
}

/// `target/services`: the folder of every server's data directory, and of
/// `cargo xtask services up`'s `env` file.
pub fn services_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../target")
        });
    let dir = target.join("services");
    dir.canonicalize().unwrap_or(dir)
}

/// A fresh, empty data directory `<name>-<pid>-<n>` under
/// [`services_dir`]: the process id and a counter keep concurrent test
/// binaries and concurrent tests apart.
fn fresh_dir(name: &str) -> crate::Result<PathBuf> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = services_dir().join(format!("{name}-{}-{n}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

/// `count` distinct loopback ports nobody listens on: `preferred` first
/// when it is free (a busy one is skipped), the others chosen by the
/// kernel. Every port is held until all are chosen, so two are never the
/// same; a server that then loses a port to a race fails to start and says
/// so.
fn free_ports(count: usize, preferred: Option<u16>) -> crate::Result<Vec<u16>> {
    let mut held = Vec::with_capacity(count);
    if let Some(port) = preferred
        && let Ok(listener) = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
    {
        held.push(listener);
    }
    while held.len() < count {
        held.push(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?);
    }
    Ok(held
        .iter()
        .map(|listener| listener.local_addr().map(|a: SocketAddr| a.port()))
        .collect::<std::io::Result<_>>()?)
}

/// Whether process `pid` still runs (a zombie, dead but not yet reaped by
/// its parent, does not count).
pub fn is_running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state is the field after the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.trim_start().chars().next())
            .is_some_and(|state| state != 'Z' && state != 'X'),
        Err(_) => false,
    }
}

/// Sends `signal` to `pid`, ignoring a process already gone.
fn signal(pid: u32, signal: rustix::process::Signal) {
    if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
        let _ = rustix::process::kill_process(pid, signal);
    }
}

/// Waits up to `patience` for `pid` to end; true when it did.
fn wait_gone(pid: u32, patience: Duration) -> bool {
    let deadline = Instant::now() + patience;
    while is_running(pid) {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

/// Polls `answers` until it is true, the server process exits, or
/// `patience` runs out; the error names the log to read.
fn wait_until_answers(
    what: &str,
    child: &mut Child,
    log: &Path,
    patience: Duration,
    mut answers: impl FnMut() -> bool,
) -> crate::Result<()> {
    let deadline = Instant::now() + patience;
    loop {
        if answers() {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            return Err(format!(
                "{what} exited before answering ({status}); its log: {}",
                log.display()
            )
            .into());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "{what} did not answer within {} s; its log: {}",
                patience.as_secs(),
                log.display()
            )
            .into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A server left running by `cargo xtask services up`, to be stopped by
/// `down`: what it takes to find and stop it again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kept {
    /// Which server.
    pub binary: Binary,
    /// The process to stop (RabbitMQ: the Erlang VM).
    pub pid: u32,
    /// Its data directory, removed once it has stopped.
    pub dir: PathBuf,
    /// Its URL.
    pub url: String,
    /// RabbitMQ's node name (`rabbitmqctl -n`); empty for Redis.
    pub node: String,
}

impl Kept {
    /// Stops the server and removes its data directory.
    pub fn stop(&self) -> crate::Result<()> {
        if self.binary == Binary::RabbitmqServer {
            rabbit::stop_node(&self.dir, &self.node);
        }
        stop_pid(self.pid);
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir)?;
        }
        Ok(())
    }
}

/// Ends `pid`: SIGTERM, a few seconds to exit, then SIGKILL.
fn stop_pid(pid: u32) {
    use rustix::process::Signal;
    if !is_running(pid) {
        return;
    }
    signal(pid, Signal::TERM);
    if !wait_gone(pid, Duration::from_secs(10)) {
        signal(pid, Signal::KILL);
        wait_gone(pid, Duration::from_secs(5));
    }
}

impl fmt::Display for Kept {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (pid {}) at {}",
            self.binary.name(),
            self.pid,
            self.url
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_variable_wins_and_xtask_without_one_fails() {
        let url = "redis://127.0.0.1:7000/".to_string();
        assert_eq!(
            choose(Binary::RedisServer, Some(url.clone()), true),
            Choice::Use(url)
        );
        assert_eq!(choose(Binary::RedisServer, None, false), Choice::Start);
        assert_eq!(
            choose(Binary::RedisServer, Some(String::new()), false),
            Choice::Start
        );
        let Choice::Fail(message) = choose(Binary::RabbitmqServer, None, true)
        else {
            panic!("no URL under cargo xtask test must fail");
        };
        assert!(message.starts_with("AMQP_URL is not set"), "{message}");
    }

    #[test]
    fn a_missing_binary_is_one_line_that_says_how_to_get_it() {
        let dirs = [PathBuf::from("/nonexistent")];
        assert_eq!(find_in("redis-server", &dirs), None);
        assert_eq!(
            Binary::RedisServer.missing(),
            "redis-server not found on PATH: run cargo xtask services \
             install, or apt-get install redis-server, or set REDIS_URL"
        );
        assert!(!Binary::RabbitmqServer.missing().contains('\n'));
    }

    #[test]
    fn find_in_wants_an_executable_file() {
        let dirs = [PathBuf::from("/bin"), PathBuf::from("/usr/bin")];
        assert!(find_in("sh", &dirs).is_some());
        // A directory of that name is not a binary.
        assert_eq!(find_in("", &dirs), None);
    }

    #[test]
    fn a_busy_preferred_port_is_skipped() {
        let busy = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = busy.local_addr().unwrap().port();
        let chosen = free_ports(2, Some(port)).unwrap();
        assert!(!chosen.contains(&port), "{chosen:?} includes busy {port}");
        assert_ne!(chosen[0], chosen[1]);
        drop(busy);
        // Free again, it is taken.
        assert_eq!(free_ports(1, Some(port)).unwrap(), [port]);
    }

    #[test]
    fn is_running_knows_this_process_and_a_reaped_child() {
        assert!(is_running(std::process::id()));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!is_running(pid));
    }
}
