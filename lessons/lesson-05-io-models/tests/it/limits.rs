//! Out of descriptors: every server keeps serving, does not spin, and
//! recovers; `load` raises the limit it can and names the one it cannot.
//!
//! Each server runs as a child process (the lesson's `serve`) whose limit
//! on open files is lowered before it starts, soft and hard alike, so
//! that raising the soft limit to the hard one changes nothing. Then more
//! clients connect than it has descriptors for. The ones it could not
//! accept wait in the listen backlog while the server sits at its limit;
//! the checks are facts about the child, not about time:
//!
//! - the CPU it uses there, in clock ticks from `/proc/<pid>/stat`: a
//!   server that retries `accept` at once burns every tick it is given;
//!   one that pauses accepting uses next to none;
//! - that every waiting client is answered once the clients before it
//!   hang up, and a new client after them all;
//! - one stderr line that names `EMFILE`, however long it sat there.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use lesson_05_io_models::Model;
use shared::cli_check::with_fd_limit;
use shared::py::PATIENCE;

use crate::common::serial;

/// The child's limit on open files.
const LIMIT: u64 = 40;
/// Clients at once: well past what the server can accept.
const CLIENTS: usize = 70;
/// How long the server sits at its limit while its CPU is read.
const AT_THE_LIMIT: Duration = Duration::from_secs(2);
/// Clock ticks (1/100 s on Linux) the server may use in that time: a
/// spinning server gets hundreds, or tens on a busy machine; a paused one
/// wakes 400 times for a failed `accept` and uses one or two.
const MOST_TICKS: u64 = 20;

/// A `serve` child process and the port it listens on.
struct Served {
    child: Child,
    port: u16,
    stderr: JoinHandle<String>,
}

impl Served {
    fn start(model: Model) -> Served {
        let mut child = with_fd_limit(
            Command::new(LESSON_PATH)
                .args(["serve", "--model", model.name(), "--port", "0"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
            LIMIT,
            LIMIT,
        )
        .spawn()
        .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        // "starting up on 127.0.0.1 port 40123 (epoll)"
        let port = first
            .split_whitespace()
            .nth(5)
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("{model}: no port in {first:?}"));
        let stderr = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || read_all(stderr));
        Served {
            child,
            port,
            stderr,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the child and returns what it wrote on stderr.
    fn stop(mut self) -> String {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.stderr.join().unwrap()
    }
}

const LESSON_PATH: &str = env!("CARGO_BIN_EXE_lesson-05-io-models");

fn read_all(mut stderr: ChildStderr) -> String {
    let mut text = String::new();
    let _ = stderr.read_to_string(&mut text);
    text
}

/// User plus system CPU of process `pid` so far, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The command name is in parentheses and may hold spaces: count the
    // fields after its closing one. utime and stime are fields 14 and 15.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn open_fds_of(pid: u32) -> u64 {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count() as u64
}

fn message(i: usize) -> Vec<u8> {
    format!("client {i} says hello").into_bytes()
}

fn reply_of(i: usize) -> Vec<u8> {
    message(i).to_ascii_uppercase()
}

/// One round trip on `stream`, bounded by [`PATIENCE`].
fn answered(stream: &mut TcpStream, i: usize) -> Result<(), String> {
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut reply = vec![0; reply_of(i).len()];
    stream
        .read_exact(&mut reply)
        .map_err(|e| format!("client {i}: no reply: {e}"))?;
    if reply != reply_of(i) {
        return Err(format!("client {i}: wrong reply {reply:?}"));
    }
    Ok(())
}

fn recovers_from_running_out_of_descriptors(model: Model) {
    let _serial = serial();
    if model == Model::IoUring
        && let Err(why) = lesson_05_io_models::uring::available()
    {
        eprintln!("skipped: {why}");
        return;
    }
    let served = Served::start(model);
    let pid = served.pid();
    let mut clients: Vec<TcpStream> = (0..CLIENTS)
        .map(|i| {
            let mut stream =
                TcpStream::connect(("127.0.0.1", served.port)).unwrap();
            stream.write_all(&message(i)).unwrap();
            stream
        })
        .collect();

    // The server accepts until it holds every descriptor it may have.
    let deadline = Instant::now() + PATIENCE;
    while open_fds_of(pid) < LIMIT - 1 {
        assert!(Instant::now() < deadline, "{model} never reached its limit");
        std::thread::sleep(Duration::from_millis(10));
    }
    // Sitting there, with clients still waiting to be accepted.
    let before = cpu_ticks(pid);
    std::thread::sleep(AT_THE_LIMIT);
    let used = cpu_ticks(pid) - before;
    eprintln!("{model}: {used} ticks at the limit");
    let result = (|| {
        if used > MOST_TICKS {
            return Err(format!(
                "{model} used {used} ticks of CPU in {AT_THE_LIMIT:?} at its \
                 descriptor limit: it spins"
            ));
        }
        // In the order they connected: each one answered, then gone,
        // which frees a descriptor for the next one in the backlog.
        for (i, mut stream) in clients.drain(..).enumerate() {
            answered(&mut stream, i)?;
        }
        // And a client that comes after them all.
        let mut late = TcpStream::connect(("127.0.0.1", served.port)).unwrap();
        late.write_all(&message(CLIENTS)).unwrap();
        answered(&mut late, CLIENTS)
    })();
    drop(clients);
    let stderr = served.stop();
    if let Err(failure) = result {
        panic!("{failure}; its stderr: {stderr}");
    }
    let said: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("out of file descriptors (EMFILE"))
        .collect();
    assert_eq!(said.len(), 1, "{model}: not one EMFILE line: {stderr}");
}

#[test]
fn thread_per_connection_recovers_from_running_out_of_descriptors() {
    recovers_from_running_out_of_descriptors(Model::ThreadPerConnection);
}

#[test]
fn select_recovers_from_running_out_of_descriptors() {
    recovers_from_running_out_of_descriptors(Model::Select);
}

#[test]
fn poll_recovers_from_running_out_of_descriptors() {
    recovers_from_running_out_of_descriptors(Model::Poll);
}

#[test]
fn epoll_recovers_from_running_out_of_descriptors() {
    recovers_from_running_out_of_descriptors(Model::Epoll);
}

#[test]
fn mio_recovers_from_running_out_of_descriptors() {
    recovers_from_running_out_of_descriptors(Model::Mio);
}

#[test]
fn io_uring_recovers_from_running_out_of_descriptors() {
    recovers_from_running_out_of_descriptors(Model::IoUring);
}

/// `load` raises its soft limit to the hard one: 2,000 clients and the
/// 2,000 server sockets that answer them do not fit in the usual soft
/// limit of 1,024.
#[test]
fn load_raises_the_soft_limit_for_two_thousand_clients() {
    let _serial = serial();
    // 2,000 clients, 2,000 server sockets, and a few more: the child may
    // not get a hard limit above this process's own.
    let hard =
        rustix::process::getrlimit(rustix::process::Resource::Nofile).maximum;
    if hard.is_some_and(|hard| hard < 4200) {
        eprintln!("skipped: the hard limit on open files is below 4200");
        return;
    }
    let output = with_fd_limit(
        Command::new(LESSON_PATH).args([
            "load",
            "--model",
            "epoll",
            "--clients",
            "2000",
            "--messages",
            "1",
        ]),
        1024,
        hard.unwrap_or(8192).min(8192),
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("2000 clients x 1 round trips"), "{stdout}");
}

/// Where the hard limit is too low, `load` says that is the reason.
#[test]
fn load_names_the_descriptor_limit_it_runs_into() {
    let _serial = serial();
    let output = with_fd_limit(
        Command::new(LESSON_PATH).args([
            "load",
            "--model",
            "epoll",
            "--clients",
            "2000",
            "--messages",
            "1",
        ]),
        256,
        256,
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("error: "), "{stderr}");
    assert!(last.contains("out of file descriptors"), "{stderr}");
    assert!(last.contains("limit 256"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
