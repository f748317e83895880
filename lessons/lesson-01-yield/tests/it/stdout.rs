//! Stdout that goes away or fills up: a long run ends at once, a closed
//! pipe is a normal end (status 0), a full disk one `error:` line and
//! status 1. Never a panic trace.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use shared::cli_check::LessonBinary;

use crate::common::BINARY;

/// A run that would print 300 million lines: only a run that stops when
/// its stdout does can finish this test.
const LONG: [&str; 2] = ["--baozi", "100000000"];

#[test]
fn a_reader_that_goes_away_ends_a_long_run_at_once_with_status_0() {
    // `lesson-01-yield --baozi 100000000 | head -n 3`
    let mut child = Command::new(BINARY)
        .args(LONG)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut head = Vec::new();
    for _ in 0..3 {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        head.push(line);
    }
    let head = head.concat();
    assert_eq!(head.lines().count(), 3, "{head}");
    assert!(crate::common::PYTHON.starts_with(&head), "{head}");
    drop(reader);
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "a closed pipe is a normal end"
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr, "", "nothing to report");
}

/// Runs the binary with stdout on `/dev/full`, where every write fails
/// with `ENOSPC`, and checks the one error line and status 1.
fn assert_full_disk_is_one_error_line(args: &[&str]) {
    LessonBinary::new(BINARY).assert_full_disk_is_one_error(args);
}

#[test]
fn a_full_disk_ends_a_long_run_at_once_with_one_error_line() {
    assert_full_disk_is_one_error_line(&LONG);
}

#[test]
fn measure_on_a_full_disk_is_one_error_line_and_status_1() {
    assert_full_disk_is_one_error_line(&["measure", "--sends", "1000"]);
}
