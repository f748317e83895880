//! The ASCII swim-lane chart. (Being written: see the renderer task.)

use crate::Snapshot;

/// Draws `snapshot` as a swim-lane chart at most `width` columns wide.
pub fn ascii(snapshot: &Snapshot, width: usize) -> String {
    let _ = (snapshot, width);
    String::new()
}
