//! The tour's stdout: a reader that goes away (`tour | head`) ends the run
//! quietly with status 0, and a full disk (`tour > /dev/full`) is one
//! `error:` line and status 1, never a panic trace.

use shared::cli_check::LessonBinary;

const TOUR: LessonBinary =
    LessonBinary::new(env!("CARGO_BIN_EXE_lesson-00-tour"));

/// The shortest runs that print: the table of one stop, and one spawn
/// point's figures.
const RUNS: [&[&str]; 2] = [
    &["--quick", "--only", "1"],
    &["numbers-point", "--runtime", "tokio_ct", "--tasks", "10"],
];

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    for args in RUNS {
        TOUR.assert_closed_pipe_is_quiet(args);
    }
}

#[test]
fn a_full_disk_is_one_error_line_and_status_1() {
    for args in RUNS {
        TOUR.assert_full_disk_is_one_error(args);
    }
}
