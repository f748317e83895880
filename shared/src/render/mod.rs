//! Pictures of a recorded trace: ASCII for the terminal, SVG for the book.
//!
//! Both renderers draw the same thing: one row per lane, time running left
//! to right from the trace's origin, each span coloured (or lettered) by its
//! [`State`](crate::State), marks as ticks, a time axis in milliseconds and a
//! legend. Lessons do not call them directly: their CLIs flatten
//! [`TimelineArgs`] into their own flags, and call [`TimelineArgs::show`]
//! after the run.
//!
//! [`chart`] draws the other kind of picture: log-log line charts of
//! measured figures (a sweep's cost against N), for lessons 03 and 04 and
//! the tour.

mod ascii;
pub mod chart;
mod svg;

pub use ascii::ascii;
pub use svg::{escape as escape_xml, svg};

use std::io::Write;

use crate::Trace;

/// The `--timeline` and `--svg PATH` flags every lesson's CLI shares.
///
/// ```
/// use clap::Parser;
/// #[derive(Parser)]
/// struct Cli {
///     #[command(flatten)]
///     timeline: shared::render::TimelineArgs,
/// }
/// let cli = Cli::parse_from(["demo", "--timeline", "--svg", "run.svg"]);
/// assert!(cli.timeline.timeline);
/// assert!(cli.timeline.wanted());
/// ```
#[derive(Clone, Debug, Default, clap::Args)]
pub struct TimelineArgs {
    /// Print an ASCII swim-lane chart of the run after it ends.
    #[arg(long)]
    pub timeline: bool,
    /// Write an SVG swim-lane chart of the run to PATH.
    #[arg(long, value_name = "PATH")]
    pub svg: Option<std::path::PathBuf>,
}

impl TimelineArgs {
    /// Whether the run should be traced at all: pass it to
    /// [`Trace::recording`], so an untraced run pays nothing.
    pub fn wanted(&self) -> bool {
        self.timeline || self.svg.is_some()
    }

    /// Prints the ASCII chart and/or writes the SVG, as asked.
    pub fn show(&self, trace: &Trace, title: &str) -> crate::Result<()> {
        let snapshot = trace.snapshot();
        if self.timeline {
            // Like `Transcript::say`: a reader that hung up (`| head`) has
            // seen what it wanted, so a broken pipe is not an error.
            let chart = ascii(&snapshot, 80);
            let _ = writeln!(std::io::stdout().lock(), "\n{chart}");
        }
        if let Some(path) = &self.svg {
            std::fs::write(path, svg(&snapshot, title)).map_err(|e| {
                format!("cannot write the SVG to {}: {e}", path.display())
            })?;
            eprintln!("wrote {}", path.display());
        }
        Ok(())
    }
}
