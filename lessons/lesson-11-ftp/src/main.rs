//! Lesson 11's CLI. `cargo run -p lesson-11-ftp`: one scripted session on
//! the wire; as subcommands, the server, the client's `get`, `put`, `ls`
//! and `bench`, a traced run of transfers interleaved on one thread, and
//! `measure`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::builder::RangedI64ValueParser;
use clap::{Args, Parser, Subcommand};
use lesson_11_ftp::bench::bytes_bar;
use lesson_11_ftp::protocol::{MAX_FILE, check_name};
use lesson_11_ftp::{Client, Impl, Server, Sizes, demo, interleave};
use shared::Trace;
use shared::render::TimelineArgs;

/// The course's homework: a file server on one thread with select.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
}

/// Where the server is.
#[derive(Debug, Args)]
struct Remote {
    /// The server's port.
    #[arg(long, value_name = "P", default_value_t = 2121)]
    port: u16,
    /// The server's address.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
}

impl Remote {
    fn addr(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.port)
    }
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Serve the files of a folder, every connection on one thread.
    Serve {
        /// The folder served (it must exist).
        #[arg(long, value_name = "DIR")]
        root: PathBuf,
        /// The port on 127.0.0.1 (0: any free one; the address goes to
        /// stderr).
        #[arg(long, value_name = "P", default_value_t = 2121)]
        port: u16,
        /// Which event loop serves.
        #[arg(long = "impl", value_enum, default_value_t = Impl::Selector)]
        imp: Impl,
    },
    /// Download NAME into the current folder.
    Get {
        /// The file's name on the server.
        name: String,
        #[command(flatten)]
        remote: Remote,
    },
    /// Upload the file at PATH, under its file name.
    Put {
        /// The file to upload.
        path: PathBuf,
        #[command(flatten)]
        remote: Remote,
    },
    /// List the server's files.
    Ls {
        #[command(flatten)]
        remote: Remote,
    },
    /// C concurrent uploads, then C concurrent downloads, all verified:
    /// the aggregate throughput.
    Bench {
        /// Concurrent clients.
        #[arg(
            long,
            value_name = "C",
            default_value_t = 10,
            value_parser = RangedI64ValueParser::<usize>::new().range(1..=1_000),
        )]
        clients: usize,
        /// Bytes per file (a suffix K, M or G counts in KiB, MiB, GiB).
        #[arg(long, value_name = "BYTES", default_value = "64M", value_parser = parse_size)]
        size: u64,
        /// The server's port; without it, `bench` starts its own server
        /// (`--impl`) on a throwaway folder.
        #[arg(long, value_name = "P")]
        port: Option<u16>,
        /// The server's address, with `--port`.
        #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
        host: IpAddr,
        /// Which event loop serves, without `--port`.
        #[arg(long = "impl", value_enum, default_value_t = Impl::Selector)]
        imp: Impl,
    },
    /// Two downloads and an upload at once, traced: the turns each
    /// connection gets on the one server thread.
    Interleave {
        /// Which event loop serves.
        #[arg(long = "impl", value_enum, default_value_t = Impl::Selector)]
        imp: Impl,
        /// Bytes per file (K, M, G: KiB, MiB, GiB).
        #[arg(long, value_name = "BYTES", default_value = "8M", value_parser = parse_size)]
        size: u64,
        #[command(flatten)]
        timeline: TimelineArgs,
    },
    /// Both servers' download and upload throughput at C clients, and one
    /// loopback copy, as `name=value unit`.
    Measure {
        /// Concurrent clients.
        #[arg(
            long,
            value_name = "C",
            default_value_t = 10,
            value_parser = RangedI64ValueParser::<usize>::new().range(1..=1_000),
        )]
        clients: usize,
        /// Bytes per file (K, M, G: KiB, MiB, GiB).
        #[arg(long, value_name = "BYTES", default_value = "64M", value_parser = parse_size)]
        size: u64,
    },
}

/// `65536`, `64K`, `64M`, `1G`: a size in bytes, the suffixes in powers of
/// 1024; at most the largest upload.
fn parse_size(text: &str) -> Result<u64, String> {
    let (digits, shift) = match text.char_indices().last() {
        Some((i, 'K' | 'k')) => (&text[..i], 10),
        Some((i, 'M' | 'm')) => (&text[..i], 20),
        Some((i, 'G' | 'g')) => (&text[..i], 30),
        _ => (text, 0),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size (65536, 64K, 64M, 1G)"))?;
    let bytes = n
        .checked_mul(1 << shift)
        .filter(|&b| b <= MAX_FILE)
        .ok_or_else(|| {
            format!("{text} is more than the largest file, {MAX_FILE} bytes")
        })?;
    Ok(bytes)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => default_run(),
        Some(Cmd::Serve { root, port, imp }) => {
            lesson_11_ftp::serve_forever(imp, &root, port)
        }
        Some(Cmd::Get { name, remote }) => get(&name, &remote),
        Some(Cmd::Put { path, remote }) => put(&path, &remote),
        Some(Cmd::Ls { remote }) => ls(&remote),
        Some(Cmd::Bench {
            clients,
            size,
            port,
            host,
            imp,
        }) => bench(clients, size, port.map(|p| SocketAddr::new(host, p)), imp),
        Some(Cmd::Interleave {
            imp,
            size,
            timeline,
        }) => interleave(imp, size, &timeline),
        Some(Cmd::Measure { clients, size }) => {
            measure(Sizes { clients, size })
        }
    };
    shared::exit_code(result)
}

fn default_run() -> shared::Result<()> {
    for line in demo::session(Impl::Selector)? {
        shared::outln!("{line}")?;
    }
    Ok(())
}

fn get(name: &str, remote: &Remote) -> shared::Result<()> {
    check_name(name).map_err(|_| format!("{name:?} is not a file name"))?;
    let target = Path::new(name);
    if target.symlink_metadata().is_ok() {
        return Err(format!("{name} exists here; not overwriting it").into());
    }
    // Like the server, write to a temporary name and rename only a
    // complete, verified file.
    let partial = PathBuf::from(format!(".{name}.part"));
    let mut client = Client::connect(remote.addr())?;
    let result = (|| -> shared::Result<_> {
        let mut file = std::fs::File::create_new(&partial)?;
        let transfer = client.get(name, &mut file)?;
        drop(file);
        std::fs::rename(&partial, target)?;
        Ok(transfer)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    let transfer = result?;
    client.quit()?;
    shared::outln!(
        "got {name}: {} bytes, xxh3 {} (checked)",
        transfer.bytes,
        transfer.checksum
    )?;
    Ok(())
}

fn put(path: &Path, remote: &Remote) -> shared::Result<()> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("{} has no file name", path.display()))?;
    let mut file = std::fs::File::open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let size = file.metadata()?.len();
    let mut client = Client::connect(remote.addr())?;
    let transfer = client.put(name, &mut file, size)?;
    client.quit()?;
    shared::outln!(
        "put {name}: {} bytes, xxh3 {} (checked)",
        transfer.bytes,
        transfer.checksum
    )?;
    Ok(())
}

fn ls(remote: &Remote) -> shared::Result<()> {
    let mut client = Client::connect(remote.addr())?;
    let files = client.list()?;
    client.quit()?;
    for (name, size) in files {
        shared::outln!("{size:>12} {name}")?;
    }
    Ok(())
}

fn bench(
    clients: usize,
    size: u64,
    remote: Option<SocketAddr>,
    imp: Impl,
) -> shared::Result<()> {
    shared::net::raise_fd_limit();
    let total = clients as u64 * size;
    let bar = bytes_bar(2 * total, "bench");
    let (report, who) = match remote {
        Some(addr) => (
            lesson_11_ftp::bench(addr, clients, size, &bar)?,
            addr.to_string(),
        ),
        None => {
            let root = tempfile::tempdir()?;
            let server = Server::start(imp, root.path(), 0, Trace::disabled())?;
            let report =
                lesson_11_ftp::bench(server.addr(), clients, size, &bar)?;
            server.stop()?;
            (report, format!("the {}", imp.name()))
        }
    };
    bar.finish_and_clear();
    for (direction, elapsed, rate) in [
        ("uploaded", report.upload, report.upload_mb_per_sec()),
        ("downloaded", report.download, report.download_mb_per_sec()),
    ] {
        shared::outln!(
            "{who}: {clients} clients {direction} {size} bytes each in {:.2} s: \
             {rate:.0} MB/s, every transfer verified",
            elapsed.as_secs_f64()
        )?;
    }
    Ok(())
}

fn interleave(
    imp: Impl,
    size: u64,
    timeline: &TimelineArgs,
) -> shared::Result<()> {
    let trace = interleave::interleave(imp, size, timeline.wanted())?;
    if !timeline.wanted() {
        shared::outln!(
            "two downloads and an upload of {size} bytes, served at once by the {} \
             (add --timeline or --svg FILE to see them)",
            imp.name()
        )?;
    }
    timeline.show(
        &trace,
        &format!(
            "lesson 11: two downloads and an upload on one thread ({})",
            imp.name()
        ),
    )
}

fn measure(sizes: Sizes) -> shared::Result<()> {
    shared::net::raise_fd_limit();
    let figures = lesson_11_ftp::measure(sizes)?;
    Ok(shared::measure::print_figures(&figures)?)
}
