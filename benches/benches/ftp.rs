//! Lesson 11: aggregate throughput of the file server at 10 clients, on
//! lesson 06's selector and on its runtime, beside one loopback copy (the
//! ceiling the lesson compares with, plain `io::copy` and through 64 KiB
//! buffers), and what `sendfile` changes for one connection sending a
//! file from the page cache.
//!
//! ```text
//! cargo bench -p benches --bench ftp
//! cargo bench -p benches --bench ftp -- download   # one group
//! FTP_BENCH_MIB=64 cargo bench -p benches --bench ftp
//! ```
//!
//! Files are `FTP_BENCH_MIB` MiB each, 8 by default: 80 MiB per iteration
//! across the 10 clients, tens of milliseconds, so that the default run
//! stays short. The lesson's `measure` moves 10 × 64 MiB; smaller files
//! change the figures little once each transfer is many chunks long.
//! Criterion prints `thrpt: … MiB/s` or `GiB/s` for every bench.
//!
//! Every transfer is verified as in the lesson (length and checksum on
//! both sides), except the copies and the `serve_file` pair, which move
//! bytes and nothing else.

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use indicatif::ProgressBar;
use lesson_11_ftp::{Client, Impl, Pattern, Server, copy_loopback};
use shared::Trace;

const CLIENTS: usize = 10;

/// Bytes per file.
fn size() -> u64 {
    std::env::var("FTP_BENCH_MIB")
        .ok()
        .and_then(|m| m.parse::<u64>().ok())
        .filter(|&m| m > 0)
        .unwrap_or(8)
        << 20
}

/// Runs one transfer per client at once; the time from release to the
/// last one's end (connects excluded).
fn at_once(
    addr: SocketAddr,
    transfer: impl Fn(&mut Client, usize) + Sync,
) -> Duration {
    let start = Barrier::new(CLIENTS + 1);
    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let (start, transfer) = (&start, &transfer);
                scope.spawn(move || {
                    let mut client = Client::connect(addr).expect("connect");
                    start.wait();
                    transfer(&mut client, i);
                })
            })
            .collect();
        start.wait();
        let began = Instant::now();
        for thread in threads {
            thread.join().expect("a client");
        }
        began.elapsed()
    })
}

fn ftp(c: &mut Criterion) {
    let size = size();
    let mut group = c.benchmark_group("ftp");
    group.throughput(Throughput::Bytes(CLIENTS as u64 * size));
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    let hidden = ProgressBar::hidden();
    group.bench_function("copy_loopback/plain", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| copy_loopback(CLIENTS as u64 * size, None, &hidden))
                .map(|t| t.expect("a copy"))
                .sum()
        })
    });
    group.bench_function("copy_loopback/64k", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    copy_loopback(
                        CLIENTS as u64 * size,
                        Some(64 << 10),
                        &hidden,
                    )
                })
                .map(|t| t.expect("a copy"))
                .sum()
        })
    });
    for &imp in Impl::all() {
        let root = tempfile::tempdir().expect("a folder");
        let len = usize::try_from(size).expect("fits");
        for i in 0..CLIENTS {
            std::fs::write(
                root.path().join(format!("down-{i}")),
                Pattern::bytes(i as u64, len),
            )
            .expect("a file");
        }
        let server = Server::start(imp, root.path(), 0, Trace::disabled())
            .expect("a server");
        let addr = server.addr();
        group.bench_function(format!("download/{}", imp.name()), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        at_once(addr, |client, i| {
                            let name = format!("down-{i}");
                            let got = client.get(&name, &mut io::sink());
                            assert_eq!(got.expect("a download").bytes, size);
                        })
                    })
                    .sum()
            })
        });
        let mut round = 0;
        group.bench_function(format!("upload/{}", imp.name()), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    round += 1;
                    total += at_once(addr, |client, i| {
                        let name = format!("up-{round}-{i}");
                        let mut data = Pattern::new(i as u64);
                        client.put(&name, &mut data, size).expect("an upload");
                    });
                    // Untimed: keep the disk from filling up.
                    for i in 0..CLIENTS {
                        let name = format!("up-{round}-{i}");
                        let _ = std::fs::remove_file(root.path().join(name));
                    }
                }
                total
            })
        });
        drop(server);
    }
    group.finish();
}

/// One connection sends a page-cached file: `read` into a 64 KiB buffer
/// and `write` it (what the servers do), or `sendfile` (no copy through
/// user space). The receiver drains into a 64 KiB buffer.
fn serve_file(c: &mut Criterion) {
    let size = 64 << 20;
    let dir = tempfile::tempdir().expect("a folder");
    let path = dir.path().join("file");
    std::fs::write(&path, Pattern::bytes(1, size)).expect("a file");
    let mut group = c.benchmark_group("serve_file");
    group.throughput(Throughput::Bytes(size as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for with_sendfile in [false, true] {
        let name = if with_sendfile {
            "sendfile"
        } else {
            "read_write"
        };
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| send_once(&path, size, with_sendfile))
                    .sum()
            })
        });
    }
    group.finish();
}

fn send_once(
    path: &std::path::Path,
    size: usize,
    with_sendfile: bool,
) -> Duration {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let receiver = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).expect("connect");
        let mut buf = vec![0u8; 64 << 10];
        let mut got = 0;
        loop {
            let n = stream.read(&mut buf).expect("read");
            if n == 0 {
                break got;
            }
            got += n;
        }
    });
    let (mut stream, _) = listener.accept().expect("accept");
    let mut file = File::open(path).expect("open");
    let began = Instant::now();
    if with_sendfile {
        let mut left = size;
        while left > 0 {
            let n =
                rustix::fs::sendfile(stream.as_fd(), file.as_fd(), None, left)
                    .expect("sendfile");
            left -= n;
        }
    } else {
        let mut buf = vec![0u8; 64 << 10];
        loop {
            let n = file.read(&mut buf).expect("read");
            if n == 0 {
                break;
            }
            stream.write_all(&buf[..n]).expect("write");
        }
    }
    drop(stream);
    let got = receiver.join().expect("the receiver");
    let elapsed = began.elapsed();
    assert_eq!(got, size);
    elapsed
}

criterion_group! {
    name = benches;
    config = benches::criterion();
    targets = ftp, serve_file
}
criterion_main!(benches);
