//! `out`: writing to stdout without a panic when stdout goes away.
//!
//! `println!` panics when its write fails, so `lesson | head` or
//! `lesson > /dev/full` ends in a panic trace and status 101. Every lesson
//! prints through this module instead:
//!
//! - [`outln!`](crate::outln) writes one line and returns the write's
//!   `io::Result`, so a loop that prints stops at the first failure with
//!   `?`;
//! - [`crate::exit_code`] then treats a closed pipe (`EPIPE`, what `head`
//!   leaves behind when it has read enough) as a normal end, status 0, and
//!   any other write error (a full disk) as one `error:` line and status 1.
//!
//! Printers that cannot return an error (a [`Transcript`](crate::Transcript)
//! shared by many coroutines) call [`line`] too; the first failure is also
//! kept here ([`failed`]), later lines are dropped without another attempt,
//! and `exit_code` reports it when `main` returns.
//!
//! Why not restore `SIGPIPE`'s default action, as C programs have it, so the
//! kernel kills the process quietly? Because then no destructor runs: a
//! lesson that started a private Redis server would leave it behind.
//!
//! ```
//! fn report(rows: &[u32]) -> shared::Result<()> {
//!     for row in rows {
//!         shared::outln!("row {row}")?;
//!     }
//!     Ok(())
//! }
//! report(&[1, 2]).unwrap();
//! ```

use std::fmt;
use std::io::{self, Write};
use std::sync::OnceLock;

/// The first failed write to stdout, kept for [`crate::exit_code`]: its
/// kind (a closed pipe is not an error) and its text.
static FAILED: OnceLock<(io::ErrorKind, String)> = OnceLock::new();

/// Writes `args` and a newline to stdout. After a failed write, nothing
/// more is written: the call returns the first error again.
///
/// The error says what failed ("writing to stdout: No space left on
/// device") and keeps the original error's kind, so a closed pipe is still
/// recognisable as [`io::ErrorKind::BrokenPipe`].
pub fn line(args: fmt::Arguments<'_>) -> io::Result<()> {
    if let Some((kind, text)) = FAILED.get() {
        return Err(io::Error::new(*kind, text.clone()));
    }
    // Rust's stdout is line-buffered: the newline flushes, so the error of
    // this very line shows up here rather than at some later write.
    let mut stdout = io::stdout().lock();
    let written = stdout
        .write_fmt(args)
        .and_then(|()| stdout.write_all(b"\n"));
    written.map_err(|error| {
        let text = format!("writing to stdout: {error}");
        let _ = FAILED.set((error.kind(), text.clone()));
        io::Error::new(error.kind(), text)
    })
}

/// Writes raw text (no newline added) to stdout and flushes it: for
/// progress lines printed a piece at a time. Same error rules as [`line`].
pub fn text(s: &str) -> io::Result<()> {
    if let Some((kind, text)) = FAILED.get() {
        return Err(io::Error::new(*kind, text.clone()));
    }
    let mut stdout = io::stdout().lock();
    let written = stdout.write_all(s.as_bytes()).and_then(|()| stdout.flush());
    written.map_err(|error| {
        let text = format!("writing to stdout: {error}");
        let _ = FAILED.set((error.kind(), text.clone()));
        io::Error::new(error.kind(), text)
    })
}

/// The first write to stdout that failed, if one did: its kind and its
/// text.
pub fn failed() -> Option<(io::ErrorKind, &'static str)> {
    FAILED.get().map(|(kind, text)| (*kind, text.as_str()))
}

/// Whether stdout has been closed by its reader (`EPIPE`): a long run can
/// check it and stop early, as `yes | head` stops `yes`.
pub fn closed() -> bool {
    matches!(failed(), Some((io::ErrorKind::BrokenPipe, _)))
}

/// Whether `error` is, somewhere in its chain, a closed pipe: the reader
/// of our stdout went away, which ends a run normally.
pub fn is_broken_pipe(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(io) = error.downcast_ref::<io::Error>()
            && io.kind() == io::ErrorKind::BrokenPipe
        {
            return true;
        }
        next = error.source();
    }
    false
}

/// `println!` that returns the write's `io::Result` instead of panicking:
/// `shared::outln!("{n} round trips")?;`. See [`crate::out`].
#[macro_export]
macro_rules! outln {
    () => {
        $crate::out::line(::std::format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::out::line(::std::format_args!($($arg)*))
    };
}
