//! Lesson 11: the same file server on lesson 06's async runtime: one task
//! per connection, the protocol as `async fn`s.
//!
//! The state machine of [`crate::on_selector`] is still there: the
//! compiler builds it from these functions, one state per `.await`. What
//! the callbacks kept in a `Session` by hand (the phase, the file, what is
//! left, the checksum) are plain local variables here, and "wait for
//! `EVENT_WRITE`" is `write_all(..).await`.

use std::fs::File;
use std::io::{self, Read as _};
use std::rc::Rc;

use lesson_06_event_loop::runtime::{self, TcpListener, TcpStream};
use shared::net::AcceptBackoff;

use crate::protocol::{
    BUDGET, CHUNK, Checksum, Command, Inbox, MAX_LINE, Refusal, parse,
};
use crate::root::{Root, Upload};
use crate::server::OpenSessions;

/// Accepts connections for ever, a task each.
pub async fn serve(listener: TcpListener, root: Rc<Root>, open: OpenSessions) {
    let mut backoff = AcceptBackoff::new("[ftp]");
    let mut accepted = 0u64;
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
            Err(error) => {
                if let Some(pause) = backoff.on_error(&error) {
                    runtime::sleep(pause).await;
                }
                continue;
            }
        };
        accepted += 1;
        let root = root.clone();
        let open = open.enter();
        runtime::spawn_named(format!("conn {accepted}"), async move {
            let _open = open;
            // A peer that leaves mid-transfer ends its task: not a
            // failure of the server's, nothing to report.
            let _ = session(&stream, &root).await;
        });
    }
}

// ANCHOR: session
/// One connection: commands until `QUIT` or the peer leaves.
async fn session(stream: &TcpStream, root: &Rc<Root>) -> io::Result<()> {
    let mut inbox = Inbox::new();
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let Some(line) = read_line(stream, &mut inbox).await? else {
            return Ok(()); // the peer closed
        };
        // An overlong line is refused like any line that is no command.
        match line.and_then(|line| parse(&line)) {
            Ok(Command::List) => list(stream, root).await?,
            Ok(Command::Get(name)) => match root.open_file(&name) {
                Ok((file, size)) => {
                    send_file(stream, file, size, &mut chunk).await?;
                }
                Err(refusal) => reply(stream, refusal.reply()).await?,
            },
            Ok(Command::Put(name, size)) => match root.begin_upload(&name) {
                Ok(mut upload) => {
                    reply(stream, "GO").await?;
                    // An error or EOF returns here with `?`, and dropping
                    // `upload` removes the temporary file.
                    let sum = receive_file(
                        stream,
                        &mut inbox,
                        &mut upload,
                        size,
                        &mut chunk,
                    )
                    .await?;
                    match upload.finish() {
                        Ok(()) => reply(stream, &format!("OK {sum}")).await?,
                        Err(refusal) => reply(stream, refusal.reply()).await?,
                    }
                }
                Err(refusal) => reply(stream, refusal.reply()).await?,
            },
            Ok(Command::Quit) => return reply(stream, "OK bye").await,
            Err(refusal) => reply(stream, refusal.reply()).await?,
        }
    }
}
// ANCHOR_END: session

// ANCHOR: send_file
/// `GET`: the size, the file a chunk at a time, the checksum. The one
/// chunk is all the memory a download holds, however slow the reader.
async fn send_file(
    stream: &TcpStream,
    mut file: File,
    size: u64,
    chunk: &mut [u8],
) -> io::Result<()> {
    reply(stream, &format!("OK {size}")).await?;
    let mut sum = Checksum::default();
    let mut left = size;
    let mut since_yield = 0;
    while left > 0 {
        let want = chunk.len().min(usize::try_from(left).unwrap_or(CHUNK));
        let n = file.read(&mut chunk[..want])?;
        if n == 0 {
            // The file shrank under us: the promised size cannot be kept.
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        sum.update(&chunk[..n]);
        stream.write_all(&chunk[..n]).await?;
        left -= n as u64;
        since_yield += n;
        // A fast reader never makes `write_all` wait, so this task would
        // never give the others a turn: give one every BUDGET bytes.
        if since_yield >= BUDGET {
            since_yield = 0;
            runtime::yield_now().await;
        }
    }
    reply(stream, &format!("SUM {}", sum.hex())).await
}
// ANCHOR_END: send_file

/// `PUT`'s bytes: from the socket to the temporary file, a chunk at a
/// time. Returns the checksum.
async fn receive_file(
    stream: &TcpStream,
    inbox: &mut Inbox,
    upload: &mut Upload,
    size: u64,
    chunk: &mut [u8],
) -> io::Result<String> {
    let mut sum = Checksum::default();
    let mut left = size;
    // Bytes that arrived right behind the PUT line are the file's first.
    let early = inbox.len().min(usize::try_from(left).unwrap_or(CHUNK));
    if early > 0 {
        sum.update(&inbox[..early]);
        upload.write(&inbox[..early])?;
        inbox.drain(..early);
        left -= early as u64;
    }
    let mut since_yield = 0;
    while left > 0 {
        let want = chunk.len().min(usize::try_from(left).unwrap_or(CHUNK));
        let n = stream.read(&mut chunk[..want]).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        sum.update(&chunk[..n]);
        upload.write(&chunk[..n])?;
        left -= n as u64;
        since_yield += n;
        if since_yield >= BUDGET {
            since_yield = 0;
            runtime::yield_now().await;
        }
    }
    Ok(sum.hex())
}

/// `LIST`: the count, then a line per file.
async fn list(stream: &TcpStream, root: &Root) -> io::Result<()> {
    let Ok(files) = root.list() else {
        return reply(stream, Refusal::Failed.reply()).await;
    };
    let mut text = format!("OK {}\n", files.len());
    for (name, size) in files {
        text.push_str(&format!("{size} {name}\n"));
    }
    stream.write_all(text.as_bytes()).await
}

/// Reads up to the next `\n` (the inbox keeps what follows it). `None`:
/// the peer closed; `Some(Err)`: the line was too long.
async fn read_line(
    stream: &TcpStream,
    inbox: &mut Inbox,
) -> io::Result<Option<Result<Vec<u8>, Refusal>>> {
    let mut buf = [0u8; MAX_LINE];
    loop {
        if let Some(line) = inbox.take_line() {
            return Ok(Some(line));
        }
        let room = inbox.room();
        let n = stream.read(&mut buf[..room]).await?;
        if n == 0 {
            return Ok(None);
        }
        inbox.extend_from_slice(&buf[..n]);
    }
}

async fn reply(stream: &TcpStream, line: &str) -> io::Result<()> {
    let mut bytes = Vec::with_capacity(line.len() + 1);
    bytes.extend_from_slice(line.as_bytes());
    bytes.push(b'\n');
    stream.write_all(&bytes).await
}
