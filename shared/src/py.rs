//! `py`: Python's way of printing a few values, so a lesson's output can
//! be compared line for line with what the Python original prints.

use std::net::SocketAddr;
use std::time::Duration;

/// Python's `repr` of a bytes object: `b'This is the message. '`.
/// Printable ASCII is shown as is; quotes, backslashes and control bytes
/// are escaped as Python escapes them.
///
/// ```
/// assert_eq!(shared::py::bytes(b"hi 'x'\n\xff"), r"b'hi \'x\'\n\xff'");
/// ```
pub fn bytes(bytes: &[u8]) -> String {
    let mut out = String::from("b'");
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str("\\'"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('\'');
    out
}

/// Python's `str` of a socket address tuple: `('127.0.0.1', 54321)`.
///
/// ```
/// let addr = "127.0.0.1:8001".parse().unwrap();
/// assert_eq!(shared::py::addr(addr), "('127.0.0.1', 8001)");
/// ```
pub fn addr(addr: SocketAddr) -> String {
    format!("('{}', {})", addr.ip(), addr.port())
}

/// How long a client of the course's servers waits for a reply before it
/// gives up: every run is bounded, so a server that stopped answering
/// fails a test instead of hanging it.
pub const PATIENCE: Duration = Duration::from_secs(10);
