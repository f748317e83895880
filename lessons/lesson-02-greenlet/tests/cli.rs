//! The binary: the Python output with no arguments, clear errors for bad
//! flags, and `measure` lines the tour can parse.

mod common;

use std::process::{Command, Output};

use shared::Figure;

fn lesson(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lesson-02-greenlet"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap()
}

#[test]
fn no_arguments_print_exactly_the_python_output() {
    let output = lesson(&[]);
    assert!(output.status.success());
    assert_eq!(String::from_utf8(output.stdout).unwrap(), common::PYTHON);
    assert!(output.stderr.is_empty());
}

#[test]
fn bare_prints_the_same_or_says_it_is_not_available() {
    let output = lesson(&["--impl", "bare"]);
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
    let output = lesson(&["--sleep-ms", "1", "--timeline"]);
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
        let output = lesson(args);
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
fn measure_prints_figures_the_tour_can_parse() {
    let output = lesson(&["measure", "--switches", "2000", "--rounds", "1"]);
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let figures: Vec<Figure> =
        stdout.lines().map(|l| l.parse().unwrap()).collect();
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
