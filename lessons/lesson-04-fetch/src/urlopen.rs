//! The "unpatched `urlopen`": a tiny blocking HTTP/1.1 GET over
//! [`std::net::TcpStream`], used only by the pitfall strategy.
//!
//! Why not `reqwest::blocking` for the pitfall? Because reqwest guards
//! against that misuse, but only in debug builds: there every blocking
//! call first builds and drops a throwaway runtime, and the drop *panics*
//! when the thread is driving a tokio runtime ("Cannot drop a runtime in a
//! context where blocking is not allowed"). In a release build the check
//! is compiled out and the call simply blocks. A pitfall that panics under
//! `cargo run` and quietly serializes under `cargo run --release` would
//! hide the lesson. Python's `urlopen` has no guard at all: without
//! `monkey.patch_all()` it simply calls the blocking `socket.recv`, and
//! every greenlet on the thread stops with it.
//! This function does exactly that, in Rust: `connect`, `write`, `read`,
//! each one a system call that parks the calling OS thread until the
//! kernel has an answer. Called inside a tokio task, it stops the runtime's
//! thread, and with it every other task.
//!
//! It is deliberately small: one request per connection
//! (`Connection: close`), the body read to the end, chunked bodies
//! decoded, no TLS (an `https` URL is refused with a clear error).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::error::body_size;
use crate::{FetchError, MAX_BODY, Outcome, parse_url};

/// The longest head (status line and headers) read before the answer is
/// called malformed.
const MAX_HEAD: usize = 64 << 10;

// ANCHOR: urlopen
/// Fetches `url` with plain blocking socket calls and returns the body's
/// length: what Python's unpatched `urlopen(url).read()` does. Every call
/// below that can wait (`connect`, `write_all`, `read`) parks the calling
/// OS thread until the kernel answers or `timeout` runs out.
pub fn urlopen(url: &str, timeout: Duration) -> Outcome {
    let url = parse_url(url)?;
    let deadline = Deadline(Instant::now() + timeout, timeout);
    let failed = |e| io_error(e, timeout);

    // DNS, then connect: both block this thread.
    let mut stream = connect(&url, &deadline)?;
    stream
        .set_write_timeout(Some(deadline.left()?))
        .map_err(failed)?;
    stream
        .write_all(request(&url)?.as_bytes())
        .map_err(failed)?;

    // Read until the server closes: `Connection: close` makes the end of
    // the stream the end of the answer. Each `read` blocks the thread.
    let mut response = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let mut body_start = None;
    loop {
        stream
            .set_read_timeout(Some(deadline.left()?))
            .map_err(failed)?;
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => response.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(failed(e)),
        }
        check_size(&response, &mut body_start)?;
    }
    body_length(&response)
}
// ANCHOR_END: urlopen

/// When the whole request must be done, and the timeout it came from.
struct Deadline(Instant, Duration);

impl Deadline {
    /// The time left, or a timeout error if there is none.
    fn left(&self) -> Result<Duration, FetchError> {
        self.0
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or(FetchError::Timeout(self.1))
    }
}

/// Resolves the host and connects to its first address that answers:
/// both block the calling thread. Plain `http` only.
fn connect(
    url: &reqwest::Url,
    deadline: &Deadline,
) -> Result<TcpStream, FetchError> {
    if url.scheme() != "http" {
        return Err(FetchError::BadUrl(
            "the unpatched urlopen speaks plain http only".into(),
        ));
    }
    let addrs = url
        .socket_addrs(|| None)
        .map_err(|e| FetchError::Connect(e.to_string()))?;
    let mut last = io::Error::other("the host has no address");
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, deadline.left()?) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = e,
        }
    }
    Err(io_error(last, deadline.1))
}

/// The request: one GET, and `Connection: close`, so that the end of the
/// stream is the end of the answer.
fn request(url: &reqwest::Url) -> Result<String, FetchError> {
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => return Err(FetchError::BadUrl("no host".into())),
    };
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    Ok(format!(
        "GET {target} HTTP/1.1\r\nHost: {host}\r\n\
         User-Agent: lesson-04-fetch\r\nConnection: close\r\n\r\n"
    ))
}

/// A socket error, as a fetch error: a refusal or a reset is a connection
/// problem, a read that outlived its timeout is a timeout.
fn io_error(e: io::Error, timeout: Duration) -> FetchError {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
            FetchError::Timeout(timeout)
        }
        io::ErrorKind::ConnectionRefused
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::HostUnreachable
        | io::ErrorKind::NetworkUnreachable => {
            FetchError::Connect(e.to_string())
        }
        _ => FetchError::Other(e.to_string()),
    }
}

/// Stops a read that has gone on too long: a head over [`MAX_HEAD`], a
/// `Content-Length` over [`MAX_BODY`], or a body (as sent) over it.
/// `body_start` remembers where the head ended, once it has.
fn check_size(
    response: &[u8],
    body_start: &mut Option<usize>,
) -> Result<(), FetchError> {
    if body_start.is_none() {
        *body_start = head_end(response);
        match *body_start {
            None if response.len() > MAX_HEAD => return Err(malformed()),
            None => return Ok(()),
            Some(end) => {
                let claimed = std::str::from_utf8(&response[..end])
                    .ok()
                    .and_then(|head| header(head, "content-length"))
                    .and_then(|v| v.parse::<u64>().ok());
                if claimed.is_some_and(|n| n > MAX_BODY) {
                    return Err(FetchError::TooLarge(MAX_BODY));
                }
            }
        }
    }
    match *body_start {
        Some(start) if (response.len() - start) as u64 > MAX_BODY => {
            Err(FetchError::TooLarge(MAX_BODY))
        }
        _ => Ok(()),
    }
}

/// Where the body starts: just past the blank line that ends the head.
fn head_end(response: &[u8]) -> Option<usize> {
    let head = &response[..response.len().min(MAX_HEAD + 4)];
    head.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
}

/// The value of the header `name` (any case) in `head`, trimmed.
fn header<'h>(head: &'h str, name: &str) -> Option<&'h str> {
    head.split("\r\n").skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

fn malformed() -> FetchError {
    FetchError::Other("malformed HTTP response".into())
}

/// Checks the status line and returns the length of the body, decoding a
/// chunked body if the server sent one. A `Content-Length` is checked as
/// an HTTP client checks it: it must be a number, the body must be at
/// least that long (the bytes past it are not the body), and it must be
/// within [`MAX_BODY`].
fn body_length(response: &[u8]) -> Outcome {
    let split = head_end(response).ok_or_else(malformed)?;
    let head =
        std::str::from_utf8(&response[..split]).map_err(|_| malformed())?;
    let body = &response[split..];
    let mut lines = head.split("\r\n");
    // "HTTP/1.1 200 OK": the code is the second word, the reason the rest.
    let status = lines.next().ok_or_else(malformed)?;
    let mut words = status.splitn(3, ' ');
    let code: u16 = words
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(malformed)?;
    if !(200..300).contains(&code) {
        let reason = words.next().unwrap_or("").to_owned();
        return Err(FetchError::Status(code, reason));
    }
    let chunked = header(head, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        let n = dechunked_length(body).ok_or_else(malformed)?;
        return body_size(n as u64);
    }
    let Some(claim) = header(head, "content-length") else {
        return body_size(body.len() as u64);
    };
    let claimed: u64 = claim.parse().map_err(|_| {
        FetchError::Other(format!("bad Content-Length: {claim}"))
    })?;
    body_size(claimed)?;
    if (body.len() as u64) < claimed {
        return Err(FetchError::Other(format!(
            "the body ended after {} of its {claimed} bytes",
            body.len()
        )));
    }
    body_size(claimed)
}

/// The length of a chunked body: `size-in-hex\r\n data \r\n`, repeated,
/// ending with a chunk of size 0.
fn dechunked_length(mut body: &[u8]) -> Option<usize> {
    let mut total = 0usize;
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&body[..line_end]).ok()?;
        // Chunk extensions (`1a;name=value`) are allowed and ignored.
        let size_hex = size_text.split(';').next()?.trim();
        let size = usize::from_str_radix(size_hex, 16).ok()?;
        if size == 0 {
            return Some(total);
        }
        let start = line_end + 2;
        body = body.get(start + size + 2..)?;
        total += size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_chunked_bodies_are_measured() {
        let plain = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
        assert_eq!(body_length(plain).unwrap(), 5);
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
                        5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n";
        assert_eq!(body_length(chunked).unwrap(), 11);
    }

    #[test]
    fn an_error_status_is_an_error_with_its_reason() {
        let answer = b"HTTP/1.1 500 Internal Server Error\r\n\r\noops";
        let error = body_length(answer).unwrap_err();
        assert_eq!(error.to_string(), "HTTP 500 Internal Server Error");
        assert!(body_length(b"garbage").is_err());
    }

    #[test]
    fn a_content_length_that_lies_is_an_error() {
        let answer = |claim: &str| {
            format!("HTTP/1.1 200 OK\r\nContent-Length: {claim}\r\n\r\nabc")
        };
        assert_eq!(
            body_length(answer("18446744073709551615").as_bytes()),
            Err(FetchError::TooLarge(MAX_BODY))
        );
        assert_eq!(
            body_length(answer("-5").as_bytes()),
            Err(FetchError::Other("bad Content-Length: -5".into()))
        );
        assert_eq!(
            body_length(answer("10").as_bytes()),
            Err(FetchError::Other(
                "the body ended after 3 of its 10 bytes".into()
            ))
        );
        assert_eq!(body_length(answer("2").as_bytes()), Ok(2));
    }
}
