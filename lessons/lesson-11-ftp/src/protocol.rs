//! Lesson 11: the protocol, written down once for both servers and the
//! client: a command line, then (for `PUT`) raw bytes.
//!
//! ```text
//! LIST\n              -> OK <count>\n  then <count> lines "<size> <name>\n"
//! GET <name>\n        -> OK <size>\n   <size> bytes   SUM <xxh3>\n
//! PUT <name> <size>\n -> GO\n  then the client sends <size> bytes
//!                     -> OK <xxh3>\n   once the file is complete and renamed
//! QUIT\n              -> OK bye\n      and the server closes
//! ```
//!
//! Any command may instead get one of `ERR no such file`, `ERR exists`,
//! `ERR bad name`, `ERR too large` (and `ERR bad command` for a line that
//! is no command at all). The `<xxh3>` is the checksum of the file's
//! bytes, 16 hex digits, computed by the sender *and* the receiver as the
//! bytes pass: a transfer is good when both lengths and both checksums
//! agree.
//!
//! `PUT` waits for `GO` before sending, so a refused upload costs one
//! line, not the whole file sent into a connection that will throw it
//! away (or close, and lose the `ERR` in the reset).

use std::fmt;

// ANCHOR: limits
/// The longest command line the server reads (with its `\n`). A line is
/// the only thing a server reads before knowing what to do with it, so it
/// is the only input that must be capped by itself.
pub const MAX_LINE: usize = 1024;

/// How much of a file a connection holds at a time, in either direction:
/// the server reads at most this much from the disk before the socket has
/// taken it, or from the socket before the disk has. A client that stops
/// reading costs the server this buffer, never the file.
pub const CHUNK: usize = 64 * 1024;

/// How many bytes one connection may move before the loop serves the
/// others: a fast peer could otherwise keep its socket ready forever and
/// starve everybody else on the thread.
pub const BUDGET: usize = 16 * CHUNK;

/// The largest upload accepted: `ERR too large` above it.
pub const MAX_FILE: u64 = 4 << 30;
// ANCHOR_END: limits

/// A parsed command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `LIST`: the names and sizes of the files in the root.
    List,
    /// `GET name`: one file's size, bytes and checksum.
    Get(String),
    /// `PUT name size`: a new file of `size` bytes.
    Put(String, u64),
    /// `QUIT`: goodbye.
    Quit,
}

/// Why a command is refused: the `ERR` replies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// `GET` of a name that is not a regular file in the root.
    NoSuchFile,
    /// `PUT` of a name that exists, or is being uploaded right now.
    Exists,
    /// A name with `/`, `..`, a NUL byte, or a symlink out of the root.
    BadName,
    /// A `PUT` larger than [`MAX_FILE`].
    TooLarge,
    /// Not a command of the protocol (or a line over [`MAX_LINE`]).
    BadCommand,
    /// The server's disk failed it (full, say).
    Failed,
}

impl Refusal {
    /// The reply line, without its `\n`.
    pub fn reply(self) -> &'static str {
        match self {
            Refusal::NoSuchFile => "ERR no such file",
            Refusal::Exists => "ERR exists",
            Refusal::BadName => "ERR bad name",
            Refusal::TooLarge => "ERR too large",
            Refusal::BadCommand => "ERR bad command",
            Refusal::Failed => "ERR failed",
        }
    }

    /// The refusal a reply line stands for, if it is one.
    pub fn from_reply(line: &str) -> Option<Refusal> {
        [
            Refusal::NoSuchFile,
            Refusal::Exists,
            Refusal::BadName,
            Refusal::TooLarge,
            Refusal::BadCommand,
            Refusal::Failed,
        ]
        .into_iter()
        .find(|r| r.reply() == line)
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reply())
    }
}

impl std::error::Error for Refusal {}

// ANCHOR: check_name
/// Whether `name` may name a file in the root: one path component, no
/// way up or out. (Symlinks are checked where the file is opened, since
/// only the file system knows where one leads.)
pub fn check_name(name: &str) -> Result<(), Refusal> {
    let bad = name.is_empty()
        || name == "."
        || name == ".."
        || name.contains('/')
        || name.contains('\0')
        || name.len() > 255;
    if bad { Err(Refusal::BadName) } else { Ok(()) }
}
// ANCHOR_END: check_name

/// Parses one command line (without its `\n`).
///
/// # Errors
///
/// [`Refusal::BadCommand`] for anything that is not one of the four
/// commands; [`Refusal::BadName`] for a name that is not UTF-8 or fails
/// [`check_name`].
pub fn parse(line: &[u8]) -> Result<Command, Refusal> {
    let Ok(line) = std::str::from_utf8(line) else {
        return Err(Refusal::BadName);
    };
    let (verb, rest) = line.split_once(' ').unwrap_or((line, ""));
    match (verb, rest) {
        ("LIST", "") => Ok(Command::List),
        ("QUIT", "") => Ok(Command::Quit),
        ("GET", name) => {
            check_name(name)?;
            Ok(Command::Get(name.to_owned()))
        }
        // The size is the last word, so a name may hold spaces.
        ("PUT", rest) => {
            let (name, size) =
                rest.rsplit_once(' ').ok_or(Refusal::BadCommand)?;
            let size: u64 = size.parse().map_err(|_| Refusal::BadCommand)?;
            check_name(name)?;
            if size > MAX_FILE {
                return Err(Refusal::TooLarge);
            }
            Ok(Command::Put(name.to_owned(), size))
        }
        _ => Err(Refusal::BadCommand),
    }
}

/// The checksum both ends compute as the bytes pass: xxh3, 64 bits.
pub struct Checksum(xxhash_rust::xxh3::Xxh3);

impl Default for Checksum {
    fn default() -> Checksum {
        Checksum(xxhash_rust::xxh3::Xxh3::new())
    }
}

impl Checksum {
    /// Adds `bytes`.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The checksum so far, as the protocol writes it: 16 hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0.digest())
    }
}

/// The checksum of `bytes`, as [`Checksum::hex`] writes it.
pub fn checksum(bytes: &[u8]) -> String {
    let mut sum = Checksum::default();
    sum.update(bytes);
    sum.hex()
}

/// The bytes of a connection not yet used: a command line being read, or
/// the first bytes of a file that arrived right behind its `PUT` line.
/// Never more than [`MAX_LINE`] bytes.
#[derive(Debug, Default)]
pub struct Inbox {
    bytes: Vec<u8>,
    /// Inside a line already refused as too long: its bytes are dropped
    /// up to its `\n`, so that the next line is read as a line.
    overlong: bool,
}

impl Inbox {
    /// An empty inbox.
    pub fn new() -> Inbox {
        Inbox {
            bytes: Vec::with_capacity(MAX_LINE),
            overlong: false,
        }
    }

    /// How many bytes the next read may add.
    pub fn room(&self) -> usize {
        MAX_LINE - self.bytes.len()
    }

    // ANCHOR: take_line
    /// Takes one `\n`-terminated line off the front, if there is one. A
    /// line longer than [`MAX_LINE`] is dropped as it arrives (the inbox
    /// never grows past the cap) and answered, once its end has come,
    /// with `Some(Err(BadCommand))`: the reply lines up with the line, and
    /// the connection goes on.
    pub fn take_line(&mut self) -> Option<Result<Vec<u8>, Refusal>> {
        loop {
            match self.bytes.iter().position(|&b| b == b'\n') {
                Some(end) => {
                    let mut line: Vec<u8> = self.bytes.drain(..=end).collect();
                    if std::mem::take(&mut self.overlong) {
                        return Some(Err(Refusal::BadCommand));
                    }
                    line.pop();
                    return Some(Ok(line));
                }
                None if self.bytes.len() >= MAX_LINE => {
                    self.bytes.clear();
                    self.overlong = true;
                }
                None => return None,
            }
        }
    }
    // ANCHOR_END: take_line
}

impl std::ops::Deref for Inbox {
    type Target = Vec<u8>;

    fn deref(&self) -> &Vec<u8> {
        &self.bytes
    }
}

impl std::ops::DerefMut for Inbox {
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_and_names_may_hold_spaces() {
        assert_eq!(parse(b"LIST"), Ok(Command::List));
        assert_eq!(parse(b"GET a b"), Ok(Command::Get("a b".into())));
        assert_eq!(parse(b"PUT a b 12"), Ok(Command::Put("a b".into(), 12)));
        assert_eq!(parse(b"PUT a"), Err(Refusal::BadCommand));
        assert_eq!(parse(b"PUT a x"), Err(Refusal::BadCommand));
        assert_eq!(parse(b"DEL a"), Err(Refusal::BadCommand));
    }

    #[test]
    fn names_that_leave_the_root_are_refused() {
        for name in ["", ".", "..", "../x", "/etc/passwd", "a/b", "a\0b"] {
            assert_eq!(check_name(name), Err(Refusal::BadName), "{name:?}");
        }
        assert_eq!(parse(b"GET \xff"), Err(Refusal::BadName));
        assert_eq!(check_name("..hidden"), Ok(()));
    }

    #[test]
    fn too_large_an_upload_is_refused_before_any_byte() {
        let line = format!("PUT big {}", MAX_FILE + 1);
        assert_eq!(parse(line.as_bytes()), Err(Refusal::TooLarge));
    }

    #[test]
    fn a_line_is_taken_whole_and_an_overlong_one_refused_at_its_end() {
        let mut inbox = Inbox::new();
        inbox.extend_from_slice(b"LIST\nGET");
        assert_eq!(inbox.take_line(), Some(Ok(b"LIST".to_vec())));
        assert_eq!(inbox.take_line(), None);
        assert_eq!(&inbox[..], b"GET");
        inbox.clear();
        inbox.extend_from_slice(&[b'x'; MAX_LINE]);
        assert_eq!(inbox.take_line(), None);
        assert_eq!(inbox.room(), MAX_LINE);
        inbox.extend_from_slice(b"xx\nQUIT\n");
        assert_eq!(inbox.take_line(), Some(Err(Refusal::BadCommand)));
        assert_eq!(inbox.take_line(), Some(Ok(b"QUIT".to_vec())));
    }
}
