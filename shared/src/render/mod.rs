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
    #[arg(long, value_name = "PATH", value_parser = output_path)]
    pub svg: Option<std::path::PathBuf>,
}

/// A clap value parser for a file the run will write at its end (`--svg
/// PATH`): its folder must exist and be writable, and the path must not be
/// a folder. Checked when the flags are parsed, so a typo costs nothing
/// rather than the whole run.
///
/// ```
/// use shared::render::output_path;
/// assert!(output_path("run.svg").is_ok());
/// assert!(output_path("/no/such/folder/run.svg").is_err());
/// assert!(output_path("/").is_err());
/// ```
pub fn output_path(text: &str) -> Result<std::path::PathBuf, String> {
    use std::path::Path;
    let path = Path::new(text);
    if text.is_empty() {
        return Err("an empty path".to_owned());
    }
    if path.is_dir() {
        return Err(format!("{text} is a folder; name a file in it"));
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !folder.is_dir() {
        return Err(format!(
            "the folder {} does not exist; create it first",
            folder.display()
        ));
    }
    rustix::fs::access(folder, rustix::fs::Access::WRITE_OK).map_err(|e| {
        format!(
            "cannot write into {}: {}",
            folder.display(),
            std::io::Error::from(e)
        )
    })?;
    Ok(path.to_path_buf())
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
            // A reader that hung up (`| head`) ends the run normally:
            // `exit_code` knows a broken pipe from a full disk.
            let chart = ascii(&snapshot, 80);
            crate::out::line(format_args!("\n{chart}"))?;
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
