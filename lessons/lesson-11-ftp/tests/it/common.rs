//! What the tests share: a server on a throwaway root, raw protocol
//! lines, and waiting for a server to close its connections.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use lesson_11_ftp::{Client, FtpError, Impl, Server, Transfer};
use shared::Trace;
use tempfile::TempDir;

/// A server of `imp` on a fresh folder (dropped after the server).
pub(crate) struct Served {
    pub(crate) server: Server,
    pub(crate) root: TempDir,
}

pub(crate) fn serve(imp: Impl) -> Served {
    let root = tempfile::tempdir().unwrap();
    let server = Server::start(imp, root.path(), 0, Trace::disabled()).unwrap();
    Served { server, root }
}

impl Served {
    pub(crate) fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    pub(crate) fn put(
        &self,
        name: &str,
        bytes: &[u8],
    ) -> Result<Transfer, FtpError> {
        let mut client = Client::connect(self.addr())?;
        let sent = client.put(name, &mut &bytes[..], bytes.len() as u64)?;
        client.quit()?;
        Ok(sent)
    }

    pub(crate) fn get(&self, name: &str) -> Result<Vec<u8>, FtpError> {
        let mut client = Client::connect(self.addr())?;
        let mut bytes = Vec::new();
        client.get(name, &mut bytes)?;
        client.quit()?;
        Ok(bytes)
    }

    /// Waits until the server has closed every connection: a client's
    /// close reaches the server a turn of its loop later. (A wait for an
    /// event, bounded so that a bug fails rather than hangs; not a
    /// timing assertion.)
    pub(crate) fn wait_until_idle(&self) {
        for _ in 0..30_000 {
            if self.server.open_sessions() == 0 {
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        panic!(
            "the server still holds {} connections",
            self.server.open_sessions()
        );
    }

    /// The names in the uploads-in-progress folder.
    pub(crate) fn partial_files(&self) -> Vec<String> {
        std::fs::read_dir(self.root.path().join(lesson_11_ftp::root::PARTIAL))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect()
    }
}

/// A connection that speaks the protocol by hand, byte for byte.
pub(crate) struct Raw {
    pub(crate) reader: BufReader<TcpStream>,
    pub(crate) writer: TcpStream,
}

impl Raw {
    pub(crate) fn connect(addr: SocketAddr) -> Raw {
        let writer = TcpStream::connect(addr).unwrap();
        Raw {
            reader: BufReader::new(writer.try_clone().unwrap()),
            writer,
        }
    }

    pub(crate) fn send(&mut self, line: &[u8]) {
        self.writer.write_all(line).unwrap();
        self.writer.write_all(b"\n").unwrap();
    }

    /// The next reply line, or `None` if the server closed.
    pub(crate) fn reply(&mut self) -> Option<String> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end_matches('\n').to_owned()),
        }
    }

    /// Sends `line` and returns the one-line reply.
    pub(crate) fn ask(&mut self, line: &[u8]) -> String {
        self.send(line);
        self.reply().expect("a reply")
    }
}
