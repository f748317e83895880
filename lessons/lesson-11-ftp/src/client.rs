//! Lesson 11: the client, blocking and plain: one connection, one command
//! at a time. The server is the lesson; the client only has to be right,
//! and to check that every transfer was: the length it was promised and a
//! checksum it computed itself, against the server's.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

use indicatif::ProgressBar;

use crate::protocol::{CHUNK, Checksum, MAX_LINE, Refusal};

/// What can go wrong with a transfer.
#[derive(Debug)]
pub enum FtpError {
    /// The server said `ERR ...`.
    Refused(Refusal),
    /// The bytes arrived but do not match: a short file, or a checksum
    /// that differs from the other side's.
    Corrupt(String),
    /// The server said something the protocol does not allow.
    Protocol(String),
    /// The connection failed.
    Io(io::Error),
}

impl fmt::Display for FtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FtpError::Refused(refusal) => {
                write!(f, "the server said {refusal}")
            }
            FtpError::Corrupt(what) => write!(f, "corrupt transfer: {what}"),
            FtpError::Protocol(what) => write!(f, "protocol error: {what}"),
            FtpError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for FtpError {}

impl From<io::Error> for FtpError {
    fn from(e: io::Error) -> FtpError {
        FtpError::Io(e)
    }
}

/// One finished, verified transfer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// Bytes moved.
    pub bytes: u64,
    /// Their checksum, which both sides computed and agreed on.
    pub checksum: String,
}

/// A connection to the file server.
pub struct Client {
    conn: BufReader<TcpStream>,
    progress: Option<ProgressBar>,
}

impl Client {
    /// Connects to `addr`.
    ///
    /// # Errors
    ///
    /// A refused connection, with the address in the message.
    pub fn connect(addr: SocketAddr) -> Result<Client, FtpError> {
        let stream = TcpStream::connect(addr).map_err(|e| {
            FtpError::Io(io::Error::new(
                e.kind(),
                format!("cannot connect to {addr}: {e}"),
            ))
        })?;
        Ok(Client {
            conn: BufReader::with_capacity(CHUNK, stream),
            progress: None,
        })
    }

    /// Counts every byte moved on `bar` too.
    pub fn with_progress(mut self, bar: ProgressBar) -> Client {
        self.progress = Some(bar);
        self
    }

    /// Sends one command line.
    fn send_line(&mut self, line: &str) -> Result<(), FtpError> {
        let mut bytes = line.as_bytes().to_vec();
        bytes.push(b'\n');
        self.conn.get_mut().write_all(&bytes)?;
        Ok(())
    }

    /// Reads one reply line; an `ERR` line becomes [`FtpError::Refused`].
    fn reply(&mut self) -> Result<String, FtpError> {
        let mut line = Vec::new();
        (&mut self.conn)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut line)?;
        if line.pop() != Some(b'\n') {
            return Err(FtpError::Protocol(
                "the connection closed mid-reply".into(),
            ));
        }
        let line = String::from_utf8(line).map_err(|_| {
            FtpError::Protocol("a reply that is not UTF-8".into())
        })?;
        match Refusal::from_reply(&line) {
            Some(refusal) => Err(FtpError::Refused(refusal)),
            None => Ok(line),
        }
    }

    /// A reply `<word> <value>`, with `word` checked and `value` parsed.
    fn expect<T: std::str::FromStr>(
        &mut self,
        word: &str,
    ) -> Result<T, FtpError> {
        let line = self.reply()?;
        line.strip_prefix(word)
            .and_then(|rest| rest.strip_prefix(' '))
            .and_then(|value| value.parse().ok())
            .ok_or_else(|| {
                FtpError::Protocol(format!(
                    "expected `{word} ...`, got {line:?}"
                ))
            })
    }

    /// `LIST`: the files and their sizes.
    ///
    /// # Errors
    ///
    /// What the server or the connection said.
    pub fn list(&mut self) -> Result<Vec<(String, u64)>, FtpError> {
        self.send_line("LIST")?;
        let count: usize = self.expect("OK")?;
        let mut files = Vec::new();
        for _ in 0..count {
            let line = self.reply()?;
            let parsed = line.split_once(' ').and_then(|(size, name)| {
                Some((name.to_owned(), size.parse().ok()?))
            });
            files.push(parsed.ok_or_else(|| {
                FtpError::Protocol(format!("a LIST line {line:?}"))
            })?);
        }
        Ok(files)
    }

    // ANCHOR: get
    /// `GET name`: writes the file's bytes to `out`, and checks that the
    /// promised number arrived and that their checksum matches the
    /// server's.
    ///
    /// # Errors
    ///
    /// `ERR no such file` and the like, a short or corrupt transfer, or
    /// what the connection or `out` said.
    pub fn get(
        &mut self,
        name: &str,
        out: &mut impl Write,
    ) -> Result<Transfer, FtpError> {
        self.send_line(&format!("GET {name}"))?;
        let size: u64 = self.expect("OK")?;
        let mut sum = Checksum::default();
        let mut left = size;
        while left > 0 {
            let available = self.conn.fill_buf()?;
            if available.is_empty() {
                return Err(FtpError::Corrupt(format!(
                    "{} of {size} bytes, then the connection closed",
                    size - left
                )));
            }
            let n = available.len().min(usize::try_from(left).unwrap_or(CHUNK));
            sum.update(&available[..n]);
            out.write_all(&available[..n])?;
            self.conn.consume(n);
            left -= n as u64;
            self.count(n);
        }
        let theirs: String = self.expect("SUM")?;
        verified(size, sum.hex(), &theirs)
    }
    // ANCHOR_END: get

    /// `PUT name size`: sends `size` bytes from `data` once the server
    /// says `GO`, and checks the server's checksum against ours.
    ///
    /// # Errors
    ///
    /// `ERR exists` and the like, `data` shorter than `size`, a checksum
    /// that differs, or what the connection said.
    pub fn put(
        &mut self,
        name: &str,
        data: &mut impl Read,
        size: u64,
    ) -> Result<Transfer, FtpError> {
        self.send_line(&format!("PUT {name} {size}"))?;
        let go = self.reply()?;
        if go != "GO" {
            return Err(FtpError::Protocol(format!("expected GO, got {go:?}")));
        }
        let mut sum = Checksum::default();
        let mut chunk = vec![0u8; CHUNK];
        let mut left = size;
        while left > 0 {
            let want = CHUNK.min(usize::try_from(left).unwrap_or(CHUNK));
            let n = data.read(&mut chunk[..want])?;
            if n == 0 {
                return Err(FtpError::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("the data ended {left} bytes short of {size}"),
                )));
            }
            sum.update(&chunk[..n]);
            self.conn.get_mut().write_all(&chunk[..n])?;
            left -= n as u64;
            self.count(n);
        }
        let theirs: String = self.expect("OK")?;
        verified(size, sum.hex(), &theirs)
    }

    /// `QUIT`, and the server's goodbye.
    ///
    /// # Errors
    ///
    /// What the connection said.
    pub fn quit(mut self) -> Result<(), FtpError> {
        self.send_line("QUIT")?;
        self.reply()?;
        Ok(())
    }

    fn count(&self, n: usize) {
        if let Some(bar) = &self.progress {
            bar.inc(n as u64);
        }
    }
}

fn verified(
    bytes: u64,
    ours: String,
    theirs: &str,
) -> Result<Transfer, FtpError> {
    if ours == theirs {
        Ok(Transfer {
            bytes,
            checksum: ours,
        })
    } else {
        Err(FtpError::Corrupt(format!(
            "checksum {ours} here, {theirs} at the other end"
        )))
    }
}

/// Endless bytes that are not all alike, for uploads of any size:
/// xorshift64 from `seed`, 8 bytes at a time.
#[derive(Clone, Debug)]
pub struct Pattern {
    state: u64,
}

impl Pattern {
    /// The stream for `seed` (any value; 0 is moved off xorshift's fixed
    /// point).
    pub fn new(seed: u64) -> Pattern {
        Pattern {
            state: seed ^ 0x9e37_79b9_7f4a_7c15,
        }
    }

    /// The first `size` bytes of the stream, in memory.
    pub fn bytes(seed: u64, size: usize) -> Vec<u8> {
        let mut bytes = vec![0u8; size];
        Pattern::new(seed).fill(&mut bytes);
        bytes
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for word in buf.chunks_mut(8) {
            let mut x = self.state;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.state = x;
            word.copy_from_slice(&x.to_le_bytes()[..word.len()]);
        }
    }
}

impl Read for Pattern {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Whole words only, so that the stream does not depend on how it
        // is read in pieces (a last partial word ends a read).
        let n = if buf.len() >= 8 {
            buf.len() / 8 * 8
        } else {
            buf.len()
        };
        self.fill(&mut buf[..n]);
        Ok(n)
    }
}
