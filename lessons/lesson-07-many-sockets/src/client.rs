//! Lesson 07: the course's clients: 100 threads, each sending
//! `hello N` and printing the reply, and the short scripted one.
//!
//! The course's `sock_conn` loops forever; here each thread stops after
//! `messages` round trips and closes its socket. Its line is the course's
//! `print("[%s]recv from server:" % threading.get_ident(), data.decode())`,
//! with our thread's id in place of Python's.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// A client of the echo: sends `hello N`, reads the reply.
pub struct HelloClient {
    conn: TcpStream,
}

impl HelloClient {
    /// Connects, with the course's patience for each reply.
    pub fn connect(addr: SocketAddr) -> io::Result<HelloClient> {
        let conn = TcpStream::connect(addr)?;
        conn.set_read_timeout(Some(shared::py::PATIENCE))?;
        Ok(HelloClient { conn })
    }

    /// Sends `hello {count}` and returns the reply (one `recv(1024)`).
    pub fn round_trip(&mut self, count: usize) -> io::Result<String> {
        let mut buf = [0; 1024];
        self.conn.write_all(format!("hello {count}").as_bytes())?;
        let n = self.conn.read(&mut buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(String::from_utf8_lossy(&buf[..n]).into_owned())
    }

    /// Its socket.
    pub fn into_inner(self) -> TcpStream {
        self.conn
    }
}

/// The course's 100-thread client, bounded: `threads` threads, each
/// doing `messages` round trips and printing the course's line for each.
pub fn sock_conn_threads(
    addr: SocketAddr,
    threads: usize,
    messages: usize,
) -> shared::Result<()> {
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            thread::spawn(move || -> io::Result<()> {
                let id = thread_id();
                let mut conn = TcpStream::connect(addr)?;
                conn.set_read_timeout(Some(shared::py::PATIENCE))?;
                let mut buf = [0; 1024];
                for count in 0..messages {
                    conn.write_all(format!("hello {count}").as_bytes())?;
                    let n = conn.read(&mut buf)?;
                    let data = String::from_utf8_lossy(&buf[..n]);
                    shared::outln!("[{id}]recv from server: {data}")?;
                }
                Ok(())
            })
        })
        .collect();
    let mut first_error = None;
    for handle in handles {
        match handle.join() {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                first_error.get_or_insert(error.to_string());
            }
            Err(_) => {
                first_error.get_or_insert("a client thread panicked".into());
            }
        }
    }
    match first_error {
        Some(error) => Err(format!("a client failed: {error}").into()),
        None => Ok(()),
    }
}

/// This thread's id as Python's `threading.get_ident()` gives it: the
/// pthread handle.
fn thread_id() -> u64 {
    // SAFETY: pthread_self has no preconditions and cannot fail.
    (unsafe { libc::pthread_self() }) as u64
}

/// Round trips done by a load run, and how long they took.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoadStats {
    /// Messages sent and echoed back, over all clients.
    pub round_trips: u64,
    /// From the first connect to the last reply.
    pub elapsed: Duration,
}

impl LoadStats {
    /// Round trips per second.
    pub fn per_sec(&self) -> f64 {
        self.round_trips as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// `clients` threads, each connecting once and doing `messages` round
/// trips of a 7-byte message, checking every echo.
pub fn load(
    addr: SocketAddr,
    clients: usize,
    messages: usize,
) -> shared::Result<LoadStats> {
    shared::net::raise_fd_limit();
    let start = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            thread::Builder::new().stack_size(64 * 1024).spawn(
                move || -> io::Result<u64> {
                    let mut conn = TcpStream::connect(addr)?;
                    conn.set_nodelay(true)?;
                    conn.set_read_timeout(Some(shared::py::PATIENCE))?;
                    let mut buf = [0; 7];
                    for _ in 0..messages {
                        conn.write_all(b"hello 0")?;
                        conn.read_exact(&mut buf)?;
                        if &buf != b"hello 0" {
                            return Err(io::Error::other("a wrong echo"));
                        }
                    }
                    Ok(messages as u64)
                },
            )
        })
        .collect::<io::Result<_>>()?;
    let mut round_trips = 0;
    for handle in handles {
        round_trips += handle
            .join()
            .map_err(|_| "a load thread panicked")?
            .map_err(|e| format!("a load client failed: {e}"))?;
    }
    Ok(LoadStats {
        round_trips,
        elapsed: start.elapsed(),
    })
}
