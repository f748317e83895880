//! A private `redis-server` (see the [module opening](super)).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{Binary, Kept, Service};

/// How long a Redis server may take to answer its first `PING` (it takes
/// a few milliseconds; the margin is for a loaded machine).
const PATIENCE: Duration = Duration::from_secs(20);

/// A private `redis-server` on a loopback port, stopped (and its data
/// directory removed) on drop. Persistence is off: no RDB snapshot, no
/// append-only file.
pub struct RedisServer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts a server on a free port and returns once it answers `PING`.
    pub fn start() -> crate::Result<Self> {
        Self::start_preferring(None)
    }

    /// [`start`](Self::start), on `preferred` when that port is free.
    pub fn start_preferring(preferred: Option<u16>) -> crate::Result<Self> {
        Self::start_from(super::find(Binary::RedisServer), preferred)
    }

    /// Starts the `redis-server` at `binary`: none found is the one-line
    /// error that says how to get it.
    fn start_from(
        binary: Option<PathBuf>,
        preferred: Option<u16>,
    ) -> crate::Result<Self> {
        let binary = binary.ok_or_else(|| Binary::RedisServer.missing())?;
        let port = super::free_ports(1, preferred)?[0];
        let dir = super::fresh_dir("redis")?;
        let log = dir.join("redis.log");
        let spawned = Command::new(&binary)
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .arg("--dir")
            .arg(&dir)
            .arg("--logfile")
            .arg(&log)
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(
                    format!("cannot run {}: {e}", binary.display()).into()
                );
            }
        };
        let mut server = Self { child, port, dir };
        let url = server.url();
        super::wait_until_answers(
            "redis-server",
            &mut server.child,
            &log,
            PATIENCE,
            || ping(&url).is_ok(),
        )?;
        Ok(server)
    }

    /// The server at `REDIS_URL` when it is set, or else a private one
    /// started here.
    pub fn connect_or_start() -> crate::Result<Service<Self>> {
        super::connect_or_start(Binary::RedisServer, Self::start, Self::url)
    }

    /// `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Leaves the server running past this value (`cargo xtask services
    /// up`); [`Kept::stop`] stops it.
    pub fn keep(self) -> Kept {
        let kept = Kept {
            binary: Binary::RedisServer,
            pid: self.pid(),
            dir: self.dir.clone(),
            url: self.url(),
            node: String::new(),
        };
        std::mem::forget(self);
        kept
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        super::stop_pid(self.child.id());
        // Reap it, so no zombie is left behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Connects to `url` and sends `PING`: `Ok` when the answer is `PONG`.
pub(super) fn ping(url: &str) -> crate::Result<()> {
    let client = redis::Client::open(url)?;
    let mut connection =
        client.get_connection_with_timeout(Duration::from_secs(1))?;
    let answer: String = redis::cmd("PING").query(&mut connection)?;
    if answer == "PONG" {
        Ok(())
    } else {
        Err(format!("{url} answered PING with {answer:?}").into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::is_running;

    #[test]
    fn no_binary_is_the_one_line_error_and_starts_nothing() {
        let Err(error) = RedisServer::start_from(None, None) else {
            panic!("started a server without a binary");
        };
        assert_eq!(error.to_string(), Binary::RedisServer.missing());
    }

    #[test]
    #[ignore = "needs Redis: cargo xtask test runs it"]
    fn starts_answers_and_leaves_nothing_behind() {
        let server = RedisServer::start().unwrap();
        let (pid, dir) = (server.pid(), server.dir().to_path_buf());
        assert!(server.url().starts_with("redis://127.0.0.1:"));
        ping(&server.url()).unwrap();
        let client = redis::Client::open(server.url()).unwrap();
        let mut connection = client.get_connection().unwrap();
        let _: () = redis::cmd("SET")
            .arg("baozi")
            .arg(3)
            .query(&mut connection)
            .unwrap();
        let baozi: u32 = redis::cmd("GET")
            .arg("baozi")
            .query(&mut connection)
            .unwrap();
        assert_eq!(baozi, 3);
        assert!(dir.is_dir() && is_running(pid));
        drop(server);
        assert!(!dir.exists(), "{} left behind", dir.display());
        assert!(!is_running(pid), "redis-server {pid} still runs");
    }

    #[test]
    #[ignore = "needs Redis: cargo xtask test runs it"]
    fn connect_or_start_uses_redis_url_or_starts_its_own() {
        let service = RedisServer::connect_or_start().unwrap();
        ping(service.url()).unwrap();
        let url_set = std::env::var_os("REDIS_URL").is_some();
        assert_eq!(service.private().is_some(), !url_set);
    }

    #[test]
    #[ignore = "needs Redis: cargo xtask test runs it"]
    fn two_servers_at_once_get_different_ports() {
        let first = RedisServer::start().unwrap();
        let second = RedisServer::start().unwrap();
        assert_ne!(first.port(), second.port());
        assert_ne!(first.dir(), second.dir());
        ping(&first.url()).unwrap();
        ping(&second.url()).unwrap();
    }

    #[test]
    #[ignore = "needs Redis: cargo xtask test runs it"]
    fn a_busy_port_is_skipped() {
        let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = busy.local_addr().unwrap().port();
        let server = RedisServer::start_preferring(Some(port)).unwrap();
        assert_ne!(server.port(), port);
        ping(&server.url()).unwrap();
    }

    #[test]
    #[ignore = "needs Redis: cargo xtask test runs it"]
    fn a_server_killed_with_sigkill_does_not_stop_the_next_start() {
        let server = RedisServer::start().unwrap();
        let (pid, dir) = (server.pid(), server.dir().to_path_buf());
        crate::services::signal(pid, rustix::process::Signal::KILL);
        drop(server);
        assert!(!dir.exists() && !is_running(pid));
        let next = RedisServer::start().unwrap();
        ping(&next.url()).unwrap();
    }

    #[test]
    #[ignore = "needs Redis: cargo xtask test runs it"]
    fn a_kept_server_runs_until_stopped() {
        let kept = RedisServer::start().unwrap().keep();
        ping(&kept.url).unwrap();
        assert!(is_running(kept.pid));
        kept.stop().unwrap();
        assert!(!is_running(kept.pid) && !kept.dir.exists());
    }
}
