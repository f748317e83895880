//! Lesson 04: how a fetch fails, and the checks every strategy makes the
//! same way.
//!
//! Python's `urlopen` raises `HTTPError` for a status outside 2xx,
//! `URLError` when it cannot connect and `socket.timeout` when the answer
//! is late. Here each is a value, [`FetchError`], and a fetch returns an
//! [`Outcome`]: the body's length or why not. A failed URL is one line of
//! output and the others go on, in every strategy.
//!
//! Every strategy parses URLs with [`parse_url`], checks the status with
//! [`check_status`] and bounds the body at [`MAX_BODY`], so that a bad URL,
//! a `500` or a server that never stops sending gets the same verdict
//! whichever strategy meets it.

use std::fmt;
use std::time::Duration;

/// The longest body any strategy reads: the course's one cap on what a
/// client takes from a peer, [`shared::net::MAX_BODY`] (64 MiB). A longer
/// body is a failed fetch, [`FetchError::TooLarge`].
pub const MAX_BODY: u64 = shared::net::MAX_BODY;

/// Why one URL could not be fetched: one line, no backtrace.
#[derive(Clone, Debug, PartialEq)]
pub enum FetchError {
    /// The URL does not parse, or is not `http`/`https`.
    BadUrl(String),
    /// DNS failed, or nothing listens there (connection refused).
    Connect(String),
    /// The request took longer than its timeout.
    Timeout(Duration),
    /// The server answered with a status outside 200..=299.
    Status(u16, String),
    /// The body was longer than this many bytes ([`MAX_BODY`]), or said
    /// it would be.
    TooLarge(u64),
    /// Anything else (a reset mid-body, a thread that could not start).
    Other(String),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::BadUrl(why) => write!(f, "bad URL: {why}"),
            FetchError::Connect(why) => write!(f, "cannot connect: {why}"),
            FetchError::Timeout(after) => {
                write!(f, "timed out after {} ms", after.as_millis())
            }
            FetchError::Status(code, reason) => {
                write!(f, "HTTP {code} {reason}")
            }
            FetchError::TooLarge(cap) => {
                write!(f, "body over {} MiB", cap >> 20)
            }
            FetchError::Other(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for FetchError {}

impl FetchError {
    /// Sorts a reqwest error into one of ours, with its innermost cause as
    /// the message: reqwest's own text ("error sending request for url")
    /// says less than the `Connection refused` at the bottom of the chain.
    pub(crate) fn from_reqwest(
        error: &reqwest::Error,
        timeout: Duration,
    ) -> FetchError {
        let mut cause: &dyn std::error::Error = error;
        while let Some(inner) = cause.source() {
            cause = inner;
        }
        let why = cause.to_string();
        if error.is_timeout() {
            FetchError::Timeout(timeout)
        } else if error.is_connect() {
            FetchError::Connect(why)
        } else if error.is_builder() {
            FetchError::BadUrl(why)
        } else {
            FetchError::Other(why)
        }
    }
}

/// What fetching one URL gave: the body's length, or why not.
pub type Outcome = Result<usize, FetchError>;

/// Parses a URL the way every strategy does, so that a bad one gets the
/// same message whichever strategy meets it.
pub fn parse_url(url: &str) -> Result<reqwest::Url, FetchError> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| FetchError::BadUrl(e.to_string()))?;
    match parsed.scheme() {
        "http" | "https" => Ok(parsed),
        other => Err(FetchError::BadUrl(format!(
            "scheme `{other}` is not http or https"
        ))),
    }
}

/// A status outside 200..=299 is a failed fetch, as `urlopen` raises
/// `HTTPError` for it.
pub(crate) fn check_status(
    status: reqwest::StatusCode,
) -> Result<(), FetchError> {
    if status.is_success() {
        Ok(())
    } else {
        let reason = status.canonical_reason().unwrap_or("").to_owned();
        Err(FetchError::Status(status.as_u16(), reason))
    }
}

/// A body that says it is longer than [`MAX_BODY`] is refused before a
/// byte of it is read.
pub(crate) fn check_length(claimed: Option<u64>) -> Result<(), FetchError> {
    match claimed {
        Some(n) if n > MAX_BODY => Err(FetchError::TooLarge(MAX_BODY)),
        _ => Ok(()),
    }
}

/// A body of `n` bytes, if it is within [`MAX_BODY`].
pub(crate) fn body_size(n: u64) -> Outcome {
    match usize::try_from(n) {
        Ok(n) if n as u64 <= MAX_BODY => Ok(n),
        _ => Err(FetchError::TooLarge(MAX_BODY)),
    }
}
