//! Pictures and figures from real runs: the two phases of a read under
//! each IO model, the seed's three server models as timelines, and the
//! `measure` figures.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use rustix::event::epoll::{self, CreateFlags, EventData, EventFlags};
use rustix::event::{FdSetElement, fd_set_insert, fd_set_num_elements};
use shared::{Figure, Lane, State, Trace, Transcript};

use crate::client::{MESSAGES, PATIENCE};
use crate::{Model, Server, listen, load};

/// The lane of the asynchronous model.
const URING: &str = "asynchronous (io_uring)";

/// The bytes each reader of [`read_phases`] waits for.
const PHASE_BYTES: usize = 64 * 1024;

/// A connected pair of loopback sockets: (reader's end, sender's end).
fn socket_pair(listener: &TcpListener) -> io::Result<(TcpStream, TcpStream)> {
    let sender = TcpStream::connect(listener.local_addr()?)?;
    let (reader, _) = listener.accept()?;
    Ok((reader, sender))
}

// ANCHOR: read_phases
/// One read of 64 KiB under each IO model, side by side on one timeline;
/// the data is sent `delay_ms` after the start. Each lane shows the two
/// phases: *waiting for data* (`Blocked` inside a blocking `recv`,
/// `Running` while busy-polling, `Waiting` in `select`/`epoll_wait`) and
/// *copying it* (`Running`, the `recv` that returns the bytes); with
/// io_uring (where the kernel allows it) both phases are one `Waiting`
/// span, because the kernel does both.
pub fn read_phases(trace: &Trace, delay_ms: u64) -> shared::Result<()> {
    let listener = listen(0)?;
    let mut models = vec!["blocking", "nonblocking", "select", "epoll"];
    let uring = crate::uring::available();
    if uring.is_ok() {
        models.push(URING);
    }
    // Lanes in reading order: the sender, the readers, then the models
    // this lesson does not run here, which get their lanes too so that the
    // picture says so instead of leaving them out silently.
    let sender_lane = trace.lane("sender");
    let lanes: Vec<Lane> = models.iter().map(|m| trace.lane(*m)).collect();
    let uring_lane = trace.lane(URING);
    let sigio = trace.lane("signal-driven (SIGIO)");
    let mut pairs = Vec::new();
    for _ in &models {
        pairs.push(socket_pair(&listener)?);
    }
    std::thread::scope(|scope| -> shared::Result<()> {
        let mut readers = Vec::new();
        let mut senders = Vec::new();
        for ((model, lane), (reader, sender)) in
            models.into_iter().zip(&lanes).zip(pairs)
        {
            senders.push(sender);
            readers.push(scope.spawn(move || read_one(model, reader, lane)));
        }
        std::thread::sleep(Duration::from_millis(delay_ms));
        let data = vec![b'x'; PHASE_BYTES];
        sender_lane.mark("send 64 KiB to every reader");
        for sender in &mut senders {
            sender.write_all(&data)?;
        }
        for reader in readers {
            reader.join().map_err(|_| "a reader panicked")??;
        }
        Ok(())
    })?;
    sigio.mark("not built: a SIGIO handler can only set a flag");
    if let Err(why) = uring {
        uring_lane.mark(format!("not built: {why}"));
    }
    Ok(())
}

/// Reads the 64 KiB under one model, recording the two phases.
fn read_one(
    model: &str,
    mut sock: TcpStream,
    lane: &Lane,
) -> shared::Result<()> {
    let mut buf = vec![0; PHASE_BYTES];
    let mut got = 0;
    sock.set_read_timeout(Some(PATIENCE))?;
    match model {
        // One call does both phases: the thread sleeps in the kernel until
        // data arrives, then the kernel copies it. We cannot see the seam.
        "blocking" => {
            while got < PHASE_BYTES {
                let _in_recv =
                    lane.span(State::Blocked, "recv: wait, then copy");
                got += sock.read(&mut buf[got..])?;
            }
        }
        // Phase one is our own loop of failed reads: the CPU is busy.
        "nonblocking" => {
            sock.set_nonblocking(true)?;
            let start = Instant::now();
            let mut tries = 0u64;
            let spin_start = lane.trace().now();
            while got < PHASE_BYTES {
                match sock.read(&mut buf[got..]) {
                    Ok(n) => {
                        if tries > 0 {
                            let end = lane.trace().now();
                            let label = format!("recv: EAGAIN x{tries}");
                            lane.record_span(
                                State::Running,
                                label,
                                spin_start,
                                end,
                            );
                            tries = 0;
                        }
                        let now = lane.trace().now();
                        lane.record_span(
                            State::Running,
                            "recv: copy",
                            now,
                            now,
                        );
                        got += n;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        tries += 1;
                        if start.elapsed() > PATIENCE {
                            return Err("no data in time".into());
                        }
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        // Phase one is one `select` (or `epoll_wait`) call, asleep; phase
        // two is the `recv` after it.
        "select" => {
            while got < PHASE_BYTES {
                let fd = sock.as_raw_fd();
                let mut set = vec![
                    FdSetElement::default();
                    fd_set_num_elements(1, fd + 1)
                ];
                fd_set_insert(&mut set, fd);
                {
                    let _wait = lane.span(State::Waiting, "select");
                    // SAFETY: the only fd in the set is `sock`'s, which is
                    // open for the whole call; the set has room for fd + 1
                    // bits (`fd_set_num_elements`).
                    unsafe {
                        rustix::event::select(
                            fd + 1,
                            Some(&mut set),
                            None,
                            None,
                            None,
                        )
                    }?;
                }
                let _copy = lane.span(State::Running, "recv: copy");
                got += sock.read(&mut buf[got..])?;
            }
        }
        // Both phases in the kernel: we only hear when the bytes are in.
        URING => crate::uring::read_phases_one(&sock, PHASE_BYTES, lane)?,
        _ => {
            let epfd = epoll::create(CreateFlags::CLOEXEC)?;
            epoll::add(&epfd, &sock, EventData::new_u64(0), EventFlags::IN)?;
            let mut events = Vec::with_capacity(1);
            while got < PHASE_BYTES {
                {
                    let _wait = lane.span(State::Waiting, "epoll_wait");
                    events.clear();
                    epoll::wait(
                        &epfd,
                        rustix::buffer::spare_capacity(&mut events),
                        None,
                    )?;
                }
                let _copy = lane.span(State::Running, "recv: copy");
                got += sock.read(&mut buf[got..])?;
            }
        }
    }
    Ok(())
}
// ANCHOR_END: read_phases

// ANCHOR: server_models
/// The seed's picture of the three server models, from a real run:
/// `clients` clients connect (in order, so the server numbers them as we
/// do), each sends the seed's first message, waits for the reply, pauses
/// `pause_ms` (a slow client: the server has nothing to read meanwhile),
/// sends the second, waits, and hangs up. The server records what its
/// threads did; each client records how long it waited for each reply.
pub fn server_models(
    model: Model,
    clients: usize,
    pause_ms: u64,
    trace: &Trace,
    out: &Transcript,
) -> shared::Result<()> {
    // The clients' lanes first, so they are drawn above the server's.
    let lanes: Vec<Lane> = (1..=clients)
        .map(|n| trace.lane(format!("client c{n}")))
        .collect();
    let server = Server::start_traced(model, trace.clone())?;
    let mut streams = Vec::new();
    for _ in 0..clients {
        let stream = TcpStream::connect(server.addr())?;
        stream.set_read_timeout(Some(PATIENCE))?;
        stream.set_nodelay(true)?;
        streams.push(stream);
    }
    std::thread::scope(|scope| -> shared::Result<()> {
        let mut handles = Vec::new();
        for (i, (stream, lane)) in streams.into_iter().zip(&lanes).enumerate() {
            let out = out.clone();
            handles.push(
                scope.spawn(move || talk(stream, i + 1, pause_ms, lane, &out)),
            );
        }
        for handle in handles {
            handle.join().map_err(|_| "a client panicked")??;
        }
        Ok(())
    })?;
    server.stop()?;
    Ok(())
}

/// One client of [`server_models`].
fn talk(
    mut stream: TcpStream,
    n: usize,
    pause_ms: u64,
    lane: &Lane,
    out: &Transcript,
) -> shared::Result<()> {
    for (round, message) in MESSAGES[..2].iter().enumerate() {
        if round > 0 {
            std::thread::sleep(Duration::from_millis(pause_ms));
        }
        stream.write_all(message)?;
        let mut reply = vec![0; message.len()];
        {
            let _wait = lane.span(State::Waiting, "wait for the reply");
            stream.read_exact(&mut reply)?;
        }
        out.say(
            lane,
            format!("[c{n}] received {}", crate::client::py_bytes(&reply)),
        );
    }
    Ok(())
}
// ANCHOR_END: server_models

/// The `measure` figures, for every model at `clients` connections ×
/// `messages` round trips each (the C = 100):
///
/// - `round_trips_per_sec_<model>` (`rt/s`): from [`load`];
/// - `server_cpu_us_per_round_trip_<model>` (`us`): the CPU time of every
///   server thread (`CLOCK_THREAD_CPUTIME_ID`, read as each thread ends)
///   divided by the round trips; the client's own thread is not included;
/// - `syscalls_per_round_trip_<model>` (`calls`): counted by the server
///   code itself, around each call it makes;
/// - `slowest_first_reply_ms_<model>` (`ms`): the longest any client
///   waited for its first reply (fairness: the blocking server's last
///   client waits for all the others);
/// - `idle_server_cpu_pct_<model>` (`%`): the server's CPU time over
///   `idle_ms` of no clients at all, as a share of that time: the cost of
///   waiting, which is zero for everyone but the busy loop.
///
/// A model whose run fails is reported on stderr and left out.
pub fn measure(clients: usize, messages: usize, idle_ms: u64) -> Vec<Figure> {
    let mut figures = Vec::new();
    for model in Model::ALL {
        if let (Model::IoUring, Err(why)) = (model, crate::uring::available()) {
            eprintln!("skipped {model}: {why}");
            continue;
        }
        match measure_one(model, clients, messages, idle_ms) {
            Ok(mut more) => figures.append(&mut more),
            Err(error) => eprintln!("error: measuring {model}: {error}"),
        }
    }
    figures
}

fn measure_one(
    model: Model,
    clients: usize,
    messages: usize,
    idle_ms: u64,
) -> shared::Result<Vec<Figure>> {
    let name = model.snake_name();
    crate::check_clients(model, clients)?;
    let server = Server::start(model)?;
    let report = load(server.addr(), clients, messages)?;
    let stats = server.stop()?;
    let rt = report.round_trips.max(1) as f64;

    let idle = Server::start(model)?;
    std::thread::sleep(Duration::from_millis(idle_ms));
    let idle_stats = idle.stop()?;
    let idle_pct =
        100.0 * idle_stats.cpu.as_secs_f64() / (idle_ms as f64 / 1e3);

    Ok(vec![
        Figure::new(
            format!("round_trips_per_sec_{name}"),
            report.round_trips_per_sec(),
            "rt/s",
        ),
        Figure::new(
            format!("server_cpu_us_per_round_trip_{name}"),
            stats.cpu.as_secs_f64() * 1e6 / rt,
            "us",
        ),
        Figure::new(
            format!("syscalls_per_round_trip_{name}"),
            stats.syscalls as f64 / rt,
            "calls",
        ),
        Figure::new(
            format!("slowest_first_reply_ms_{name}"),
            report.slowest_first_reply.as_secs_f64() * 1e3,
            "ms",
        ),
        Figure::new(format!("idle_server_cpu_pct_{name}"), idle_pct, "%"),
    ])
}
