//! What the lesson prints: the book's transcript is the binary's, and
//! printing into a closed pipe or a full disk ends the run cleanly.

use std::fs::File;
use std::process::{Command, Output, Stdio};

use crate::common::{LESSON, serial};

const LESSON_PATH: &str = env!("CARGO_BIN_EXE_lesson-05-io-models");

/// The ephemeral ports in a client transcript, replaced by `P`: they
/// change from run to run, nothing else does.
pub(crate) fn without_ports(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() && out.ends_with(", ")
            || out.ends_with("port ") && c.is_ascii_digit()
        {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            out.push('P');
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn the_book_shows_what_the_default_run_prints() {
    let _serial = serial();
    let stdout = LESSON.assert_quiet_success(&[]);
    let book = include_str!("../../output/client.txt");
    assert_eq!(without_ports(&stdout), without_ports(book));
}

/// Runs the lesson with `args`, its stdout going to `stdout`.
fn run_into(args: &[&str], stdout: Stdio) -> Output {
    Command::new(LESSON_PATH)
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

/// A pipe whose reading end is already closed: the first write into it
/// fails with `EPIPE`, as `lesson | head -1` does once `head` has exited.
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Stdio::from(writer)
}

fn dev_full() -> Stdio {
    Stdio::from(File::options().write(true).open("/dev/full").unwrap())
}

const LOAD: [&str; 7] = [
    "load",
    "--model",
    "epoll",
    "--clients",
    "3",
    "--messages",
    "5",
];
const SERVE: [&str; 5] = ["serve", "--model", "epoll", "--port", "0"];

#[test]
fn load_and_serve_end_quietly_when_stdout_is_closed() {
    let _serial = serial();
    for args in [&LOAD[..], &SERVE[..]] {
        let output = run_into(args, closed_pipe());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

#[test]
fn load_and_serve_say_so_in_one_line_when_the_disk_is_full() {
    let _serial = serial();
    for args in [&LOAD[..], &SERVE[..]] {
        let output = run_into(args, dev_full());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: writing to stdout: "),
            "{args:?}: {stderr}"
        );
    }
}
