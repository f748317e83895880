//! The binary: the demos, clear errors for bad flags, and `measure` lines
//! the tour can parse.

use std::process::{Command, Output};

use shared::Figure;

fn lesson(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lesson-06-event-loop"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap()
}

#[test]
fn gevent_prints_the_six_lines() {
    let output = lesson(&["gevent", "--scale", "0.05"]);
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "Running in foo\n\
         Explicit context to bar\n\
         running func3\n\
         running func3 again\n\
         Implicit context switch back to bar\n\
         Explicit context switch to foo again\n"
    );
}

#[test]
fn no_arguments_run_the_selectors_exchange() {
    let output = lesson(&[]);
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 23, "{stdout}");
    assert!(stdout.contains("received \"b'IN PARTS.'\""), "{stdout}");
    assert!(output.stderr.is_empty());
}

#[test]
fn bad_flags_give_one_clear_error_and_status_2() {
    for (args, flag) in [
        (&["load", "--clients", "0"][..], "--clients"),
        (&["load", "--engine", "twisted"][..], "--engine"),
        (&["measure", "--messages", "-3"][..], "--messages"),
        (&["serve", "--port", "70000"][..], "--port"),
        (&["gevent", "--scale", "fast"][..], "--scale"),
    ] {
        let output = lesson(args);
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        let errors: Vec<_> =
            stderr.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "{args:?}: {stderr}");
        assert!(errors[0].contains(flag), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_bad_scale_is_one_error_line_and_status_1() {
    let output = lesson(&["gevent", "--scale", "0"]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: the scale"), "{stderr}");
}

#[test]
fn a_taken_port_is_one_error_line_and_status_1() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = lesson(&["serve", "--port", &port, "--secs", "1"]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: cannot listen"), "{stderr}");
}

#[test]
fn load_reports_every_round_trip() {
    let output = lesson(&[
        "load",
        "--engine",
        "tokio",
        "--clients",
        "5",
        "--messages",
        "7",
    ]);
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains(": 35 round trips in "), "{stdout}");
}

#[test]
fn measure_prints_figures_the_tour_can_parse() {
    let output = lesson(&["measure", "--clients", "5", "--messages", "20"]);
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let figures: Vec<Figure> =
        stdout.lines().map(|l| l.parse().unwrap()).collect();
    let names: Vec<_> = figures.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["echo_rps_ours", "echo_rps_tokio", "ours_vs_tokio"]);
    assert!(figures.iter().all(|f| f.value > 0.0));
}
