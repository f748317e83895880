//! What the tests share: the course's transcript with local URLs, and a
//! way to compare transcripts whose port and timings change from run to
//! run.

#![allow(dead_code, reason = "each test module uses a part of this one")]

/// What the demo prints with no arguments (the file the book shows), the
/// server's port written `PORT` and every digit of a measured time (a
/// decimal number) written `#`.
pub(crate) const DEMO: &str = include_str!("../../output/demo.txt");

/// `text` with `addr` written `127.0.0.1:PORT` and every digit of a
/// decimal number (digits, a dot, digits) written `#`; whole numbers (byte
/// counts, peaks) stay.
pub(crate) fn masked(text: &str, addr: &str) -> String {
    // A stand-in for the address while the numbers are masked, so that
    // its own dots and digits are not taken for a time.
    let text = text.replace(addr, "\u{0}");
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let decimal = i > start
            && i + 1 < chars.len()
            && chars[i] == '.'
            && chars[i + 1].is_ascii_digit();
        if decimal {
            i += 1;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let number: String = chars[start..i].iter().collect();
            out.push_str(&number.replace(|c: char| c.is_ascii_digit(), "#"));
        } else if i > start {
            out.extend(&chars[start..i]);
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out.replace('\u{0}', "127.0.0.1:PORT")
}

/// The `127.0.0.1:PORT` of the first URL in `text`.
pub(crate) fn first_addr(text: &str) -> String {
    let from = text.find("http://").expect("a URL in the output") + 7;
    let rest = &text[from..];
    let end = rest.find('/').expect("a path after the address");
    rest[..end].to_owned()
}

/// A URL on 127.0.0.1 where nothing listens: bind a port, note its number,
/// close it. (Another process could take it in between; on a test machine
/// that is vanishingly rare, and the test would fail, not pass wrongly.)
pub(crate) fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!(
        "http://127.0.0.1:{}/",
        listener.local_addr().unwrap().port()
    )
}

/// A peer on loopback that reads each request's head, answers with `head`
/// and then `body_len` bytes of `x` (or fewer, if the client hangs up
/// first), and closes: a server that never stops sending, or one whose
/// headers lie. Returns its URL.
pub(crate) fn peer(head: &'static str, body_len: u64) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let chunk = [b'x'; 64 * 1024];
                let mut sent = 0;
                while sent < body_len {
                    let n = chunk.len().min((body_len - sent) as usize);
                    if stream.write_all(&chunk[..n]).is_err() {
                        return;
                    }
                    sent += n as u64;
                }
            });
        }
    });
    format!("http://{addr}/")
}
