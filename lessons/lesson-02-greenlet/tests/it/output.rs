//! The output files the book shows are what the binary prints.

use shared::cli_check::LessonBinary;

const LESSON: LessonBinary =
    LessonBinary::new(env!("CARGO_BIN_EXE_lesson-02-greenlet"));

/// `cargo run -p lesson-02-greenlet`, as the book shows it.
const DEMO: &str = include_str!("../../output/demo.txt");

#[test]
fn the_books_demo_output_is_what_both_switches_print() {
    assert_eq!(LESSON.assert_quiet_success(&[]), DEMO);
    if lesson_02_greenlet::BARE_AVAILABLE {
        assert_eq!(LESSON.assert_quiet_success(&["--impl", "bare"]), DEMO);
    }
}
