//! The binary: the Python output with no arguments, clear errors for bad
//! flags, and `measure` lines the tour can parse.

mod common;

use shared::cli_check::LessonBinary;

const LESSON: LessonBinary =
    LessonBinary::new(env!("CARGO_BIN_EXE_lesson-01-yield"));

#[test]
fn no_arguments_print_exactly_the_python_output() {
    // stdout is a pipe here, not a terminal: no colour codes.
    assert_eq!(LESSON.assert_quiet_success(&[]), common::PYTHON);
}

#[test]
fn every_variant_prints_the_same_from_the_binary() {
    for variant in ["coroutine", "state-machine", "thread"] {
        let output = LESSON.run(&["--variant", variant]);
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
        LESSON.assert_bad_flag(&args, flag);
    }
}

#[test]
fn an_unwritable_svg_is_one_error_line_and_status_1() {
    let args = ["--svg", "/nonexistent-dir/run.svg"];
    LESSON.assert_one_error_line(&args, "error: cannot write the SVG");
}

#[test]
fn measure_prints_three_figures_the_tour_can_parse() {
    let figures =
        LESSON.figures(&["measure", "--sends", "1000", "--rounds", "1"]);
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
