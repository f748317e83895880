//! A spinner for the lessons' long runs (`measure`, `sweep`, a big
//! `spawn`): something on the screen that says the run is alive, and for
//! how long it has been going.
//!
//! It draws on stderr, and indicatif draws nothing when stderr is not a
//! terminal, so output piped into a file or a test stays clean.

use std::borrow::Cow;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Starts a spinner showing `message` and the time elapsed; call
/// `finish_and_clear()` on it when the run ends, before printing results.
///
/// ```
/// let bar = shared::progress::spinner("measuring every strategy");
/// // ... the long run ...
/// bar.finish_and_clear();
/// ```
pub fn spinner(message: impl Into<Cow<'static, str>>) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}")
    {
        bar.set_style(style);
    }
    bar.set_message(message);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
