//! The binary: the course's exchange with no arguments, clear errors for bad
//! flags, and `measure` lines the tour can parse.

use crate::common::{LESSON, serial};

#[test]
fn no_arguments_print_the_course_exchange() {
    let _serial = serial();
    let stdout = LESSON.assert_quiet_success(&[]);
    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(lines.len(), 13);
    assert!(lines[0].starts_with("connecting to 127.0.0.1 port "));
    assert!(lines[1].ends_with(": sending \"b'This is the message. '\""));
    assert!(lines[12].ends_with(": received \"b'IN PARTS.'\""));
}

#[test]
fn bad_flags_give_one_clear_error_and_status_2() {
    let _serial = serial();
    for (args, flag) in [
        (vec!["load", "--model", "fast"], "--model"),
        (
            vec!["load", "--model", "epoll", "--clients", "0"],
            "--clients",
        ),
        (vec!["serve", "--model", "epoll", "--port", "-1"], "--port"),
        (vec!["measure", "--messages", "0"], "--messages"),
    ] {
        LESSON.assert_bad_flag(&args, flag);
    }
}

#[test]
fn too_many_clients_for_the_blocking_server_is_one_error_line() {
    let _serial = serial();
    // More clients than the listen backlog would hang in `connect`.
    let args = ["load", "--model", "blocking", "--clients", "4097"];
    LESSON.assert_one_error_line(
        &args,
        "error: the blocking server serves one client at a time",
    );
}

#[test]
fn a_refused_connection_is_one_error_line_and_status_1() {
    let _serial = serial();
    // Port 1 on loopback: nothing listens there.
    let args = ["client", "--port", "1"];
    LESSON.assert_one_error_line(&args, "error: cannot connect to 127.0.0.1:1");
}

#[test]
fn measure_prints_five_figures_per_model() {
    let _serial = serial();
    let figures = LESSON.figures(&[
        "measure",
        "--clients",
        "4",
        "--messages",
        "20",
        "--idle-ms",
        "5",
    ]);
    let models = lesson_05_io_models::Model::usable().len();
    assert_eq!(figures.len(), 5 * models);
    assert!(figures.iter().all(|f| f.value >= 0.0));
    for name in [
        "round_trips_per_sec_mio",
        "syscalls_per_round_trip_nonblocking",
        "server_cpu_us_per_round_trip_thread_per_connection",
        "idle_server_cpu_pct_epoll",
        "slowest_first_reply_ms_blocking",
    ] {
        assert!(figures.iter().any(|f| f.name == name), "{name}");
    }
}

#[test]
fn load_prints_what_it_measured() {
    let _serial = serial();
    let output = LESSON.run(&[
        "load",
        "--model",
        "epoll",
        "--clients",
        "5",
        "--messages",
        "10",
    ]);
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("round trips per second: "), "{stdout}");
    assert!(stdout.contains("server CPU: "), "{stdout}");
    assert!(
        stdout.contains("server syscalls per round trip: "),
        "{stdout}"
    );
}
