//! The binary: the Python output with no arguments, clear errors for bad
//! flags, and `measure` lines the tour can parse.

use crate::common;

use shared::cli_check::LessonBinary;

const LESSON: LessonBinary =
    LessonBinary::new(env!("CARGO_BIN_EXE_lesson-02-greenlet"));

#[test]
fn no_arguments_print_exactly_the_python_output() {
    assert_eq!(LESSON.assert_quiet_success(&[]), common::PYTHON);
}

#[test]
fn bare_prints_the_same_or_says_it_is_not_available() {
    let output = LESSON.run(&["--impl", "bare"]);
    if lesson_02_greenlet::BARE_AVAILABLE {
        assert!(output.status.success());
        assert_eq!(String::from_utf8(output.stdout).unwrap(), common::PYTHON);
    } else {
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(1));
        assert!(stderr.contains("not available on this platform"));
    }
}

#[test]
fn the_timeline_follows_the_output() {
    let output = LESSON.run(&["--sleep-ms", "1", "--timeline"]);
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.starts_with(common::PYTHON), "{stdout}");
    for lane in ["main", "gr1", "gr2"] {
        assert!(stdout.contains(&format!("\n{lane} ")), "{stdout}");
    }
}

#[test]
fn bad_flags_give_one_clear_error_and_status_2() {
    for (args, flag) in [
        (&["--impl", "fast"][..], "--impl"),
        (&["--sleep-ms", "-5"][..], "--sleep-ms"),
        (&["--sleep-ms", "soon"][..], "--sleep-ms"),
        (&["measure", "--switches", "0"][..], "--switches"),
        (&["measure", "--rounds", "0"][..], "--rounds"),
    ] {
        LESSON.assert_bad_flag(args, flag);
    }
}

#[test]
fn an_unwritable_svg_is_refused_before_the_run() {
    // Checked by the parser, so nothing runs: one error line, status 2.
    let args = ["--svg", "/nonexistent-dir/run.svg"];
    LESSON.assert_bad_flag(&args, "--svg");
}

#[test]
fn measure_prints_figures_the_tour_can_parse() {
    let figures =
        LESSON.figures(&["measure", "--switches", "2000", "--rounds", "1"]);
    let names: Vec<_> = figures.iter().map(|f| f.name.as_str()).collect();
    let mut expected = vec![
        "switch_ns_greenlet",
        "switch_ns_greenlet_main",
        "resume_suspend_ns_corosensei",
    ];
    if lesson_02_greenlet::BARE_AVAILABLE {
        expected.extend([
            "switch_ns_bare",
            "switch_ns_bare_naked",
            "switch_ns_bare_fiber",
        ]);
    }
    expected.extend([
        "round_trip_ns_thread_mpsc",
        "round_trip_ns_thread_crossbeam",
        "round_trip_ns_thread_park",
    ]);
    assert_eq!(names, expected);
    assert!(figures.iter().all(|f| f.unit == "ns" && f.value >= 0.0));
}

#[test]
fn measure_into_a_full_disk_is_one_error_line_and_status_1() {
    LESSON.assert_full_disk_is_one_error(&[
        "measure",
        "--switches",
        "2000",
        "--rounds",
        "1",
    ]);
}
