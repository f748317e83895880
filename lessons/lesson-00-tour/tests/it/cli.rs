//! The tour's stdout: a reader that goes away (`tour | head`) ends the run
//! quietly with status 0, and a full disk (`tour > /dev/full`) is one
//! `error:` line and status 1, never a panic trace; a broker stop
//! without its server is one line saying how to include it.

use std::process::Command;

use shared::cli_check::LessonBinary;

const TOUR: LessonBinary =
    LessonBinary::new(env!("CARGO_BIN_EXE_lesson-00-tour"));

/// The shortest runs that print: the table of one stop, and one spawn
/// point's figures.
const RUNS: [&[&str]; 2] = [
    &["--quick", "--only", "1"],
    &["numbers-point", "--runtime", "tokio_ct", "--tasks", "10"],
];

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    for args in RUNS {
        TOUR.assert_closed_pipe_is_quiet(args);
    }
}

#[test]
fn a_full_disk_is_one_error_line_and_status_1() {
    for args in RUNS {
        TOUR.assert_full_disk_is_one_error(args);
    }
}

#[test]
fn a_broker_stop_without_its_server_is_one_skip_line() {
    // No REDIS_URL, and no redis-server to find on PATH (nor in the
    // sbin folders, where Debian does not put it).
    let output = Command::new(env!("CARGO_BIN_EXE_lesson-00-tour"))
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
