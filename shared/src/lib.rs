//! The few helpers every lesson of the coroutine course uses.
//!
//! Why this crate exists: every lesson makes the same three claims about a
//! program — *what it printed*, *what ran when*, and *what it cost* — and
//! every lesson should make them the same way, so that a learner can compare
//! a greenlet with a tokio task on one picture and one table. So the lessons
//! do not print, time or draw by themselves; they go through this crate:
//!
//! - [`trace`]: a cheap, thread-safe recorder of spans (a lane was running,
//!   waiting or blocked from t₀ to t₁) and instant events (a print, a
//!   switch) on one monotonic clock. Works the same from OS threads, `may`
//!   coroutines and tokio tasks.
//! - [`render`]: turns a recorded trace into an ASCII swim-lane chart for
//!   the terminal (`--timeline`) or a self-contained SVG for the book
//!   (`--svg PATH`); [`render::chart`] draws log-log line charts of
//!   measured figures (a sweep's cost against N).
//! - [`transcript`]: the lessons' `print`. It prints a line, keeps it for
//!   the tests (which compare transcripts without capturing stdout) and
//!   marks it on the timeline.
//! - [`measure`]: [`timed`], medians, and the `name=value unit` line format
//!   that every lesson's `measure` subcommand prints and the tour parses.
//! - [`delay_server`]: a real HTTP/1.1 server on loopback whose
//!   `/delay/{ms}` answers late on purpose, counting requests in flight.
//! - [`progress`]: the spinner every lesson shows on a run that takes
//!   seconds.
//! - [`out`]: `outln!`, the lessons' `println!`, which returns an error
//!   instead of panicking when stdout is closed or full.
//! - [`net`]: one listen backlog, the open-files limit raised, and an
//!   accept loop's back-off when descriptors run out.
//! - [`py`]: Python's `repr` of bytes and addresses, so output compares
//!   line for line with the Python original's; [`course`]: transcripts of
//!   the Python original that more than one lesson reproduces.
//! - [`cli_check`]: the test support for every lesson's CLI tests: run the
//!   lesson binary and check its promises (a quiet run, one clear `error:`
//!   line for a bad flag, one error line and status 1 for a failure, and
//!   `measure` lines the tour can parse).
//!
//! `shared` depends on no lesson, so any lesson may use it.
//!
//! ```
//! use shared::{Trace, State, Transcript};
//!
//! let trace = Trace::new();
//! let c1 = trace.lane("c1");
//! let out = Transcript::quiet();
//! {
//!     let _eating = c1.span(State::Running, "eat 1");
//!     out.say(&c1, "[c1] is eating baozi 1");
//! }
//! assert_eq!(out.lines(), ["[c1] is eating baozi 1"]);
//! assert_eq!(trace.snapshot().spans_on("c1").count(), 1);
//! ```

pub mod cli_check;
pub mod course;
pub mod delay_server;
pub mod measure;
pub mod net;
pub mod out;
pub mod progress;
pub mod py;
pub mod render;
#[cfg(feature = "services")]
pub mod services;
pub mod trace;
pub mod transcript;

pub use delay_server::DelayServer;
pub use measure::{Figure, median, ns_per_iter, print_figures, timed};
pub use trace::{Event, EventKind, Lane, Snapshot, Span, State, Trace};
pub use transcript::Transcript;

/// The error type of the course: any error that can cross threads.
///
/// Lessons are small programs, not libraries with callers that match on
/// error variants, so a boxed error is enough. Where a lesson *teaches* an
/// error (resuming a finished generator, switching to a dead greenlet), it
/// defines its own enum and that enum converts into this with `?`.
pub type Error = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with the course's [`Error`] as the default error type.
///
/// ```
/// fn parse_baozi(s: &str) -> shared::Result<u32> {
///     Ok(s.parse()?)
/// }
/// assert_eq!(parse_baozi("5").unwrap(), 5);
/// assert!(parse_baozi("five").is_err());
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The text of a caught panic, for an error value that names it: a
/// `panic!("...")` carries a `&str` or a `String`; anything else is rare
/// enough to be named generically. Lessons that turn a coroutine's panic
/// into an error (lesson 01's generators, lesson 02's greenlets) use it on
/// what `catch_unwind` or a coroutine's resume hands back.
///
/// ```
/// let payload = std::panic::catch_unwind(|| panic!("c2 choked")).unwrap_err();
/// assert_eq!(shared::panic_message(payload.as_ref()), "c2 choked");
/// ```
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-text payload".to_owned()
    }
}

/// How every lesson's `main` ends: `Ok` is exit status 0; an error is one
/// `error: ...` line on stderr and status 1, never a panic trace. (clap's
/// own usage errors have already exited with status 2 by then.) These are
/// the promises [`cli_check`] tests.
///
/// Stdout closed by its reader (`lesson | head`) is a normal end, status 0;
/// a failed write to stdout that nobody returned as an error (see
/// [`out`]) is reported here, so it is never lost.
pub fn exit_code(result: Result<()>) -> std::process::ExitCode {
    use std::process::ExitCode;
    match result {
        Err(error) if out::is_broken_pipe(error.as_ref()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
        Ok(()) => match out::failed() {
            None | Some((std::io::ErrorKind::BrokenPipe, _)) => {
                ExitCode::SUCCESS
            }
            Some((_, text)) => {
                eprintln!("error: {text}");
                ExitCode::FAILURE
            }
        },
    }
}
