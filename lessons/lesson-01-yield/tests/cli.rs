//! The binary: the Python output with no arguments, clear errors for bad
//! flags, and `measure` lines the tour can parse.

mod common;

use std::process::{Command, Output};

use shared::Figure;

fn lesson(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lesson-01-yield"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap()
}

#[test]
fn no_arguments_print_exactly_the_python_output() {
    // stdout is a pipe here, not a terminal: no colour codes.
    let output = lesson(&[]);
    assert!(output.status.success());
    assert_eq!(String::from_utf8(output.stdout).unwrap(), common::PYTHON);
    assert!(output.stderr.is_empty());
}

#[test]
fn every_variant_prints_the_same_from_the_binary() {
    for variant in ["coroutine", "state-machine", "thread"] {
        let output = lesson(&["--variant", variant]);
        assert!(output.status.success());
        assert_eq!(String::from_utf8(output.stdout).unwrap(), common::PYTHON);
    }
}

#[test]
fn bad_flags_give_one_clear_error_and_status_2() {
    for (args, flag) in [
        (["--baozi", "-1"], "--baozi"),
        (["--consumers", "0"], "--consumers"),
        (["--consumers", "-2"], "--consumers"),
        (["--eat-ms", "-5"], "--eat-ms"),
        (["--variant", "fast"], "--variant"),
    ] {
        let output = lesson(&args);
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        let errors: Vec<_> =
            stderr.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "{args:?}: {stderr}");
        assert!(errors[0].contains(flag), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn an_unwritable_svg_is_one_error_line_and_status_1() {
    let output = lesson(&["--svg", "/nonexistent-dir/run.svg"]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: cannot write the SVG"),
        "{stderr}"
    );
}

#[test]
fn measure_prints_three_figures_the_tour_can_parse() {
    let output = lesson(&["measure", "--sends", "1000", "--rounds", "1"]);
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let figures: Vec<Figure> =
        stdout.lines().map(|l| l.parse().unwrap()).collect();
    let names: Vec<_> = figures.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "send_ns_coroutine",
            "send_ns_state_machine",
            "send_ns_thread"
        ]
    );
    assert!(figures.iter().all(|f| f.unit == "ns" && f.value >= 0.0));
}
