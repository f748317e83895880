//! Lesson 11: the file server on lesson 06's [`Selector`], in the seed's
//! selectors style: the loop calls a callback when a socket is ready, and
//! each connection is a small state machine that the callback advances as
//! far as it can without blocking.
//!
//! One connection's states, and what its socket waits for in each:
//!
//! ```text
//!            line read                     GET ok: "OK size"
//!  Command ─────────────> run the command ───────────────> Download (EVENT_WRITE)
//!  (EVENT_READ)  <──────────────────────────────────────── file sent, "SUM x"
//!     │  ▲                     │ PUT ok: "GO"
//!     │  └──── "OK x" ──── Upload (EVENT_READ) <──┘
//!     │ QUIT: "OK bye"
//!     └──────> Closing ──> closed      (EOF or an error, in any state: closed,
//!                                        and an unfinished upload removed)
//! ```
//!
//! Python reaches `sel` and its per-connection dicts as module globals;
//! a Rust callback is a plain `fn`, and reaches the per-connection
//! `Session`s through a thread-local, which is what a module global is
//! on one thread.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use lesson_06_event_loop::selector::{
    Conn, EVENT_READ, EVENT_READ_WRITE, Key, Mask, Selector, Source,
};
use mio::net::{TcpListener, TcpStream};
use shared::net::AcceptBackoff;
use shared::{Lane, State, Trace, Transcript};

use crate::protocol::{
    BUDGET, CHUNK, Checksum, Command, Inbox, MAX_LINE, Refusal, parse,
};
use crate::root::{Root, Upload};
use crate::server::{OpenCount, OpenSessions};

/// `selectors.EVENT_WRITE` alone: a connection sending a file has nothing
/// to read.
const EVENT_WRITE: Mask = Mask {
    read: false,
    write: true,
};

/// How often a server with nothing to do looks at its stop flag. Rarely:
/// `Server::stop` also connects to it, which ends the wait at once.
const STOP_POLL: Duration = Duration::from_millis(100);

// ANCHOR: phase
/// Where one connection is in the protocol.
enum Phase {
    /// Reading a command line (its bytes gather in the inbox).
    Command,
    /// Sending a file: what is left of it, and its checksum so far.
    Download {
        file: File,
        left: u64,
        sum: Checksum,
    },
    /// Receiving a file into a temporary one.
    Upload {
        upload: Upload,
        left: u64,
        sum: Checksum,
    },
    /// Sending a last reply, then closing.
    Closing,
}

/// One connection's state: its phase and its two bounded buffers.
struct Session {
    phase: Phase,
    /// Bytes of the command line read so far (at most `MAX_LINE`).
    inbox: Inbox,
    /// Bytes to send: a reply line, or one chunk of a file (at most
    /// `CHUNK`, plus a line). An upload's chunk passes through it too.
    outbox: Vec<u8>,
    /// How much of the outbox the socket has taken.
    sent: usize,
    /// What the socket is registered for now.
    waiting: Mask,
    // ANCHOR_END: phase
    lane: Option<Lane>,
    /// Since when, and for what, it has been waiting (for the timeline).
    idle: Option<(Duration, &'static str)>,
    _open: OpenCount,
    // ANCHOR: phase
}

/// What the callback does next with the connection.
enum Step {
    /// Wait for this event (`WouldBlock` said so).
    Wait(Mask),
    /// Still ready, but its budget is spent: serve it again next turn.
    Again,
    /// The peer left, or said `QUIT`: close it.
    Close,
}
// ANCHOR_END: phase

/// What the callbacks share: the module globals of the Python version.
struct Server {
    root: Rc<Root>,
    sessions: HashMap<Key, Session>,
    /// Connections whose budget ran out while still ready.
    again: Vec<Key>,
    /// Until when accepting pauses (out of descriptors).
    accept_paused_until: Option<Instant>,
    backoff: AcceptBackoff,
    accepted: u64,
    trace: Trace,
    open: OpenSessions,
}

thread_local! {
    static SERVER: RefCell<Option<Server>> = const { RefCell::new(None) };
}

fn with_server<R>(f: impl FnOnce(&mut Server) -> R) -> Option<R> {
    SERVER.with_borrow_mut(|server| server.as_mut().map(f))
}

/// Serves `root` on `listener` until `stop` is set: every connection on
/// this one thread. Calls `ready` once the loop is set up.
pub fn serve(
    listener: std::net::TcpListener,
    root: Rc<Root>,
    stop: &Arc<AtomicBool>,
    trace: Trace,
    open: OpenSessions,
    ready: impl FnOnce(),
) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let listener = TcpListener::from_std(listener);
    let mut sel = Selector::new(Transcript::quiet(), trace.lane("select"))?;
    let select_lane = trace.lane("select");
    let listener_key =
        sel.register(Source::Listener(listener), EVENT_READ, accept)?;
    SERVER.with_borrow_mut(|server| {
        *server = Some(Server {
            root,
            sessions: HashMap::new(),
            again: Vec::new(),
            accept_paused_until: None,
            backoff: AcceptBackoff::new("[ftp]"),
            accepted: 0,
            trace: trace.clone(),
            open,
        });
    });
    // However the loop ends, drop every session (and so every unfinished
    // upload's temporary file) with the globals.
    struct Globals;
    impl Drop for Globals {
        fn drop(&mut self) {
            SERVER.with_borrow_mut(|server| server.take());
        }
    }
    let _globals = Globals;
    ready();
    // ANCHOR: event_loop
    while !stop.load(Ordering::Relaxed) {
        let (again, paused) = with_server(|s| {
            (std::mem::take(&mut s.again), s.accept_paused_until)
        })
        .unwrap_or_default();
        // Connections still ready from last turn: only look, don't wait.
        let timeout = match paused {
            _ if !again.is_empty() => Duration::ZERO,
            Some(until) => until.saturating_duration_since(Instant::now()),
            None => STOP_POLL,
        };
        let start = trace.now();
        let ready = sel.select(Some(timeout))?;
        if !timeout.is_zero() {
            select_lane.record_span(
                State::Waiting,
                "select",
                start,
                trace.now(),
            );
        }
        // ANCHOR_END: event_loop
        if stop.load(Ordering::Relaxed) {
            break; // not even the connection that woke us is accepted
        }
        // ANCHOR: event_loop
        for (key, mask) in ready {
            sel.dispatch(key, mask)?;
        }
        for key in again {
            sel.dispatch(key, EVENT_READ_WRITE)?;
        }
        // ANCHOR_END: event_loop
        if paused.is_some_and(|until| Instant::now() >= until) {
            with_server(|s| s.accept_paused_until = None);
            sel.dispatch(listener_key, EVENT_READ)?;
        }
        // ANCHOR: event_loop
    }
    // ANCHOR_END: event_loop
    drop(_globals);
    drop(sel); // closes the listener and every connection
    Ok(())
}

/// The course's `accept(sock, mask)`: every waiting connection becomes a
/// session in the `Command` phase, registered for reading.
fn accept(
    sel: &mut Selector,
    _key: Key,
    source: &mut Source,
    _mask: Mask,
) -> io::Result<()> {
    let Source::Listener(listener) = source else {
        return Ok(());
    };
    // Edge-triggered: accept until `WouldBlock`.
    loop {
        let (stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                // Out of descriptors: the listener stays ready but reports
                // no new edge, so the loop calls us again after a pause.
                with_server(|s| {
                    if let Some(pause) = s.backoff.on_error(&e) {
                        s.accept_paused_until = Some(Instant::now() + pause);
                    }
                });
                return Ok(());
            }
        };
        let Some(number) = with_server(|s| {
            s.accepted += 1;
            s.accepted
        }) else {
            return Ok(());
        };
        let conn = Conn {
            stream,
            peer,
            number,
            outbox: Vec::new(),
            waiting_to_write: false,
        };
        let key = sel.register(Source::Conn(conn), EVENT_READ, on_ready)?;
        with_server(|s| {
            let lane = s
                .trace
                .is_enabled()
                .then(|| s.trace.lane(format!("conn {number}")));
            s.sessions.insert(
                key,
                Session {
                    phase: Phase::Command,
                    inbox: Inbox::new(),
                    outbox: Vec::with_capacity(CHUNK),
                    sent: 0,
                    waiting: EVENT_READ,
                    lane,
                    idle: None,
                    _open: s.open.enter(),
                },
            );
        });
    }
}

// ANCHOR: on_ready
/// The callback of every connection: advance its state machine as far as
/// the socket allows, then wait for what it needs next.
fn on_ready(
    sel: &mut Selector,
    key: Key,
    source: &mut Source,
    _mask: Mask,
) -> io::Result<()> {
    let Source::Conn(conn) = source else {
        return Ok(());
    };
    let step = with_server(|s| {
        let session = s.sessions.get_mut(&key)?;
        let start = s.trace.now();
        let (step, moved) = session.advance(&mut conn.stream, &s.root);
        // ANCHOR_END: on_ready
        if let Some(lane) = &session.lane {
            if let Some((since, what)) = session.idle {
                lane.record_span(State::Waiting, what, since, start);
            }
            let what = session.phase.name();
            let label = format!("{what} {} KiB", moved / 1024);
            let end = s.trace.now();
            lane.record_span(State::Running, label, start, end);
            session.idle = Some((end, step.waits_for()));
        }
        // ANCHOR: on_ready
        Some((step, session.waiting))
    })
    .flatten();
    match step {
        Some((Step::Wait(mask), waiting)) if mask != waiting => {
            if sel.modify(key, source, mask, on_ready).is_err() {
                close(sel, key);
            } else {
                with_server(|s| {
                    if let Some(session) = s.sessions.get_mut(&key) {
                        session.waiting = mask;
                    }
                });
            }
        }
        Some((Step::Wait(_), _)) => {}
        Some((Step::Again, _)) => {
            with_server(|s| s.again.push(key));
        }
        Some((Step::Close, _)) | None => close(sel, key),
    }
    Ok(())
}

/// Unregisters and closes the socket, and drops the session with its
/// open file or unfinished upload.
fn close(sel: &mut Selector, key: Key) {
    sel.unregister(key);
    with_server(|s| s.sessions.remove(&key));
}
// ANCHOR_END: on_ready

impl Step {
    /// What a connection after this step waits for, for the timeline.
    fn waits_for(&self) -> &'static str {
        match self {
            Step::Wait(mask) if mask.write => "EVENT_WRITE",
            Step::Wait(_) => "EVENT_READ",
            Step::Again => "its next turn",
            Step::Close => "closing",
        }
    }
}

impl Phase {
    fn name(&self) -> &'static str {
        match self {
            Phase::Command => "command",
            Phase::Download { .. } => "GET",
            Phase::Upload { .. } => "PUT",
            Phase::Closing => "closing",
        }
    }
}

impl Session {
    /// Queues a reply line.
    fn reply(&mut self, line: &str) {
        self.outbox.extend_from_slice(line.as_bytes());
        self.outbox.push(b'\n');
    }

    // ANCHOR: advance
    /// Moves the connection on until the socket would block, the budget is
    /// spent, or it is done. Returns what to do next and the bytes moved.
    fn advance(
        &mut self,
        stream: &mut TcpStream,
        root: &Rc<Root>,
    ) -> (Step, usize) {
        let mut moved = 0;
        loop {
            // 1. Whatever is queued goes out first: a reply, or a chunk.
            while self.sent < self.outbox.len() {
                match stream.write(&self.outbox[self.sent..]) {
                    Ok(0) => return (Step::Close, moved),
                    Ok(n) => {
                        self.sent += n;
                        moved += n;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        return (Step::Wait(EVENT_WRITE), moved);
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => return (Step::Close, moved),
                }
            }
            self.outbox.clear();
            self.sent = 0;
            if moved >= BUDGET {
                return (Step::Again, moved);
            }
            // 2. Then one step of the phase.
            let step = match &mut self.phase {
                Phase::Command => self.read_command(stream, root),
                Phase::Download { file, left, sum } => {
                    fill_from_file(&mut self.outbox, file, left, sum)
                }
                Phase::Upload { upload, left, sum } => drain_to_file(
                    &mut self.inbox,
                    &mut self.outbox,
                    stream,
                    upload,
                    left,
                    sum,
                    &mut moved,
                ),
                Phase::Closing => Some(Step::Close),
            };
            // ANCHOR_END: advance
            if let Some(step) = step {
                return (step, moved);
            }
            self.finish_transfer();
            // ANCHOR: advance
        }
    }
    // ANCHOR_END: advance

    /// After a step: if a transfer just completed, queue its last reply
    /// and go back to reading commands.
    fn finish_transfer(&mut self) {
        match &self.phase {
            Phase::Download { left: 0, sum, .. } => {
                let line = format!("SUM {}", sum.hex());
                self.reply(&line);
                self.phase = Phase::Command;
            }
            Phase::Upload { left: 0, .. } => {
                let Phase::Upload { upload, sum, .. } =
                    std::mem::replace(&mut self.phase, Phase::Command)
                else {
                    return;
                };
                let line = match upload.finish() {
                    Ok(()) => format!("OK {}", sum.hex()),
                    Err(refusal) => refusal.reply().to_owned(),
                };
                self.reply(&line);
            }
            _ => {}
        }
    }

    /// The `Command` phase: run a complete line, or read more of one.
    /// `None`: go on (something was queued or read).
    fn read_command(
        &mut self,
        stream: &mut TcpStream,
        root: &Rc<Root>,
    ) -> Option<Step> {
        match self.inbox.take_line() {
            Some(Ok(line)) => {
                self.run(&line, root);
                return None;
            }
            // A line longer than any command, now ended: refuse it and
            // read the next one.
            Some(Err(refusal)) => {
                self.reply(refusal.reply());
                return None;
            }
            None => {}
        }
        let mut buf = [0u8; MAX_LINE];
        let room = self.inbox.room();
        match stream.read(&mut buf[..room]) {
            Ok(0) => Some(Step::Close),
            Ok(n) => {
                self.inbox.extend_from_slice(&buf[..n]);
                None
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                Some(Step::Wait(EVENT_READ))
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => None,
            Err(_) => Some(Step::Close),
        }
    }

    // ANCHOR: run
    /// Runs one command: queues its reply and enters its phase.
    fn run(&mut self, line: &[u8], root: &Rc<Root>) {
        match parse(line) {
            Ok(Command::List) => match root.list() {
                Ok(files) => {
                    self.reply(&format!("OK {}", files.len()));
                    for (name, size) in files {
                        self.reply(&format!("{size} {name}"));
                    }
                }
                Err(_) => self.reply(Refusal::Failed.reply()),
            },
            Ok(Command::Get(name)) => match root.open_file(&name) {
                Ok((file, size)) => {
                    self.reply(&format!("OK {size}"));
                    let sum = Checksum::default();
                    self.phase = Phase::Download {
                        file,
                        left: size,
                        sum,
                    };
                    // An empty file is complete at once.
                    self.finish_transfer();
                }
                Err(refusal) => self.reply(refusal.reply()),
            },
            Ok(Command::Put(name, size)) => match root.begin_upload(&name) {
                Ok(upload) => {
                    self.reply("GO");
                    let sum = Checksum::default();
                    self.phase = Phase::Upload {
                        upload,
                        left: size,
                        sum,
                    };
                    self.finish_transfer();
                }
                Err(refusal) => self.reply(refusal.reply()),
            },
            Ok(Command::Quit) => {
                self.reply("OK bye");
                self.phase = Phase::Closing;
            }
            Err(refusal) => self.reply(refusal.reply()),
        }
    }
    // ANCHOR_END: run
}

// ANCHOR: fill
/// `Download`: the outbox is empty, so read the next chunk of the file
/// into it. Never more than one chunk: a client that reads slowly leaves
/// the rest of the file on the disk, not in our memory.
fn fill_from_file(
    outbox: &mut Vec<u8>,
    file: &mut File,
    left: &mut u64,
    sum: &mut Checksum,
) -> Option<Step> {
    if *left == 0 {
        return None;
    }
    let want = CHUNK.min(usize::try_from(*left).unwrap_or(CHUNK));
    outbox.resize(want, 0);
    match file.read(outbox) {
        Ok(n) if n > 0 => {
            outbox.truncate(n);
            sum.update(outbox);
            *left -= n as u64;
            None
        }
        // The file shrank under us, or the disk failed: the client was
        // promised `size` bytes and cannot get them; close.
        _ => Some(Step::Close),
    }
}
// ANCHOR_END: fill

/// `Upload`: move bytes from the socket to the temporary file, one chunk
/// at a time (bytes that arrived behind the `PUT` line come first).
fn drain_to_file(
    inbox: &mut Inbox,
    chunk: &mut Vec<u8>,
    stream: &mut TcpStream,
    upload: &mut Upload,
    left: &mut u64,
    sum: &mut Checksum,
    moved: &mut usize,
) -> Option<Step> {
    if *left == 0 {
        return None;
    }
    let want = CHUNK.min(usize::try_from(*left).unwrap_or(CHUNK));
    let n = if inbox.is_empty() {
        chunk.resize(want, 0);
        match stream.read(chunk) {
            // EOF before the last byte: close, which drops the `Upload`
            // and so removes its temporary file.
            Ok(0) => return Some(Step::Close),
            Ok(n) => {
                chunk.truncate(n);
                n
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                chunk.clear();
                return Some(Step::Wait(EVENT_READ));
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                chunk.clear();
                return None;
            }
            Err(_) => return Some(Step::Close),
        }
    } else {
        let n = want.min(inbox.len());
        chunk.clear();
        chunk.extend(inbox.drain(..n));
        n
    };
    sum.update(chunk);
    let written = upload.write(chunk);
    chunk.clear();
    if written.is_err() {
        return Some(Step::Close); // the disk is full, say
    }
    *left -= n as u64;
    *moved += n;
    if *moved >= BUDGET && *left > 0 {
        return Some(Step::Again);
    }
    None
}
