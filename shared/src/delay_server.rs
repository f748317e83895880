//! `DelayServer`: a real HTTP/1.1 server on loopback that answers slowly on
//! purpose, so that lessons can fetch "slow web pages" without the internet.
//!
//! The Python course fetches `python.org`, `yahoo.com` and `github.com` to
//! show that waiting on the network is what coroutines overlap. Real sites
//! make a poor experiment: their delays change from run to run, a test
//! cannot depend on them, and a learner may be offline. This server gives
//! the same shape (a request, a wait, a small answer) with the wait chosen
//! by the URL:
//!
//! | route | answer |
//! |---|---|
//! | `/delay/{ms}` | waits `ms` milliseconds (at most 60 000), then `200` with the route as the body |
//! | `/bytes/{n}` | `200` with `n` bytes (at most 16 MiB) |
//! | `/status/{code}` | that status (200 to 599), with a one-line body |
//! | anything else | `404`; a bad number is `400` |
//!
//! It is hyper's HTTP/1.1 server on a tokio runtime of its own, on a thread
//! of its own: [`DelayServer::start`] binds `127.0.0.1:0`, spawns the thread
//! and returns once the port is known; dropping the handle stops accepting,
//! lets the requests in flight finish (at most [`GRACE`]) and joins the
//! thread. Because the server owns its runtime, any client can use it: a
//! blocking client on the main thread, a hundred OS threads, rayon, or a
//! tokio runtime of the caller's.
//!
//! It counts the requests in flight, so a test can ask "how many requests
//! were being served at once at the peak?" with
//! [`DelayServer::peak_in_flight`]. With a [`Trace`], it also records each
//! request as a [`State::Waiting`] span from its arrival (its head parsed)
//! to its departure (its answer handed to hyper), one lane per connection
//! (`conn 1`, `conn 2`, ...): requests on one HTTP/1.1 connection never
//! overlap, so the number of lanes is the number of connections a client
//! opened, and `snapshot.peak_overlap(snapshot.spans_in(State::Waiting))`
//! is the peak again, from the spans.
//!
//! ```
//! use shared::DelayServer;
//! use std::io::{Read, Write};
//!
//! let server = DelayServer::start(None)?;
//! let mut conn = std::net::TcpStream::connect(server.addr())?;
//! conn.write_all(b"GET /delay/5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
//! let mut answer = String::new();
//! conn.read_to_string(&mut answer)?;
//! assert!(answer.starts_with("HTTP/1.1 200 OK"));
//! assert!(answer.ends_with("/delay/5\n"));
//! assert_eq!(server.peak_in_flight(), 1);
//! # Ok::<(), shared::Error>(())
//! ```

use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;

use crate::{Lane, State, Trace};

/// The longest `/delay/{ms}` the server accepts: a minute. Longer is a
/// `400`, so that no URL can keep a test or a learner waiting for ever.
pub const MAX_DELAY_MS: u64 = 60_000;

/// The largest `/bytes/{n}` body: 16 MiB.
pub const MAX_BYTES: usize = 16 << 20;

/// How long a stopping server lets requests in flight finish before it
/// drops them.
pub const GRACE: Duration = Duration::from_secs(2);

/// Counters shared by the server's tasks and the handle.
#[derive(Debug, Default)]
struct Counters {
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    served: AtomicU64,
    connections: AtomicU64,
}

/// What every connection task needs.
struct Shared {
    counters: Arc<Counters>,
    trace: Option<Trace>,
}

/// A running delay server; dropping it stops the server.
#[derive(Debug)]
pub struct DelayServer {
    addr: SocketAddr,
    counters: Arc<Counters>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl DelayServer {
    /// Starts a server on `127.0.0.1` and a port the kernel picks, and
    /// records each request on `trace` if one is given.
    pub fn start(trace: Option<&Trace>) -> io::Result<DelayServer> {
        DelayServer::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), trace)
    }

    /// Starts a server on `addr` (for a fixed port, as in
    /// `cargo run -p lesson-04-fetch -- serve --port 8000`).
    pub fn bind(
        addr: SocketAddr,
        trace: Option<&Trace>,
    ) -> io::Result<DelayServer> {
        // A current-thread runtime: one thread runs the accept loop, every
        // connection and every timer. Serving is almost all waiting, and
        // one thread can wait on ten thousand timers at once; that is the
        // lesson, on the server side too.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        // Bind here, not in the thread, so that a taken port is an error
        // the caller sees, and `addr()` is known before we return. The
        // listener is `shared::net`'s: one listen backlog for every server
        // of the course, big enough that a client opening ten thousand
        // connections at once does not overflow the queue (a dropped SYN
        // is retried a second later, and a 100 ms fetch takes 1.1 s).
        let SocketAddr::V4(v4) = addr else {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("cannot listen on {addr}: IPv4 addresses only"),
            ));
        };
        let listener = crate::net::listen_on(v4)?;
        listener.set_nonblocking(true)?;
        let listener = {
            let _runtime = runtime.enter();
            TcpListener::from_std(listener)?
        };
        let addr = listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        let shared = Arc::new(Shared {
            counters: Arc::clone(&counters),
            trace: trace.cloned(),
        });
        let (stop, stopped) = oneshot::channel();
        let thread = thread::Builder::new().name("delay-server".into()).spawn(
            move || {
                runtime.block_on(serve(listener, shared, stopped));
                // Dropping the runtime here drops whatever the grace
                // period did not finish.
            },
        )?;
        Ok(DelayServer {
            addr,
            counters,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The full URL of `path` on this server: `url("/delay/300")` is
    /// `http://127.0.0.1:PORT/delay/300`.
    pub fn url(&self, path: &str) -> String {
        let slash = if path.starts_with('/') { "" } else { "/" };
        format!("http://{}{slash}{path}", self.addr)
    }

    /// Requests being served right now.
    pub fn in_flight(&self) -> usize {
        self.counters.in_flight.load(Ordering::SeqCst)
    }

    /// The most requests that were being served at one moment since the
    /// start or the last [`reset_peak`](Self::reset_peak).
    pub fn peak_in_flight(&self) -> usize {
        self.counters.peak.load(Ordering::SeqCst)
    }

    /// Starts a new peak measurement (from the requests in flight now).
    pub fn reset_peak(&self) {
        let now = self.in_flight();
        self.counters.peak.store(now, Ordering::SeqCst);
    }

    /// Requests answered so far (any status).
    pub fn served(&self) -> u64 {
        self.counters.served.load(Ordering::SeqCst)
    }

    /// Connections accepted so far: with connection reuse, far fewer than
    /// requests.
    pub fn connections(&self) -> u64 {
        self.counters.connections.load(Ordering::SeqCst)
    }

    /// Blocks until the server's thread ends, which it only does when the
    /// server fails: for a standalone server that runs until Ctrl-C.
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            // A panic in the server thread has already been printed.
            let _ = thread.join();
        }
    }
}

impl Drop for DelayServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            // The receiver is gone only if the thread already ended.
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The accept loop: one task per connection, until told to stop.
async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stop: oneshot::Receiver<()>,
) {
    let (shutdown, shutting_down) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut backoff = crate::net::AcceptBackoff::new("[delay server]");
    loop {
        tokio::select! {
            // `biased`: look at `stop` first, so that a flood of
            // connections cannot keep a stopping server accepting.
            biased;
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let n = shared
                        .counters
                        .connections
                        .fetch_add(1, Ordering::SeqCst)
                        + 1;
                    connections.spawn(connection(
                        stream,
                        n,
                        Arc::clone(&shared),
                        shutting_down.clone(),
                    ));
                }
                // Out of file descriptors (EMFILE) or a connection reset
                // before we took it: the listener is fine. Out of
                // descriptors, pause so that a full descriptor table does
                // not turn this loop into a busy spin; otherwise take the
                // next one at once.
                Err(error) => {
                    if let Some(pause) = backoff.on_error(&error) {
                        tokio::time::sleep(pause).await;
                    }
                }
            },
            // Reap finished connection tasks so the set does not grow.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    // Graceful: every connection finishes the request it is serving and
    // then closes, instead of being cut mid-answer.
    let _ = shutdown.send(true);
    let drained = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(GRACE, drained).await.is_err() {
        connections.abort_all();
    }
}

/// One HTTP/1.1 connection: requests one after another, until the client
/// closes it or the server stops.
async fn connection(
    stream: TcpStream,
    n: u64,
    shared: Arc<Shared>,
    mut shutting_down: watch::Receiver<bool>,
) {
    // Small answers go out at once instead of waiting for Nagle's timer.
    let _ = stream.set_nodelay(true);
    let lane = shared.trace.as_ref().map(|t| t.lane(format!("conn {n}")));
    let service = service_fn(move |request| {
        answer(request, Arc::clone(&shared.counters), lane.clone())
    });
    // `half_close`: a client may shut its sending half once its request
    // is out (`printf 'GET ...' | nc -N`) and still read the answer.
    // hyper's default takes the end of the request stream for the end of
    // the connection and drops the answer.
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .half_close(true)
        .serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        // A connection error (the client vanished) ends the connection;
        // there is no one left to tell.
        _ = conn.as_mut() => {}
        _ = shutting_down.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// Counts a request in flight while alive; on drop (answered, or dropped
/// by a stopping server) counts it out and records its span.
struct InFlight {
    counters: Arc<Counters>,
    lane: Option<Lane>,
    route: String,
    arrived: Duration,
}

impl InFlight {
    fn arrive(
        counters: Arc<Counters>,
        lane: Option<Lane>,
        route: String,
    ) -> InFlight {
        let now = counters.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        counters.peak.fetch_max(now, Ordering::SeqCst);
        let arrived =
            lane.as_ref().map(|l| l.trace().now()).unwrap_or_default();
        InFlight {
            counters,
            lane,
            route,
            arrived,
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.counters.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.counters.served.fetch_add(1, Ordering::SeqCst);
        if let Some(lane) = &self.lane {
            let left = lane.trace().now();
            let route = std::mem::take(&mut self.route);
            lane.record_span(State::Waiting, route, self.arrived, left);
        }
    }
}

/// A route, parsed from the path.
#[derive(Debug, PartialEq)]
enum Route {
    Delay(u64),
    Bytes(usize),
    Status(StatusCode),
    BadNumber(&'static str),
    NotFound,
}

fn route(path: &str) -> Route {
    let Some((kind, arg)) = path.trim_start_matches('/').split_once('/') else {
        return Route::NotFound;
    };
    match kind {
        "delay" => match arg.parse() {
            Ok(ms) if ms <= MAX_DELAY_MS => Route::Delay(ms),
            _ => Route::BadNumber("/delay/{ms} takes 0 to 60000"),
        },
        "bytes" => match arg.parse() {
            Ok(n) if n <= MAX_BYTES => Route::Bytes(n),
            _ => Route::BadNumber("/bytes/{n} takes 0 to 16777216"),
        },
        "status" => match arg.parse::<u16>() {
            Ok(code @ 200..=599) => match StatusCode::from_u16(code) {
                Ok(status) => Route::Status(status),
                Err(_) => Route::BadNumber("/status/{code} takes 200 to 599"),
            },
            _ => Route::BadNumber("/status/{code} takes 200 to 599"),
        },
        _ => Route::NotFound,
    }
}

// ANCHOR: answer
/// Answers one request. Never fails: a bad route is an HTTP error
/// status, not a broken connection.
async fn answer(
    request: Request<Incoming>,
    counters: Arc<Counters>,
    lane: Option<Lane>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    let _in_flight = InFlight::arrive(counters, lane, path.clone());
    let (status, body) = match route(&path) {
        Route::Delay(ms) => {
            // The whole point: a wait that costs this thread nothing. The
            // task is parked on a timer and the runtime serves others.
            // (Not for 0: tokio's timer ticks in whole milliseconds, so
            // even a zero sleep would wait for the next tick, and
            // `/delay/0` is how a bench measures everything but waiting.)
            if ms > 0 {
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            (StatusCode::OK, Bytes::from(format!("{path}\n")))
        }
        Route::Bytes(n) => (StatusCode::OK, Bytes::from(vec![b'x'; n])),
        Route::Status(status) => {
            (status, Bytes::from(format!("status {}\n", status.as_u16())))
        }
        Route::BadNumber(why) => {
            (StatusCode::BAD_REQUEST, Bytes::from(format!("{why}\n")))
        }
        Route::NotFound => (
            StatusCode::NOT_FOUND,
            Bytes::from("routes: /delay/{ms}, /bytes/{n}, /status/{code}\n"),
        ),
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    Ok(response)
}
// ANCHOR_END: answer

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_parse_and_refuse_what_they_should() {
        assert_eq!(route("/delay/300"), Route::Delay(300));
        assert_eq!(route("/bytes/0"), Route::Bytes(0));
        assert_eq!(
            route("/status/500"),
            Route::Status(StatusCode::INTERNAL_SERVER_ERROR)
        );
        for bad in ["/delay/-1", "/delay/60001", "/bytes/x", "/status/99"] {
            assert!(matches!(route(bad), Route::BadNumber(_)), "{bad}");
        }
        for missing in ["/", "/delay", "/nothing/1"] {
            assert_eq!(route(missing), Route::NotFound, "{missing}");
        }
    }

    #[test]
    fn a_client_that_half_closes_after_its_request_is_answered() {
        use std::io::{Read, Write};
        let server = DelayServer::start(None).unwrap();
        let mut conn = std::net::TcpStream::connect(server.addr()).unwrap();
        // What `printf 'GET ...' | nc -N` does: send the request, then shut
        // the sending half down, and only read.
        conn.write_all(b"GET /delay/10 HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        conn.shutdown(std::net::Shutdown::Write).unwrap();
        // A bound, so that a server that never answers fails the test.
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut answer = String::new();
        conn.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer:?}");
        assert!(answer.ends_with("/delay/10\n"), "{answer:?}");
    }
}
