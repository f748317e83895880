//! What the tests share: the binary, and the Python original's output,
//! written out.

use shared::cli_check::LessonBinary;

/// The lesson's binary, built by cargo for the tests.
pub(crate) const BINARY: &str = env!("CARGO_BIN_EXE_lesson-01-yield");

/// The binary, with the checks every lesson's command line shares.
pub(crate) const LESSON: LessonBinary = LessonBinary::new(BINARY);

/// What `python consumer.py` prints (the course's demo, without the
/// colour codes, which Python only shows on a terminal too).
pub(crate) const PYTHON: &str = "\
--->starting eating baozi...
--->starting eating baozi...
[c1] is eating baozi 1
[c2] is eating baozi 1
[producer] is making baozi 1
[c1] is eating baozi 2
[c2] is eating baozi 2
[producer] is making baozi 2
[c1] is eating baozi 3
[c2] is eating baozi 3
[producer] is making baozi 3
[c1] is eating baozi 4
[c2] is eating baozi 4
[producer] is making baozi 4
[c1] is eating baozi 5
[c2] is eating baozi 5
[producer] is making baozi 5
";
