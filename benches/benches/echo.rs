//! Lessons 05 and 06: round trips per second of the uppercase echo at
//! C = 100 connections, for lesson 05's epoll, mio and
//! thread-per-connection servers, lesson 06's runtime and tokio's
//! current-thread runtime, with the client (lesson 05's `load`: one
//! thread, mio, every reply checked) in the same process and in a second
//! process.
//!
//! The figure to read is the ratio of our runtime to tokio current-thread
//! in one run. Criterion prints each as `thrpt: … Kelem/s`, one element
//! being one round trip.
//!
//! ```text
//! cargo bench -p benches --bench echo
//! cargo bench -p benches --bench echo -- ours        # one server
//! ECHO_BENCH_MESSAGES=1000 cargo bench -p benches --bench echo
//! ```
//!
//! Each iteration connects 100 clients and times (without the connects)
//! `ECHO_BENCH_MESSAGES` round trips on each, 100 by default: 10,000
//! round trips, a few tens of milliseconds, so that the default run stays
//! short. The 100 × 1,000 figure is
//! `cargo run --release -p lesson-06-event-loop -- measure`.
//!
//! The second-process client is this bench binary itself: it re-executes
//! `std::env::current_exe()` with `ECHO_BENCH_CLIENT=addr,clients,messages`
//! in its environment, and `main` (ours: the bench has `harness = false`)
//! sees the variable, runs `load`, prints the nanoseconds the round trips
//! took and exits. Only those nanoseconds are counted, not the process's
//! start or its connects. In the second process the client and the server
//! no longer share an address space, an allocator or a scheduler's idea
//! of one program; they still share the two cores.

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group};
use lesson_05_io_models::{Model, Server, load};
use lesson_06_event_loop::{EchoServer, Engine};

/// Connections per run: 100, as the lessons' `measure` uses.
const CLIENTS: usize = 100;

/// Marks the child process that plays the client.
const CLIENT_ENV: &str = "ECHO_BENCH_CLIENT";

/// Round trips per connection per iteration.
fn messages() -> usize {
    std::env::var("ECHO_BENCH_MESSAGES")
        .ok()
        .and_then(|m| m.parse().ok())
        .filter(|&m| m > 0)
        .unwrap_or(100)
}

/// A server of either lesson, running on its own thread(s) until dropped.
enum Running {
    Lesson05(Server),
    Lesson06(EchoServer),
}

impl Running {
    fn addr(&self) -> SocketAddr {
        match self {
            Running::Lesson05(server) => server.addr(),
            Running::Lesson06(server) => server.addr(),
        }
    }
}

/// The servers compared, by their bench names.
const SERVERS: [(&str, Subject); 5] = [
    ("epoll", Subject::Lesson05(Model::Epoll)),
    ("mio", Subject::Lesson05(Model::Mio)),
    ("ours", Subject::Lesson06(Engine::Ours)),
    ("tokio_current_thread", Subject::Lesson06(Engine::Tokio)),
    (
        "thread_per_connection",
        Subject::Lesson05(Model::ThreadPerConnection),
    ),
];

/// A server to start: a lesson 05 model or a lesson 06 engine.
#[derive(Clone, Copy)]
enum Subject {
    Lesson05(Model),
    Lesson06(Engine),
}

impl Subject {
    fn start(self) -> Running {
        match self {
            Subject::Lesson05(model) => {
                Running::Lesson05(Server::start(model).expect("start server"))
            }
            Subject::Lesson06(engine) => Running::Lesson06(
                EchoServer::start(engine).expect("start server"),
            ),
        }
    }
}

/// One run of the client in this process: the time its round trips took.
fn in_process(addr: SocketAddr, messages: usize) -> Duration {
    let report = load(addr, CLIENTS, messages).expect("an echo load run");
    assert_eq!(report.round_trips, (CLIENTS * messages) as u64);
    report.elapsed
}

/// One run of the client in a child process: the time it reports.
fn in_child(addr: SocketAddr, messages: usize) -> Duration {
    let exe = std::env::current_exe().expect("the bench knows its own path");
    let output = Command::new(exe)
        .env(CLIENT_ENV, format!("{addr},{CLIENTS},{messages}"))
        .output()
        .expect("start the client process");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the client process failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let nanos: u64 = stdout.trim().parse().expect("the client prints nanos");
    Duration::from_nanos(nanos)
}

fn echo(c: &mut Criterion) {
    let messages = messages();
    let mut group = c.benchmark_group("echo");
    group.throughput(Throughput::Elements((CLIENTS * messages) as u64));
    // Each iteration is tens of milliseconds: ten samples over two
    // seconds are plenty, and keep the ten benchmarks under a minute.
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for (name, subject) in SERVERS {
        let server = subject.start();
        let addr = server.addr();
        group.bench_function(format!("{name}/same_process"), |b| {
            b.iter_custom(|iters| {
                (0..iters).map(|_| in_process(addr, messages)).sum()
            })
        });
        group.bench_function(format!("{name}/second_process"), |b| {
            b.iter_custom(|iters| {
                (0..iters).map(|_| in_child(addr, messages)).sum()
            })
        });
        drop(server);
    }
    group.finish();
}

/// The child's whole life: parse `addr,clients,messages`, run the load,
/// print the nanoseconds it took.
fn client_process(spec: &str) -> Result<(), String> {
    let mut parts = spec.split(',');
    let mut next = || parts.next().ok_or(format!("bad {CLIENT_ENV}: {spec}"));
    let addr: SocketAddr = next()?.parse().map_err(|e| format!("{e}"))?;
    let clients: usize = next()?.parse().map_err(|e| format!("{e}"))?;
    let messages: usize = next()?.parse().map_err(|e| format!("{e}"))?;
    let report = load(addr, clients, messages).map_err(|e| e.to_string())?;
    println!("{}", report.elapsed.as_nanos());
    Ok(())
}

criterion_group! {
    name = benches;
    config = benches::criterion();
    targets = echo
}

fn main() {
    if let Ok(spec) = std::env::var(CLIENT_ENV) {
        if let Err(error) = client_process(&spec) {
            eprintln!("error: {error}");
            std::process::exit(1);
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
