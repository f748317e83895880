//! The output blocks of the book's chapter: each file under `output/` is
//! what its command prints today.

use crate::common::{LESSON, PYTHON};

/// `cargo run -p lesson-01-yield`, as chapter 01 shows it.
const DEFAULT: &str = include_str!("../../output/default.txt");

#[test]
fn the_book_s_default_output_is_what_the_binary_prints() {
    assert_eq!(LESSON.assert_quiet_success(&[]), DEFAULT);
    // And it is the Python original's output, line for line.
    assert_eq!(DEFAULT, PYTHON);
}
