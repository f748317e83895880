//! The binary: the demos, clear errors for bad flags and for a task that
//! panics, and `measure` lines the tour can parse.

use shared::cli_check::LessonBinary;

const LESSON: LessonBinary =
    LessonBinary::new(env!("CARGO_BIN_EXE_lesson-06-event-loop"));

#[test]
fn gevent_prints_the_six_lines() {
    let output = LESSON.run(&["gevent", "--scale", "0.05"]);
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        shared::course::GEVENT_FOO_BAR
    );
}

#[test]
fn no_arguments_run_the_selectors_exchange() {
    let stdout = LESSON.assert_quiet_success(&[]);
    assert_eq!(stdout.lines().count(), 23, "{stdout}");
    assert!(stdout.contains("received \"b'IN PARTS.'\""), "{stdout}");
}

#[test]
fn bad_flags_give_one_clear_error_and_status_2() {
    for (args, flag) in [
        (&["load", "--clients", "0"][..], "--clients"),
        (&["load", "--engine", "twisted"][..], "--engine"),
        (&["measure", "--messages", "-3"][..], "--messages"),
        (&["serve", "--port", "70000"][..], "--port"),
        (&["gevent", "--scale", "fast"][..], "--scale"),
        (&["gevent", "--scale", "0"][..], "--scale"),
        (&["gevent", "--scale", "1e308"][..], "--scale"),
        (&["gevent", "--panic-in", "nobody"][..], "--panic-in"),
    ] {
        LESSON.assert_bad_flag(args, flag);
    }
}

#[test]
fn a_scale_out_of_range_is_refused_in_a_short_line() {
    // The range, not the number back in 309 digits.
    let output = LESSON.run(&["gevent", "--scale", "1e308"]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("0.001 and 100"), "{stderr}");
    assert!(!stderr.contains("00000000"), "{stderr}");
}

#[test]
fn a_panic_in_a_task_is_one_error_line_naming_the_task() {
    for task in ["foo", "bar", "func3"] {
        let args = ["gevent", "--scale", "0.01", "--panic-in", task];
        let start = format!("error: task {task} panicked");
        LESSON.assert_one_error_line(&args, &start);
    }
}

#[test]
fn a_taken_port_is_one_error_line_and_status_1() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let args = ["serve", "--port", &port, "--secs", "1"];
    LESSON.assert_one_error_line(&args, "error: cannot listen");
}

#[test]
fn load_reports_every_round_trip() {
    let output = LESSON.run(&[
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
    let figures =
        LESSON.figures(&["measure", "--clients", "5", "--messages", "20"]);
    let names: Vec<_> = figures.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["echo_rps_ours", "echo_rps_tokio", "ours_vs_tokio"]);
    assert!(figures.iter().all(|f| f.value > 0.0));
}

/// What the book shows for `gevent --panic-in bar`.
const PANIC_IN_BAR: &str = include_str!("../../output/panic-in-bar.txt");

#[test]
fn a_panic_in_bar_prints_what_the_book_shows() {
    let output =
        LESSON.run(&["gevent", "--scale", "0.01", "--panic-in", "bar"]);
    assert_eq!(String::from_utf8(output.stderr).unwrap(), PANIC_IN_BAR);
}
