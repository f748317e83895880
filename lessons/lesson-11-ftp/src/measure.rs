//! Lesson 11: `measure`: each server's aggregate download and upload
//! throughput, `clients` × `size` bytes at once, beside the ceiling, one
//! `std::io::copy` over one loopback connection, measured in the same run
//! (plain, which moves 8 KiB per syscall, and through 64 KiB buffers, the
//! servers' chunk).

use shared::Trace;
use shared::measure::Figure;

use crate::bench::{bench, bytes_bar, copy_loopback, mb_per_sec};
use crate::protocol::CHUNK;
use crate::server::{Impl, Server};

/// How much `measure` moves.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Concurrent clients per direction.
    pub clients: usize,
    /// Bytes per file.
    pub size: u64,
}

impl Sizes {
    /// The lesson's `measure`: 10 clients × 64 MiB.
    pub const FULL: Sizes = Sizes {
        clients: 10,
        size: 64 << 20,
    };
}

/// `copy_mb_per_sec_loopback`, then `upload_mb_per_sec_<impl>` and
/// `download_mb_per_sec_<impl>` for each server, with one progress bar
/// over every byte. The files go to a throwaway folder, removed after
/// each server's run.
///
/// # Errors
///
/// A transfer that failed or did not verify, or a folder that could not
/// be made.
pub fn measure(sizes: Sizes) -> shared::Result<Vec<Figure>> {
    let total = sizes.clients as u64 * sizes.size;
    let bar = bytes_bar(total * (2 + 2 * Impl::all().len() as u64), "measure");
    let plain = copy_loopback(total, None, &bar)?;
    let chunked = copy_loopback(total, Some(CHUNK), &bar)?;
    let mut figures = vec![
        Figure::new(
            "copy_mb_per_sec_loopback",
            mb_per_sec(total, plain),
            "MB/s",
        ),
        Figure::new(
            "copy_mb_per_sec_loopback_64k",
            mb_per_sec(total, chunked),
            "MB/s",
        ),
    ];
    for &imp in Impl::all() {
        let root = tempfile::tempdir()?;
        let server = Server::start(imp, root.path(), 0, Trace::disabled())?;
        let report = bench(server.addr(), sizes.clients, sizes.size, &bar)?;
        server.stop()?;
        figures.push(Figure::new(
            format!("download_mb_per_sec_{}", imp.name()),
            report.download_mb_per_sec(),
            "MB/s",
        ));
        figures.push(Figure::new(
            format!("upload_mb_per_sec_{}", imp.name()),
            report.upload_mb_per_sec(),
            "MB/s",
        ));
    }
    bar.finish_and_clear();
    Ok(figures)
}
