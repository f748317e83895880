//! Lesson 06: an event loop built from scratch, answering the course's
//! open question "how is that actually implemented?".
//!
//! **Python original.** `../shared/seeds/004_ef699e389cc80635.txt` (and
//! `002_4a3846ad69afcffc.txt`). Its `selectors` server registers the
//! listening socket with a callback, `sel.register(sock, EVENT_READ,
//! accept)`; `accept` registers each new connection with `read`; the loop
//! is `for key, mask in sel.select(): key.data(key.fileobj, mask)`. (It
//! echoes unchanged; ours upper-cases, as every server of lessons 05 and
//! 06 does, so that one client and one load generator serve them all.) Its
//! gevent demo spawns `foo` (`gevent.sleep(2)`), `bar` (`gevent.sleep(1)`)
//! and `func3` (`gevent.sleep(0)`) and joins them, printing six lines. And
//! the notes leave a question open: "register an event on IO, let the main
//! program do other things, and resume the interrupted task when the IO is
//! done: how is that actually implemented?"
//!
//! **Rust mapping.** Two answers, one under the other:
//!
//! | Python | Rust, this lesson |
//! |---|---|
//! | `selectors.DefaultSelector()` | [`Selector`] on mio's `Poll` (epoll) |
//! | `sel.register(sock, EVENT_READ, accept)` | [`Selector::register`]`(source, EVENT_READ, accept)` |
//! | `sel.select()`, `key.data(key.fileobj, mask)` | [`Selector::select`], [`Selector::dispatch`] |
//! | asyncio's event loop | [`runtime::Runtime`]: reactor + executor + timers |
//! | `asyncio.create_task`, `gevent.spawn` | [`runtime::spawn`], returning a [`runtime::JoinHandle`] |
//! | `await reader.read(n)` | `stream.read(&mut buf).await` ([`runtime::TcpStream`]) |
//! | `gevent.sleep(1)`, `asyncio.sleep(1)` | [`runtime::sleep`] |
//! | the interrupted task, resumed | a `Future` polled again after its `Waker` fired |
//!
//! - The [`Selector`] is the seed's callback style: the loop calls *your*
//!   function when a socket is ready, and your function must not block.
//! - The [`runtime`] turns callbacks inside out. A task is a `Future`; at
//!   an `.await` that would block it returns `Pending`, after leaving its
//!   `Waker` with the *reactor* (a token → waker table beside mio's
//!   `Poll`). When `epoll_wait` says the socket is ready, the reactor
//!   calls the waker, which puts the task's id on the *executor*'s queue,
//!   and the executor polls it again: the "interrupted task, resumed".
//!   Timers are a heap whose earliest deadline is `epoll_wait`'s timeout.
//! - [`read::ReadUpper`] is one `async fn` ([`read::read_upper`]) written
//!   out as the state machine the compiler makes of it.
//! - [`echo`] serves the uppercase echo of lesson 05 on our runtime and on
//!   tokio's current-thread runtime, for the comparison.
//!
//! **Run it.**
//!
//! ```text
//! cargo run -p lesson-06-event-loop                  # seed's selectors server + client
//! cargo run -p lesson-06-event-loop -- gevent        # foo/bar/func3 on our runtime (2 s)
//! cargo run -p lesson-06-event-loop -- gevent --scale 0.1 --timeline
//! cargo run -p lesson-06-event-loop -- slow --timeline  # 3 slow clients, one thread
//! cargo run -p lesson-06-event-loop -- serve --engine ours --port 10000
//! cargo run --release -p lesson-06-event-loop -- load --engine ours --clients 100 --messages 1000
//! cargo run --release -p lesson-06-event-loop -- measure   # ours vs tokio
//! ```
//!
//! **What to notice.**
//!
//! - Nothing in the runtime is magic: `block_on` is a loop of three steps
//!   (run the woken tasks; wake the expired timers; `epoll_wait` until the
//!   next deadline), and a `Waker` is an `Arc` whose `wake` pushes an id
//!   onto a queue. `async fn` only saves you from writing [`read::ReadUpper`]
//!   by hand.
//! - mio is edge-triggered, Python's `DefaultSelector` level-triggered: the
//!   seed's `read` callback reads once per event, which under edge
//!   triggering would strand the rest of the data ([`selector::naive`]
//!   keeps it, labelled, and a test shows the loss). Our callbacks, and
//!   our futures, read until `WouldBlock`.
//! - The seed's `conn.send(data)  # Hope it won't block` loses the bytes a
//!   full socket buffer does not take. [`selector::flush`] keeps them and
//!   waits for `EVENT_WRITE`; the runtime's `write_all` simply loops.
//! - The gevent demo's three sleeps overlap on one thread (`--timeline`):
//!   the run takes 2 s, not 3; `func3`'s zero sleep lets the others go
//!   first once.
//! - `measure`: our few-hundred-line runtime and tokio's current-thread
//!   runtime land within a few per cent of each other, because a round
//!   trip is mostly syscalls, and the two make nearly the same ones. Ours
//!   makes one more: the `read` that says `WouldBlock` at the end of each
//!   round trip, which tokio skips (a short read means the socket is
//!   drained). The chapter's first exercise adds that to ours.

pub mod echo;
pub mod read;
pub mod runtime;
pub mod selector;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use lesson_05_io_models::client::py_bytes;
use lesson_05_io_models::{LoadReport, MESSAGES, seed_client};
use shared::{Figure, Lane, State, Trace, Transcript};

pub use echo::{EchoServer, Engine};
pub use selector::{EVENT_READ, Key, Mask, Selector, Source};

// ANCHOR: gevent
/// The seed's `foo`: says it runs, sleeps 2 s (scaled), says it is back.
pub async fn foo(out: Transcript, lane: Lane, scale: f64) {
    out.say(&lane, "Running in foo");
    runtime::sleep(Duration::from_secs_f64(2.0 * scale)).await;
    out.say(&lane, "Explicit context switch to foo again");
}

/// The seed's `bar`: the same with 1 s.
pub async fn bar(out: Transcript, lane: Lane, scale: f64) {
    out.say(&lane, "Explicit context to bar");
    runtime::sleep(Duration::from_secs_f64(scale)).await;
    out.say(&lane, "Implicit context switch back to bar");
}

/// The seed's `func3`: `gevent.sleep(0)`, which only gives way once.
pub async fn func3(out: Transcript, lane: Lane) {
    out.say(&lane, "running func3");
    runtime::sleep(Duration::ZERO).await;
    out.say(&lane, "running func3 again");
}

/// `gevent.joinall([gevent.spawn(foo), gevent.spawn(bar),
/// gevent.spawn(func3)])` on our runtime. `scale` multiplies the sleeps
/// (1.0: the seed's 2 s and 1 s).
pub fn gevent_demo(
    scale: f64,
    out: &Transcript,
    trace: &Trace,
) -> shared::Result<()> {
    if !(0.001..=100.0).contains(&scale) {
        return Err(format!(
            "the scale must be between 0.001 and 100, not {scale}"
        )
        .into());
    }
    let rt = runtime::Runtime::traced(trace.clone())?;
    let lane = |name: &str| trace.lane(name);
    let (foo_lane, bar_lane, func3_lane) =
        (lane("foo"), lane("bar"), lane("func3"));
    rt.block_on(async {
        let tasks = [
            runtime::spawn_named("foo", foo(out.clone(), foo_lane, scale)),
            runtime::spawn_named("bar", bar(out.clone(), bar_lane, scale)),
            runtime::spawn_named("func3", func3(out.clone(), func3_lane)),
        ];
        // joinall: await each in turn; they all run meanwhile.
        for task in tasks {
            task.await;
        }
    });
    Ok(())
}
// ANCHOR_END: gevent

// ANCHOR: selector_demo
/// The seed's selectors server, driven by the seed's client from a second
/// thread, until both client connections have been closed.
pub fn selector_demo(out: &Transcript, trace: &Trace) -> shared::Result<()> {
    let listener =
        mio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let addr = listener.local_addr()?;
    let mut sel = Selector::new(out.clone(), trace.lane("server"))?;
    // sel.register(sock, selectors.EVENT_READ, accept)
    sel.register(Source::Listener(listener), EVENT_READ, selector::accept)?;
    // The client is lesson 05's `seed_client`: the seed's two sockets and
    // three messages, printed as the seed prints them.
    let client = {
        let (out, trace) = (out.clone(), trace.clone());
        std::thread::spawn(move || {
            seed_client(addr, &out, &trace).map_err(|e| e.to_string())
        })
    };
    // while True: for key, mask in sel.select(): callback(...)
    // (bounded: until the client's two connections are closed, or the
    // client has failed and gone).
    while sel.closed() < 2 && !(client.is_finished() && sel.len() == 1) {
        for (key, mask) in sel.select(Some(Duration::from_millis(100)))? {
            sel.dispatch(key, mask)?;
        }
    }
    match client.join() {
        Ok(result) => Ok(result?),
        Err(_) => Err("the client thread panicked".into()),
    }
}
// ANCHOR_END: selector_demo

// ANCHOR: slow_clients
/// The seed's picture of an event-driven server, from a real run: our
/// runtime's echo server (traced) and `clients` slow clients, each on its
/// own thread. Client *i* starts `i × pause_ms / clients` in, sends the
/// seed's first message, waits for the reply, pauses `pause_ms`, sends the
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
    stream.set_read_timeout(Some(lesson_05_io_models::client::PATIENCE))?;
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
        out.say(lane, format!("[c{n}] received {}", py_bytes(&reply)));
    }
    Ok(())
}
// ANCHOR_END: slow_clients

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

// ANCHOR: client
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
// ANCHOR_END: client

/// Drives `addr` with `clients` × `messages` round trips of the seed's
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

/// Round trips per second for each engine at `clients` × `messages`
/// (`echo_rps_ours`, `echo_rps_tokio`, unit `rt/s`), and how many times
/// longer ours takes than tokio's for the same work (`ours_vs_tokio`,
/// unit `x`: below 1, ours was faster). Each server runs on its own
/// thread; the clients on the caller's, in this process, driven by
/// lesson 05's `load` (see [`drive`]).
///
/// The CLI's default is 100 clients × 1,000 messages (about a second);
/// 10 × 100 is a quick run (a few milliseconds). An engine whose run
/// fails is reported on stderr and left out (and so is the ratio).
pub fn measure(clients: usize, messages: usize) -> Vec<Figure> {
    let run = |engine| -> shared::Result<f64> {
        let server = EchoServer::start(engine)?;
        let report = drive(server.addr(), clients, messages)?;
        server.stop()?;
        Ok(report.round_trips_per_sec())
    };
    let mut figures = Vec::new();
    let mut rates = Vec::new();
    for engine in Engine::ALL {
        match run(engine) {
            Ok(rate) => {
                let name = format!("echo_rps_{engine}");
                figures.push(Figure::new(name, rate, "rt/s"));
                rates.push(rate);
            }
            Err(error) => eprintln!("error: the {engine} echo server: {error}"),
        }
    }
    if let [ours, tokio] = rates[..] {
        figures.push(Figure::new("ours_vs_tokio", tokio / ours, "x"));
    }
    figures
}
