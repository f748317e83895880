//! What the tests share: the Python original's output, written out.

/// What `python greenlet_demo.py` prints: `test1` and `test2` switching
/// to each other by hand.
pub(crate) const PYTHON: &str = "12\n56\n34\n78\n";
