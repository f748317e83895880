//! `course`: what the Python original prints, as files more than one
//! lesson's tests read.
//!
//! A transcript that a single lesson reproduces lives with that lesson
//! (its `output/` folder); one that two lessons reproduce (lesson 03's
//! gevent hub and lesson 06's async runtime both print gevent's six lines)
//! lives here, so the two tests cannot drift apart.

/// The six lines of the course's gevent demo (`foo`, `bar` and `func3`
/// spawned and joined on one hub), one per line, with a final newline.
pub const GEVENT_FOO_BAR: &str = include_str!("../course/gevent-foo-bar.txt");

/// The lines of a transcript file, without their newlines: what a test
/// compares with `Transcript::lines`.
///
/// ```
/// let lines = shared::course::lines(shared::course::GEVENT_FOO_BAR);
/// assert_eq!(lines.first(), Some(&"Running in foo"));
/// assert_eq!(lines.len(), 6);
/// ```
pub fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}
