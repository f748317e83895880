//! The lesson's binary under a descriptor limit, and its listen backlog.
//!
//! Each limited run is a child process with its own `RLIMIT_NOFILE`, set
//! between `fork` and `exec`, so the limit never touches this process.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;

use lesson_06_event_loop::runtime::{Runtime, TcpListener};
use lesson_06_event_loop::{EchoServer, Engine};
use rustix::process::{Resource, getrlimit};
use shared::cli_check::{LessonBinary, with_fd_limit};
use shared::net::LISTEN_BACKLOG;
use shared::py::PATIENCE;

const BIN: &str = env!("CARGO_BIN_EXE_lesson-06-event-loop");

/// The lesson's binary with `args`, whose descriptor limits will be
/// `soft` and `hard`.
fn limited(soft: u64, hard: u64, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.args(args).env_remove("RUST_BACKTRACE");
    with_fd_limit(&mut command, soft, hard);
    command
}

/// `serve` running in a child process: where it listens, and its stderr
/// line by line. Dropping it kills the child.
struct Server {
    child: Child,
    addr: SocketAddr,
    stderr: mpsc::Receiver<String>,
}

impl Server {
    fn start(engine: &str, fd_limit: u64) -> Server {
        let args = ["serve", "--engine", engine, "--port", "0", "--secs", "60"];
        let mut child = limited(fd_limit, fd_limit, &args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // "[main] ours echo server on 127.0.0.1:P for 60 s (try: ...)"
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let addr = first
            .split_whitespace()
            .nth(5)
            .and_then(|word| word.parse().ok())
            .unwrap_or_else(|| panic!("no address in {first:?}"));
        let (lines, stderr) = mpsc::channel();
        let pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        Server {
            child,
            addr,
            stderr,
        }
    }

    /// Stops the server and returns what else it said on stderr.
    fn stop(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The pipe is closed now: the reader thread ends, and so does this.
        self.stderr.iter().collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One round trip to an echo server: the reply to `message`.
fn round_trip(addr: SocketAddr, message: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(PATIENCE))?;
    stream.write_all(message)?;
    let mut reply = vec![0; message.len()];
    stream.read_exact(&mut reply)?;
    Ok(reply)
}

#[test]
fn out_of_descriptors_the_server_says_so_once_and_serves_again() {
    for engine in ["ours", "tokio"] {
        let server = Server::start(engine, 64);
        assert_eq!(round_trip(server.addr, b"first").unwrap(), b"FIRST");
        // More connections than the server has descriptors: its accept
        // fails with EMFILE while they are all open.
        let crowd: Vec<TcpStream> = (0..100)
            .map(|_| TcpStream::connect(server.addr).unwrap())
            .collect();
        let said = server.stderr.recv_timeout(PATIENCE).unwrap_or_else(|_| {
            panic!("{engine}: the server never said it ran out of descriptors")
        });
        assert!(said.contains("out of file descriptors"), "{engine}: {said}");
        // Once they leave, the server is listening still, and serves.
        drop(crowd);
        for n in 0..5 {
            let message = format!("after the crowd, {n}");
            let reply = round_trip(server.addr, message.as_bytes())
                .unwrap_or_else(|e| panic!("{engine}: client {n}: {e}"));
            assert_eq!(reply, message.to_ascii_uppercase().as_bytes());
        }
        let rest = server.stop();
        assert!(rest.is_empty(), "{engine}: said more than once: {rest:?}");
    }
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn load_raises_the_soft_limit_for_two_thousand_clients() {
    let hard = getrlimit(Resource::Nofile).maximum.unwrap_or(u64::MAX);
    // Two descriptors per client (its socket and the server's), plus a few.
    if hard < 4_100 {
        eprintln!("not checked: the hard limit, {hard}, is below 4,100");
        return;
    }
    for engine in ["ours", "tokio"] {
        let args = [
            "load",
            "--engine",
            engine,
            "--clients",
            "2000",
            "--messages",
            "1",
        ];
        let output = limited(1024, hard, &args).output().unwrap();
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "{engine}: {stdout}{stderr}");
        assert!(stdout.contains(": 2000 round trips in "), "{stdout}");
    }
}

#[test]
fn more_clients_than_descriptors_is_one_error_that_says_so() {
    for engine in ["ours", "tokio"] {
        let args = [
            "load",
            "--engine",
            engine,
            "--clients",
            "300",
            "--messages",
            "1",
        ];
        let output = limited(256, 256, &args).output().unwrap();
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{engine}: {stderr}");
        assert!(stderr.starts_with("error: "), "{engine}: {stderr}");
        assert!(stderr.contains("file descriptors"), "{engine}: {stderr}");
        assert!(!stderr.contains("refused"), "{engine}: {stderr}");
    }
}

/// The backlog of the socket listening on `port`, as `ss` reports it (its
/// Send-Q column, for a listening socket).
fn backlog_of(port: u16) -> u32 {
    let filter = format!("sport = :{port}");
    let output = Command::new("ss")
        .args(["-Hltn", &filter])
        .output()
        .expect("ss (iproute2) reads the listen backlog");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let columns: Vec<&str> = stdout.split_whitespace().collect();
    columns
        .get(2)
        .and_then(|column| column.parse().ok())
        .unwrap_or_else(|| panic!("no listener on {port} in {stdout:?}"))
}

#[test]
fn every_listener_has_the_shared_backlog() {
    // Linux caps a backlog at net.core.somaxconn.
    let cap = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(u32::MAX);
    let expected = (LISTEN_BACKLOG as u32).min(cap);
    for &engine in Engine::all() {
        let server = EchoServer::start(engine).unwrap();
        assert_eq!(backlog_of(server.addr().port()), expected, "{engine}");
    }
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let listener =
            TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
        let port = listener.local_addr().unwrap().port();
        assert_eq!(backlog_of(port), expected, "runtime::TcpListener");
    });
}

#[test]
fn serve_and_load_on_a_full_disk_say_so_in_one_line() {
    for args in SERVE_AND_LOAD {
        LessonBinary::new(BIN).assert_full_disk_is_one_error(args);
    }
}

#[test]
fn serve_and_load_into_a_closed_pipe_end_quietly() {
    for args in SERVE_AND_LOAD {
        LessonBinary::new(BIN).assert_closed_pipe_is_quiet(args);
    }
}

/// A short `serve` and a short `load`: both print as they start.
const SERVE_AND_LOAD: [&[&str]; 2] = [
    &["serve", "--port", "0", "--secs", "1"],
    &["load", "--clients", "2", "--messages", "2"],
];
