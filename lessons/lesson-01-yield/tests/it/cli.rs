//! The binary: the Python output with no arguments, clear errors for bad
//! flags, and `measure` lines the tour can parse.

use crate::common::LESSON;

#[test]
fn no_arguments_print_exactly_the_python_output() {
    // stdout is a pipe here, not a terminal: no colour codes.
    assert_eq!(LESSON.assert_quiet_success(&[]), crate::common::PYTHON);
}

#[test]
fn every_variant_prints_the_same_from_the_binary() {
    for variant in ["coroutine", "state-machine", "thread"] {
        let output = LESSON.run(&["--variant", variant]);
        assert!(output.status.success());
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            crate::common::PYTHON
        );
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
fn an_unwritable_svg_is_refused_before_the_run() {
    // `--svg` checks its folder when the flags are parsed: a clap error,
    // status 2, before anything has run.
    let args = ["--svg", "/nonexistent-dir/run.svg"];
    LESSON.assert_bad_flag(&args, "--svg");
}

#[test]
fn measure_prints_four_figures_the_tour_can_parse() {
    let figures =
        LESSON.figures(&["measure", "--sends", "1000", "--rounds", "1"]);
    let names: Vec<_> = figures.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "send_ns_coroutine",
            "send_ns_state_machine",
            "send_ns_thread",
            "send_ns_bare_corosensei"
        ]
    );
    assert!(figures.iter().all(|f| f.unit == "ns" && f.value >= 0.0));
}
