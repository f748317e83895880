//! The tour's stdout: a reader that goes away (`tour | head`) ends the run
//! quietly with status 0, and a full disk (`tour > /dev/full`) is one
//! `error:` line and status 1, never a panic trace.

use std::fs::OpenOptions;
use std::process::{Command, Output, Stdio};

const TOUR: &str = env!("CARGO_BIN_EXE_lesson-00-tour");

/// The shortest runs that print: the table of one stop, and one spawn
/// point's figures.
const RUNS: [&[&str]; 2] = [
    &["--quick", "--only", "1"],
    &["numbers-point", "--runtime", "tokio_ct", "--tasks", "10"],
];

fn run(args: &[&str], stdout: Stdio) -> Output {
    Command::new(TOUR)
        .args(args)
        .stdout(stdout)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap()
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    for args in RUNS {
        // The reading end is closed before the tour starts, so its very
        // first write meets a closed pipe, on every run.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = run(args, writer.into());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

#[test]
fn a_full_disk_is_one_error_line_and_status_1() {
    for args in RUNS {
        let full = OpenOptions::new().write(true).open("/dev/full").unwrap();
        let output = run(args, full.into());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        let errors: Vec<&str> =
            stderr.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "{args:?}: {stderr}");
        assert!(errors[0].contains("No space left"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_broker_stop_without_its_server_is_one_skip_line() {
    // No REDIS_URL, and no redis-server to find on PATH (nor in the
    // sbin folders, where Debian does not put it).
    let output = Command::new(TOUR)
        .args(["--quick", "--only", "9"])
        .env("PATH", "/nonexistent")
        .env_remove("REDIS_URL")
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("lesson 09            skipped: needs Redis;"),
        "{stderr}"
    );
    assert!(stderr.contains("REDIS_URL"), "{stderr}");
}
