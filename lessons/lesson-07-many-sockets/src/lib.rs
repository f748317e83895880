//! Lesson 07: gevent's many-socket server, a coroutine per connection,
//! answering "how does one thread serve thousands of sockets, and what
//! does each one cost?".
//!
//! **Python original.** The course's gevent server calls
//! `monkey.patch_all()`, then `server(8001)` accepts in a loop and runs
//! `gevent.spawn(handle_request, cli)` for each connection;
//! `handle_request` loops `data = conn.recv(1024)`, `print("recv:",
//! data)`, `conn.send(data)`, and on empty data `conn.shutdown(SHUT_WR)`.
//! Its client starts 100 threads, each sending `hello N` forever and
//! printing `[thread id]recv from server: hello N`.
//!
//! **Rust mapping.**
//!
//! | Python | Rust, this lesson |
//! |---|---|
//! | `monkey.patch_all()` | nothing: the stream's type decides whether `read` blocks the thread or switches |
//! | gevent's patched `socket` | [`green::TcpStream`], [`green::TcpListener`] on lesson 03's hub |
//! | the hub's libev loop | the hub's idle wait as `epoll_wait` on mio's `Poll` ([`green::run`]) |
//! | `gevent.spawn(handle_request, cli)` | `hub::spawn`, `may::go!`, `tokio::spawn`, `thread::spawn` ([`serve`]) |
//! | `handle_request(conn)` | [`handle_request`], one `async fn` for all four |
//! | the 100-thread client | [`client::sock_conn_threads`] |
//!
//! **Run it.**
//!
//! ```text
//! cargo run -p lesson-07-many-sockets                        # server on the hub + a scripted client
//! cargo run -p lesson-07-many-sockets -- serve --runtime tokio --port 8001
//! cargo run -p lesson-07-many-sockets -- client --port 8001 --threads 100 --messages 3
//! cargo run --release -p lesson-07-many-sockets -- load --runtime hub --clients 100
//! cargo run --release -p lesson-07-many-sockets -- hold --runtime hub --connections 10000
//! cargo run --release -p lesson-07-many-sockets -- measure
//! ```
//!
//! **What to notice.**
//!
//! - The course's handler does not stop when the client closes: it reads
//!   `b''` twice and ends on `[Errno 32] Broken pipe`, under CPython with
//!   gevent and here alike ([`handler`]); `--fixed` stops at the first
//!   empty read.
//! - A parked connection costs about 4.5 KB of resident memory on the
//!   hub, 1.5 KB on tokio, 7.8 KB on may and 8.1 KB as a thread, and
//!   8.8 KB under gevent (`measure` and `gevent/measure.sh`, 10,000
//!   connections; threads 2,000). Round trips per second at 100 clients:
//!   the hub two to three times gevent's in four runs on a shared 2-core
//!   machine, a thread per connection faster than either.
//! - The ceiling is descriptors, not memory: this machine allows 20,000
//!   open files per process, and each connection takes one at each end.

pub mod client;
pub mod green;
pub mod handler;
pub mod hold;
pub mod lanes;
pub mod measure;
pub mod run;
pub mod serve;

pub use handler::{
    Conn, Log, Mode, Stream, block_now, handle_request, py_error,
};
pub use serve::{Runtime, Server, serve};
