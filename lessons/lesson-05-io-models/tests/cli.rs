//! The binary: the seed's exchange with no arguments, clear errors for bad
//! flags, and `measure` lines the tour can parse.

use std::process::{Command, Output};

use shared::Figure;

fn lesson(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lesson-05-io-models"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap()
}

#[test]
fn no_arguments_print_the_seed_exchange() {
    let output = lesson(&[]);
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(lines.len(), 13);
    assert!(lines[0].starts_with("connecting to 127.0.0.1 port "));
    assert!(lines[1].ends_with(": sending \"b'This is the message. '\""));
    assert!(lines[12].ends_with(": received \"b'IN PARTS.'\""));
    assert!(output.stderr.is_empty());
}

#[test]
fn bad_flags_give_one_clear_error_and_status_2() {
    for (args, flag) in [
        (vec!["load", "--model", "fast"], "--model"),
        (
            vec!["load", "--model", "epoll", "--clients", "0"],
            "--clients",
        ),
        (vec!["serve", "--model", "epoll", "--port", "-1"], "--port"),
        (vec!["measure", "--messages", "0"], "--messages"),
    ] {
        let output = lesson(&args);
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
fn a_refused_connection_is_one_error_line_and_status_1() {
    // Port 1 on loopback: nothing listens there.
    let output = lesson(&["client", "--port", "1"]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: cannot connect to 127.0.0.1:1"),
        "{stderr}"
    );
}

#[test]
fn measure_prints_five_figures_per_model() {
    let output = lesson(&[
        "measure",
        "--clients",
        "4",
        "--messages",
        "20",
        "--idle-ms",
        "5",
    ]);
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let figures: Vec<Figure> =
        stdout.lines().map(|l| l.parse().unwrap()).collect();
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
    let output = lesson(&[
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
    assert!(
        stdout.contains("server syscalls per round trip: "),
        "{stdout}"
    );
}
