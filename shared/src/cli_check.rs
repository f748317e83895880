//! Test support for every lesson's CLI tests (`tests/it/cli.rs`).
//!
//! Every lesson binary makes the same promises on its command line, and
//! every lesson's `tests/cli.rs` checks them the same way, through this
//! module:
//!
//! - a lesson run with no arguments (the Python original's demo) succeeds
//!   with nothing on stderr: [`LessonBinary::assert_quiet_success`];
//! - a bad flag (out of range, not a number, an unknown variant) gets one
//!   clear `error:` line that names the flag, exit status 2, nothing on
//!   stdout and no panic trace: [`LessonBinary::assert_bad_flag`];
//! - a failure at run time (an unwritable SVG, a taken port, a refused
//!   connection) is one `error: ...` line on stderr and exit status 1:
//!   [`LessonBinary::assert_one_error_line`];
//! - `measure` prints only `name=value unit` lines that the tour can parse
//!   back into [`Figure`]s: [`LessonBinary::figures`];
//! - a reader that goes away (`lesson | head`) ends the run with status 0,
//!   and a full disk is one `error:` line and status 1:
//!   [`LessonBinary::assert_closed_pipe_is_quiet`],
//!   [`LessonBinary::assert_full_disk_is_one_error`].
//!
//! And for servers, [`with_fd_limit`] starts a child a few descriptors
//! away from `EMFILE`; for tests that share one broker,
//! [`unique_prefix`] names their queues and keys apart, and
//! [`LessonBinary::run_with_env`] points the binary at the broker.
//!
//! Each check runs the real binary in a child process, with
//! `RUST_BACKTRACE` removed: a learner who set it for a debugging session
//! would otherwise see backtraces where the lesson promises one line.
//!
//! A lesson's `tests/cli.rs` names its binary once, through the
//! `CARGO_BIN_EXE_*` variable that cargo sets only for integration tests
//! (which is why this block is not compiled here; every lesson's
//! `tests/cli.rs` is this example, compiled):
//!
//! ```ignore
//! use shared::cli_check::LessonBinary;
//!
//! const LESSON: LessonBinary =
//!     LessonBinary::new(env!("CARGO_BIN_EXE_lesson-01-yield"));
//!
//! #[test]
//! fn no_arguments_print_exactly_the_python_output() {
//!     assert_eq!(LESSON.assert_quiet_success(&[]), common::PYTHON);
//! }
//!
//! #[test]
//! fn bad_flags_give_one_clear_error_and_status_2() {
//!     LESSON.assert_bad_flag(&["--consumers", "0"], "--consumers");
//! }
//!
//! #[test]
//! fn an_unwritable_svg_is_one_error_line_and_status_1() {
//!     let args = ["--svg", "/nonexistent-dir/run.svg"];
//!     LESSON.assert_one_error_line(&args, "error: cannot write the SVG");
//! }
//!
//! #[test]
//! fn measure_prints_figures_the_tour_can_parse() {
//!     let figures = LESSON.figures(&["measure", "--rounds", "1"]);
//!     assert!(figures.iter().all(|f| f.value >= 0.0));
//! }
//! ```
//!
//! The checks panic with the arguments and the whole stderr in the
//! message, so a failing test says which command line broke its promise.

use std::process::{Command, Output, Stdio};

use crate::Figure;

/// A lesson's binary, run by its tests.
#[derive(Clone, Copy, Debug)]
pub struct LessonBinary {
    path: &'static str,
}

impl LessonBinary {
    /// The binary at `path`: in a lesson's integration tests,
    /// `env!("CARGO_BIN_EXE_<lesson>")`.
    pub const fn new(path: &'static str) -> LessonBinary {
        LessonBinary { path }
    }

    /// Runs the binary with `args` and waits for it, capturing stdout and
    /// stderr. `RUST_BACKTRACE` is removed from its environment.
    ///
    /// # Panics
    ///
    /// If the binary cannot be started.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(self.path)
            .args(args)
            .env_remove("RUST_BACKTRACE")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.path))
    }

    /// Runs the binary with `args` and its stdout a pipe whose reader has
    /// already gone (as `lesson | head` leaves it once `head` has read
    /// enough), and checks that the run ends normally: status 0, no
    /// `error:` line and no panic.
    ///
    /// # Panics
    ///
    /// If it does not, or the pipe cannot be made.
    pub fn assert_closed_pipe_is_quiet(&self, args: &[&str]) {
        // The reading end is closed before the binary starts, so its
        // first write meets a closed pipe on every run, not by chance.
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let output = self.run_with_stdout(args, writer.into());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("error:"), "{args:?}: {stderr}");
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
    }

    /// Runs the binary with `args` and its stdout on a full disk
    /// (`/dev/full`), and checks the promise for a failed write: one
    /// `error: writing to stdout: No space left on device` line and status
    /// 1, never a panic. Does nothing where there is no `/dev/full`.
    ///
    /// # Panics
    ///
    /// If the run breaks that promise.
    pub fn assert_full_disk_is_one_error(&self, args: &[&str]) {
        let full = std::fs::File::options().write(true).open("/dev/full");
        let Ok(full) = full else {
            return;
        };
        let output = self.run_with_stdout(args, full.into());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        let errors: Vec<&str> =
            stderr.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "{args:?}: {stderr}");
        assert!(
            errors[0].starts_with("error: writing to stdout")
                && errors[0].contains("No space left"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }

    /// Runs the binary like [`LessonBinary::run`], with the environment
    /// variable `key` set to `value` (a broker lesson's `AMQP_URL` or
    /// `REDIS_URL`).
    ///
    /// # Panics
    ///
    /// If the binary cannot be started.
    pub fn run_with_env(
        &self,
        args: &[&str],
        key: &str,
        value: &str,
    ) -> Output {
        Command::new(self.path)
            .args(args)
            .env(key, value)
            .env_remove("RUST_BACKTRACE")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.path))
    }

    fn run_with_stdout(&self, args: &[&str], stdout: Stdio) -> Output {
        Command::new(self.path)
            .args(args)
            .stdout(stdout)
            .env_remove("RUST_BACKTRACE")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.path))
    }

    /// Runs the binary with `args` and checks that it succeeds quietly:
    /// exit status 0 and nothing at all on stderr. Returns stdout, for the
    /// checks of what it printed.
    ///
    /// # Panics
    ///
    /// If any of that does not hold, or stdout is not UTF-8.
    pub fn assert_quiet_success(&self, args: &[&str]) -> String {
        let output = self.run(args);
        let stdout = text(args, "stdout", &output.stdout);
        let stderr = text(args, "stderr", &output.stderr);
        assert!(output.status.success(), "{args:?} failed: {stdout}{stderr}");
        assert!(stderr.is_empty(), "{args:?} wrote on stderr: {stderr}");
        stdout.to_owned()
    }

    /// Runs the binary with `args` and checks that they are refused the way
    /// clap refuses a bad flag: exit status 2, exactly one line starting
    /// with `error:` and naming `flag`, no panic, and nothing on stdout.
    ///
    /// # Panics
    ///
    /// If any of that does not hold.
    pub fn assert_bad_flag(&self, args: &[&str], flag: &str) {
        let output = self.run(args);
        let stderr = text(args, "stderr", &output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: the status is not 2: {stderr}"
        );
        let errors: Vec<_> =
            stderr.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(
            errors.len(),
            1,
            "{args:?}: not one `error:` line: {stderr}"
        );
        assert!(
            errors[0].contains(flag),
            "{args:?}: the error does not name {flag}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: a panic: {stderr}");
        assert!(
            output.stdout.is_empty(),
            "{args:?} printed on stdout: {}",
            String::from_utf8_lossy(&output.stdout)
        );
    }

    /// Runs the binary with `args` and checks that it fails the way a
    /// lesson reports an error at run time: exit status 1 and exactly one
    /// line on stderr, which starts with `start` (say `"error: cannot
    /// listen"`). One line also means no panic trace.
    ///
    /// Returns the output, for checks of stdout or of the whole line.
    ///
    /// # Panics
    ///
    /// If any of that does not hold.
    pub fn assert_one_error_line(&self, args: &[&str], start: &str) -> Output {
        let output = self.run(args);
        let stdout = text(args, "stdout", &output.stdout);
        let stderr = text(args, "stderr", &output.stderr);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{args:?}: the status is not 1: {stdout}{stderr}"
        );
        assert_eq!(
            stderr.lines().count(),
            1,
            "{args:?}: not one line on stderr: {stderr}"
        );
        assert!(
            stderr.starts_with(start),
            "{args:?}: stderr does not start with {start:?}: {stderr}"
        );
        output
    }

    /// Runs the binary with `args` (a `measure` command line), checks that
    /// it succeeds, and parses every line of its stdout as a [`Figure`],
    /// as the tour does.
    ///
    /// # Panics
    ///
    /// If the binary fails, or a line of stdout is not `name=value unit`.
    pub fn figures(&self, args: &[&str]) -> Vec<Figure> {
        let output = self.run(args);
        let stdout = text(args, "stdout", &output.stdout);
        let stderr = text(args, "stderr", &output.stderr);
        assert!(output.status.success(), "{args:?} failed: {stdout}{stderr}");
        stdout
            .lines()
            .map(|line| {
                line.parse().unwrap_or_else(|e| {
                    panic!("{args:?}: {line:?} is not a figure: {e}")
                })
            })
            .collect()
    }
}

/// The stdout of a finished run that must have succeeded quietly: exit
/// status 0 and nothing on stderr.
///
/// # Panics
///
/// If it failed, wrote on stderr, or printed something other than UTF-8.
pub fn quiet_stdout(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "failed: {stderr}");
    assert!(stderr.is_empty(), "wrote on stderr: {stderr}");
    text(&[], "stdout", &output.stdout).to_owned()
}

/// A prefix for the names (queues, exchanges, keys) of one test that no
/// other test, nor another run of this one, uses:
/// `{lesson}-test-{test}-{pid}-{n}-`. Tests that share one broker stay
/// out of each other's way by naming everything they declare with it.
///
/// ```
/// let a = shared::cli_check::unique_prefix("lesson10", "hello");
/// let b = shared::cli_check::unique_prefix("lesson10", "hello");
/// assert!(a.starts_with("lesson10-test-hello-"));
/// assert_ne!(a, b);
/// ```
pub fn unique_prefix(lesson: &str, test: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{lesson}-test-{test}-{}-{n}-", std::process::id())
}

/// `bytes` as text; the lessons print only UTF-8, so anything else is a
/// failed check too.
fn text<'a>(args: &[&str], stream: &str, bytes: &'a [u8]) -> &'a str {
    std::str::from_utf8(bytes)
        .unwrap_or_else(|e| panic!("{args:?}: {stream} is not UTF-8: {e}"))
}

/// Sets the child's limit on open files to `soft` (and its ceiling to
/// `hard`) before it runs: how a test puts a server a few descriptors away
/// from `EMFILE` without touching its own limit. With `soft == hard`,
/// raising the soft limit to the hard one (what servers do at start)
/// changes nothing.
///
/// ```no_run
/// use std::process::Command;
/// let mut serve = Command::new("lesson-05-io-models");
/// shared::cli_check::with_fd_limit(&mut serve, 64, 64).arg("serve");
/// ```
pub fn with_fd_limit(
    command: &mut Command,
    soft: u64,
    hard: u64,
) -> &mut Command {
    use rustix::process::{Resource, Rlimit, setrlimit};
    use std::os::unix::process::CommandExt;
    let limit = Rlimit {
        current: Some(soft),
        maximum: Some(hard),
    };
    // SAFETY: the closure runs in the forked child before `exec`, where
    // only async-signal-safe calls are allowed: it makes one `setrlimit`
    // system call with a value built before the fork, and neither
    // allocates nor takes a lock.
    unsafe {
        command.pre_exec(move || {
            setrlimit(Resource::Nofile, limit).map_err(std::io::Error::from)
        })
    }
}
