//! Lesson 11: `bench`, many transfers at once, and the ceiling they are
//! compared with: one plain copy over one loopback connection.
//!
//! `C` client threads first upload a file of `size` bytes each, all at
//! once, then download them all at once; every transfer is verified
//! (length and checksum on both sides). The clients are threads because
//! they are the load, not the lesson: the server under test is one thread
//! whatever it serves.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;

use crate::client::{Client, FtpError, Pattern};
use crate::protocol::CHUNK;

/// What one `bench` run measured.
#[derive(Clone, Copy, Debug)]
pub struct BenchReport {
    /// Clients, each uploading then downloading one file.
    pub clients: usize,
    /// Bytes per file.
    pub size: u64,
    /// From the first upload's start to the last one's end.
    pub upload: Duration,
    /// From the first download's start to the last one's end.
    pub download: Duration,
}

impl BenchReport {
    /// All the bytes of one direction.
    pub fn total(&self) -> u64 {
        self.clients as u64 * self.size
    }

    /// Aggregate upload throughput, in MB/s (10⁶ bytes).
    pub fn upload_mb_per_sec(&self) -> f64 {
        mb_per_sec(self.total(), self.upload)
    }

    /// Aggregate download throughput, in MB/s (10⁶ bytes).
    pub fn download_mb_per_sec(&self) -> f64 {
        mb_per_sec(self.total(), self.download)
    }
}

/// Bytes over time, in MB/s (10⁶ bytes per second).
pub fn mb_per_sec(bytes: u64, elapsed: Duration) -> f64 {
    bytes as f64 / 1e6 / elapsed.as_secs_f64().max(1e-9)
}

/// Runs `clients` concurrent uploads of `size` bytes each to the server
/// at `addr`, then as many concurrent downloads of the same files, every
/// one verified; counts every byte on `progress`. The files are named
/// `bench-<pid>-<time>-<i>`, so runs never collide.
///
/// # Errors
///
/// The first transfer that failed or did not verify.
pub fn bench(
    addr: SocketAddr,
    clients: usize,
    size: u64,
    progress: &ProgressBar,
) -> shared::Result<BenchReport> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let prefix = format!("bench-{}-{stamp}", std::process::id());
    let names: Vec<String> =
        (0..clients).map(|i| format!("{prefix}-{i}")).collect();
    let upload = all_at_once(&names, addr, progress, |client, i, name| {
        let mut data = Pattern::new(i as u64);
        let sent = client.put(name, &mut data, size)?;
        Ok(sent.checksum)
    })?;
    let download = all_at_once(&names, addr, progress, |client, _, name| {
        let got = client.get(name, &mut io::sink())?;
        if got.bytes != size {
            return Err(FtpError::Corrupt(format!(
                "{name}: {} bytes back of {size}",
                got.bytes
            )));
        }
        Ok(got.checksum)
    })?;
    // Both directions checked each transfer against the server; this
    // checks the round trip: what came back is what went.
    if upload.1 != download.1 {
        return Err("a file came back different from how it went".into());
    }
    Ok(BenchReport {
        clients,
        size,
        upload: upload.0,
        download: download.0,
    })
}

/// Runs `transfer` on a connection per name, all threads released at
/// once; returns the time from release to the last one's end, and their
/// checksums in order.
fn all_at_once(
    names: &[String],
    addr: SocketAddr,
    progress: &ProgressBar,
    transfer: impl Fn(&mut Client, usize, &str) -> Result<String, FtpError> + Sync,
) -> shared::Result<(Duration, Vec<String>)> {
    let start = Barrier::new(names.len() + 1);
    std::thread::scope(|scope| {
        let threads: Vec<_> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let (start, transfer) = (&start, &transfer);
                scope.spawn(move || {
                    // Connect before the barrier: the clock measures
                    // transfers, not handshakes.
                    let client = Client::connect(addr);
                    start.wait();
                    let mut client = client?.with_progress(progress.clone());
                    let sum = transfer(&mut client, i, name)?;
                    client.quit()?;
                    Ok::<_, FtpError>(sum)
                })
            })
            .collect();
        start.wait();
        let began = Instant::now();
        let mut sums = Vec::new();
        for thread in threads {
            match thread.join() {
                Ok(Ok(sum)) => sums.push(sum),
                Ok(Err(e)) => return Err(e.into()),
                Err(_) => return Err("a client thread panicked".into()),
            }
        }
        Ok((began.elapsed(), sums))
    })
}

// ANCHOR: copy_loopback
/// The ceiling: `bytes` through one loopback connection with
/// `std::io::copy` on both ends, no protocol, no disk, no checksum.
/// `buffer`: `None` for plain `io::copy`, which moves 8 KiB per syscall;
/// `Some(n)` to copy through buffers of `n` bytes on both ends.
///
/// # Errors
///
/// What the sockets said.
pub fn copy_loopback(
    bytes: u64,
    buffer: Option<usize>,
    progress: &ProgressBar,
) -> io::Result<Duration> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let sender = std::thread::spawn(move || -> io::Result<()> {
        let stream = TcpStream::connect(addr)?;
        // `repeat` fills a buffer with one byte: the sender costs
        // nothing but its `send`s.
        let mut data = io::repeat(b'x').take(bytes);
        match buffer {
            None => io::copy(&mut data, &mut { stream })?,
            Some(n) => {
                let mut out = io::BufWriter::with_capacity(n, stream);
                let sent = io::copy(&mut data, &mut out)?;
                out.flush()?;
                sent
            }
        };
        Ok(())
    });
    let (stream, _) = listener.accept()?;
    let began = Instant::now();
    let counted = Counted {
        inner: stream,
        progress,
    };
    let copied = match buffer {
        None => io::copy(&mut { counted }, &mut io::sink())?,
        Some(n) => {
            let mut input = io::BufReader::with_capacity(n, counted);
            io::copy(&mut input, &mut io::sink())?
        }
    };
    let elapsed = began.elapsed();
    sender
        .join()
        .map_err(|_| io::Error::other("the sender panicked"))??;
    if copied != bytes {
        return Err(io::Error::other(format!("{copied} of {bytes} bytes")));
    }
    Ok(elapsed)
}
// ANCHOR_END: copy_loopback

/// A reader that counts what passes on a progress bar.
struct Counted<'a, R> {
    inner: R,
    progress: &'a ProgressBar,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.inc(n as u64);
        Ok(n)
    }
}

/// A progress bar over `bytes`, on stderr (drawn only on a terminal).
pub fn bytes_bar(bytes: u64, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(bytes);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {elapsed}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar
}

const _: () = assert!(CHUNK.is_multiple_of(8), "Pattern reads whole words");
