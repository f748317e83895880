//! Lesson 11: starting and stopping either server on a thread of its own.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;

use lesson_06_event_loop::echo::StopSignal;
use lesson_06_event_loop::runtime::{self, Runtime, TcpListener};
use shared::Trace;

use crate::root::Root;
use crate::{on_runtime, on_selector};

/// Which event loop serves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Impl {
    /// Lesson 06's `Selector`: callbacks and a state machine per
    /// connection.
    #[default]
    Selector,
    /// Lesson 06's async runtime: a task per connection.
    Runtime,
}

impl Impl {
    /// Both, in the order the lesson compares them.
    pub fn all() -> &'static [Impl] {
        <Impl as clap::ValueEnum>::value_variants()
    }

    /// The name on the command line, which figure names use too.
    pub fn name(self) -> &'static str {
        match self {
            Impl::Selector => "selector",
            Impl::Runtime => "runtime",
        }
    }
}

/// How many connections a server holds open, shared with whoever started
/// it: the tests wait for it to reach zero before counting descriptors.
#[derive(Clone, Debug, Default)]
pub struct OpenSessions(Arc<AtomicUsize>);

impl OpenSessions {
    /// Counts one more connection until the returned guard drops.
    pub fn enter(&self) -> OpenCount {
        self.0.fetch_add(1, Ordering::SeqCst);
        OpenCount(self.0.clone())
    }

    /// How many are open now.
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// One open connection, counted in [`OpenSessions`] while it lives.
#[derive(Debug)]
pub struct OpenCount(Arc<AtomicUsize>);

impl Drop for OpenCount {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Serves `root` on `listener` with `imp`, on this thread, until `stop`
/// fires (for `serve` on the command line: never). Calls `ready` once the
/// loop is about to wait for its first event (or with the error that
/// kept it from starting).
fn run(
    imp: Impl,
    listener: std::net::TcpListener,
    root: &Path,
    stop: &Stop,
    trace: Trace,
    open: OpenSessions,
    ready: impl FnOnce(std::io::Result<()>),
) -> std::io::Result<()> {
    let root = match Root::open(root) {
        Ok(root) => root,
        Err(e) => {
            ready(Err(e));
            return Ok(());
        }
    };
    match imp {
        Impl::Selector => {
            on_selector::serve(listener, root, &stop.flag, trace, open, || {
                ready(Ok(()))
            })
        }
        Impl::Runtime => {
            let rt = Runtime::traced(trace)?;
            let stopped = stop.signal.stopped();
            rt.block_on(async move {
                listener.set_nonblocking(true)?;
                let listener = TcpListener::from_std(listener)?;
                runtime::spawn_named(
                    "accept",
                    on_runtime::serve(listener, root, open),
                );
                ready(Ok(()));
                // When the stop fires, `block_on` returns, and dropping
                // `rt` drops every connection's task with its socket,
                // file and unfinished upload.
                stopped.await;
                Ok(())
            })
        }
    }
}

/// Both servers' stop: a flag the selector loop looks at between turns,
/// and lesson 06's signal, which wakes the runtime out of `epoll_wait`.
#[derive(Clone, Default)]
struct Stop {
    flag: Arc<AtomicBool>,
    signal: StopSignal,
}

/// A file server on its own thread, on 127.0.0.1. Dropping it stops it.
pub struct Server {
    addr: SocketAddr,
    root: PathBuf,
    open: OpenSessions,
    stop: Stop,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl Server {
    /// Starts `imp` serving `root` on `127.0.0.1:port` (0: any free port),
    /// recording on `trace`.
    ///
    /// # Errors
    ///
    /// A taken port, or a root that is not a folder.
    pub fn start(
        imp: Impl,
        root: &Path,
        port: u16,
        trace: Trace,
    ) -> shared::Result<Server> {
        // Bind here, so a taken port is the caller's error and the
        // address is known before we return.
        let listener = shared::net::listen(port)?;
        let addr = listener.local_addr()?;
        let stop = Stop::default();
        let open = OpenSessions::default();
        let (started, ready) = mpsc::channel();
        let thread = {
            let (stop, open, root) =
                (stop.clone(), open.clone(), root.to_owned());
            std::thread::Builder::new()
                .name(format!("ftp-{}", imp.name()))
                .spawn(move || {
                    let ready = |result| {
                        let _ = started.send(result);
                    };
                    run(imp, listener, &root, &stop, trace, open, ready)
                })?
        };
        match ready.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e.into()),
            Err(_) => return Err("the server thread died at start".into()),
        }
        Ok(Server {
            addr,
            root: std::fs::canonicalize(root)?,
            open,
            stop,
            thread: Some(thread),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The folder it serves (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// How many connections it holds open now.
    pub fn open_sessions(&self) -> usize {
        self.open.get()
    }

    /// Stops it and waits for its thread.
    ///
    /// # Errors
    ///
    /// What the server's loop failed with, if it did.
    pub fn stop(mut self) -> shared::Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> shared::Result<()> {
        self.stop.flag.store(true, Ordering::SeqCst);
        self.stop.signal.stop();
        // The selector's loop looks at its flag between turns; a
        // connection makes it take one now rather than at its next
        // timeout. (A failed connect only means it is already gone.)
        let _ = std::net::TcpStream::connect(self.addr);
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => Ok(result?),
            Some(Err(_)) => Err("the file server's thread panicked".into()),
            None => Ok(()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// `serve`: serves `root` on `port` with `imp` on this thread, for ever.
///
/// # Errors
///
/// A taken port, a root that is not a folder, or a failed `epoll_wait`.
pub fn serve_forever(imp: Impl, root: &Path, port: u16) -> shared::Result<()> {
    shared::net::raise_fd_limit();
    // A root that will not open is an error before anything listens.
    drop(Root::open(root)?);
    let listener = shared::net::listen(port)?;
    let addr = listener.local_addr()?;
    let ready = |result: std::io::Result<()>| {
        if result.is_ok() {
            eprintln!(
                "[ftp] serving {} on {addr} with the {}",
                root.display(),
                imp.name()
            );
        }
    };
    let open = OpenSessions::default();
    let stop = Stop::default();
    run(imp, listener, root, &stop, Trace::disabled(), open, ready)?;
    Ok(())
}
