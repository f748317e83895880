//! What the lesson prints: the book's transcript is the binary's, and
//! printing into a closed pipe or a full disk ends the run cleanly.

use crate::common::{LESSON, serial};

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
        LESSON.assert_closed_pipe_is_quiet(args);
    }
}

#[test]
fn load_and_serve_say_so_in_one_line_when_the_disk_is_full() {
    let _serial = serial();
    for args in [&LOAD[..], &SERVE[..]] {
        LESSON.assert_full_disk_is_one_error(args);
    }
}
