//! Lesson 05: a server of any model on a background thread, for the CLI,
//! the tests, the pictures and the benches.
//!
//! [`Server`] runs [`serve`] on a thread of its own and stops it when
//! dropped, so that no test or run leaves a thread or a socket behind.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use shared::Trace;
use shared::net::listen;

use crate::{Control, Model, ServerStats, serve, uring};

/// A server running one model on `127.0.0.1:0` in a background thread.
/// Dropping it stops the server, joins its threads and closes every file
/// descriptor it opened; [`Server::stop`] does the same and returns the
/// server's totals.
pub struct Server {
    model: Model,
    addr: SocketAddr,
    control: Arc<Control>,
    thread: Option<JoinHandle<shared::Result<()>>>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("model", &self.model)
            .field("addr", &self.addr)
            .finish()
    }
}

impl Server {
    /// Starts `model` on a free port of 127.0.0.1, untraced.
    pub fn start(model: Model) -> shared::Result<Server> {
        Server::start_traced(model, Trace::disabled())
    }

    /// Starts `model` on a free port, recording into `trace`.
    pub fn start_traced(model: Model, trace: Trace) -> shared::Result<Server> {
        Server::start_on(model, 0, trace)
    }

    /// Starts `model` on `port` of 127.0.0.1 (0: any free port).
    pub fn start_on(
        model: Model,
        port: u16,
        trace: Trace,
    ) -> shared::Result<Server> {
        // Say so up front, rather than start a server that fails at once.
        if model == Model::IoUring {
            uring::available()?;
        }
        let listener = listen(port)?;
        let addr = listener.local_addr()?;
        let control = Arc::new(Control::new(trace)?);
        let server_control = Arc::clone(&control);
        let thread = std::thread::Builder::new()
            .name(format!("server-{model}"))
            .spawn(move || serve(model, listener, &server_control))?;
        // Not needed for correctness (connections wait in the backlog),
        // only so that the server is running when the caller starts.
        control.wait_ready(Duration::from_secs(5));
        Ok(Server {
            model,
            addr,
            control,
            thread: Some(thread),
        })
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The model it runs.
    pub fn model(&self) -> Model {
        self.model
    }

    /// Waits for the server to end on its own, which it only does on an
    /// error (the CLI's `serve` runs until Ctrl-C ends the process).
    pub fn wait(mut self) -> shared::Result<()> {
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => {
                Err(format!("the {} server panicked", self.model).into())
            }
            None => Ok(()),
        }
    }

    /// Stops the server, waits for its threads, and returns its totals, or
    /// the error that ended it early.
    pub fn stop(mut self) -> shared::Result<ServerStats> {
        self.shut()?;
        Ok(self.control.stats())
    }

    fn shut(&mut self) -> shared::Result<()> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        self.control.stop();
        match thread.join() {
            Ok(result) => result,
            Err(_) => Err(format!("the {} server panicked", self.model).into()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // An error here was the server's own; `stop` is the way to see it.
        let _ = self.shut();
    }
}
