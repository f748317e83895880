//! Lesson 11: the protocol on the wire, one command after another: the
//! default run, whose transcript the chapter shows (the same for both
//! servers, which a test checks).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use shared::Trace;

use crate::protocol::{MAX_FILE, checksum};
use crate::server::{Impl, Server};

/// What the demo uploads.
const HELLO: &[u8] = b"hello, world";

/// Runs the scripted session against `imp` on a throwaway root (holding
/// `escape`, a symlink to `/etc/hostname`) and returns its lines: `>` what
/// the client sent, `<` what the server answered.
///
/// # Errors
///
/// A server that would not start, or a connection that failed.
pub fn session(imp: Impl) -> shared::Result<Vec<String>> {
    let root = tempfile::tempdir()?;
    std::os::unix::fs::symlink("/etc/hostname", root.path().join("escape"))?;
    let server = Server::start(imp, root.path(), 0, Trace::disabled())?;
    let stream = TcpStream::connect(server.addr())?;
    let mut wire = Wire {
        reader: BufReader::new(stream.try_clone()?),
        writer: stream,
        lines: vec![
            "# the root holds `escape`, a symlink to /etc/hostname".into(),
        ],
    };
    wire.send(&format!("PUT hello.txt {}", HELLO.len()))?;
    wire.receive()?; // GO
    wire.send_bytes(HELLO)?;
    wire.receive()?; // OK <checksum>
    wire.send("LIST")?;
    // `OK 1` and one line: `escape` leads out of the root, so it is
    // not listed.
    wire.receive()?;
    wire.receive()?;
    wire.send("GET hello.txt")?;
    wire.receive()?; // OK 12
    wire.receive_bytes(HELLO.len())?;
    wire.receive()?; // SUM <checksum>
    for refused in [
        format!("PUT hello.txt {}", HELLO.len()),
        "GET ../etc/passwd".to_owned(),
        "GET /etc/passwd".to_owned(),
        "GET escape".to_owned(),
        "GET missing.txt".to_owned(),
        format!("PUT huge.iso {}", MAX_FILE + 1),
        "DEL hello.txt".to_owned(),
    ] {
        wire.send(&refused)?;
        wire.receive()?;
    }
    wire.send("QUIT")?;
    wire.receive()?;
    let Wire { mut lines, .. } = wire;
    lines.push(format!(
        "# xxh3 of {:?} is {}",
        bytes_text(HELLO),
        checksum(HELLO)
    ));
    server.stop()?;
    Ok(lines)
}

struct Wire {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    lines: Vec<String>,
}

impl Wire {
    fn send(&mut self, line: &str) -> std::io::Result<()> {
        self.lines.push(format!("> {line}"));
        self.writer.write_all(format!("{line}\n").as_bytes())
    }

    fn send_bytes(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.lines.push(format!(
            "> [{} bytes: {}]",
            bytes.len(),
            bytes_text(bytes)
        ));
        self.writer.write_all(bytes)
    }

    fn receive(&mut self) -> shared::Result<()> {
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let Some(line) = line.strip_suffix('\n') else {
            return Err("the server closed mid-line".into());
        };
        self.lines.push(format!("< {line}"));
        Ok(())
    }

    fn receive_bytes(&mut self, n: usize) -> std::io::Result<()> {
        let mut bytes = vec![0u8; n];
        self.reader.read_exact(&mut bytes)?;
        self.lines
            .push(format!("< [{n} bytes: {}]", bytes_text(&bytes)));
        Ok(())
    }
}

fn bytes_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
