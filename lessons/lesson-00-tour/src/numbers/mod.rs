//! The tour's `numbers` run: how each cost grows with the work, measured
//! on one machine in one run, written as CSV files for the charts and the
//! book's numbers chapter.
//!
//! **Run it:**
//!
//! ```text
//! cargo run --release -p lesson-00-tour -- numbers            # several minutes
//! cargo run --release -p lesson-00-tour -- numbers --quick    # under a minute
//! cargo run --release -p lesson-00-tour -- charts             # the SVGs
//! ```
//!
//! It writes five files into `target/numbers/` (or `--out DIR`), each a
//! header line and comma-separated rows, and prints each as a table:
//!
//! - `spawn.csv` (`runtime,tasks,ns_per_task,bytes_per_task`): spawn +
//!   join per task and resident bytes per live task, against the number of
//!   tasks, for OS threads and every runtime of lesson 03 ([`spawn`]);
//! - `switch.csv` (`mechanism,ns`): one switch or hand-off, by mechanism
//!   ([`switch`]);
//! - `channels.csv` (`channel,ns_per_round_trip`): a ping-pong over each
//!   kind of channel ([`channels`]);
//! - `fetch.csv` (`strategy,urls,seconds`): lesson 04's strategies against
//!   the number of URLs ([`fetch`]);
//! - `machine.csv` (`key,value`): where the figures came from
//!   ([`machine`]), and the peers' versions.
//!
//! When Go or Python are installed, the same experiments also run in
//! small peer programs kept in the repository (`peers/go/`,
//! `peers/python/`): goroutines, gevent and asyncio in `spawn.csv`, their
//! switches in `switch.csv`, their channels in `channels.csv`, each as a
//! row of its own ([`peers`]). A peer that cannot run here is skipped with
//! one line saying which and why.
//!
//! **What to notice:** the shape of the curves, not a single number. A
//! figure from this run is only compared with figures from the same run,
//! on the same machine, under the same load.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};

pub mod channels;
pub mod fetch;
pub mod machine;
pub mod peers;
pub mod spawn;
pub mod switch;

/// How much the run measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Tiny sizes, for the tests: proves every part runs and writes its
    /// rows, in a few seconds even in a debug build. Meaningless figures.
    Tiny,
    /// Under a minute in a release build (about 15 s on two cores): N up
    /// to 100,000 tasks and 1,000 URLs, fewer rounds.
    Quick,
    /// Several minutes: N up to a million tasks and 10,000 URLs.
    Full,
}

impl Mode {
    /// `tiny`, `quick` or `full`: the `mode` of `machine.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Tiny => "tiny",
            Mode::Quick => "quick",
            Mode::Full => "full",
        }
    }
}

/// The default place of the CSV files: `<workspace>/target/numbers`.
pub fn default_dir() -> PathBuf {
    workspace_root().join("target").join("numbers")
}

/// Makes sure `dir` is a folder to write into: an existing folder is
/// used as it is; a missing one is created, but only when its parent
/// exists, so that a mistyped path (`--out targt/numbers/x`) is one error
/// line instead of a new tree of folders somewhere unexpected.
pub fn make_folder(dir: &Path) -> shared::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if dir.exists() {
        return Err(format!("{} is a file, not a folder", dir.display()).into());
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(format!(
            "the folder {} does not exist; create it first (only the last \
             folder of {} is created)",
            parent.display(),
            dir.display()
        )
        .into());
    }
    std::fs::create_dir(dir).map_err(|e| {
        format!("cannot create the folder {}: {e}", dir.display()).into()
    })
}

/// Where the Go peer is built for a run: `<workspace>/target/peers`.
pub fn peers_build_dir() -> PathBuf {
    workspace_root().join("target").join("peers")
}

/// The workspace's root, from where this crate was compiled.
pub fn workspace_root() -> PathBuf {
    let here = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    here.canonicalize().unwrap_or_else(|_| here.to_path_buf())
}

/// A CSV file in the making: a header and rows of cells. Names are
/// `snake_case` and numbers have no thousands separators, so no cell
/// needs quoting. The cells this program does not choose (a CPU model
/// name, a kernel release) are made safe rather than quoted: [`Csv::push`]
/// replaces a comma by a semicolon, a double quote by a single one and a
/// line break by a space, so every row stays one line of plain fields
/// (and `charts`, which refuses quotes, reads it back).
#[derive(Clone, Debug, PartialEq)]
pub struct Csv {
    /// The file's name, e.g. `spawn.csv`.
    pub file: &'static str,
    /// The column names.
    pub header: Vec<&'static str>,
    /// The rows, one cell per column.
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    /// An empty file with these columns.
    pub fn new(file: &'static str, header: &[&'static str]) -> Csv {
        Csv {
            file,
            header: header.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (one cell per column), each cell made safe as above.
    pub fn push(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.header.len(), "{}", self.file);
        let safe = |cell: String| {
            cell.chars()
                .map(|c| match c {
                    ',' => ';',
                    '"' => '\'',
                    '\n' | '\r' => ' ',
                    c => c,
                })
                .collect()
        };
        self.rows.push(cells.into_iter().map(safe).collect());
    }

    /// The file's text: the header line, then one line per row.
    pub fn text(&self) -> String {
        let mut out = self.header.join(",");
        out.push('\n');
        for row in &self.rows {
            out.push_str(&row.join(","));
            out.push('\n');
        }
        out
    }

    /// The rows as a table for the terminal: the file name, then columns
    /// as wide as their widest cell, numbers right-aligned.
    pub fn table(&self) -> String {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|i| {
                self.rows
                    .iter()
                    .map(|r| r[i].chars().count())
                    .fold(self.header[i].len(), usize::max)
            })
            .collect();
        // A column of numbers is right-aligned (its empty cells too); a
        // column with any text in it, left.
        let numeric: Vec<bool> = (0..self.header.len())
            .map(|i| {
                self.rows
                    .iter()
                    .all(|r| r[i].is_empty() || r[i].parse::<f64>().is_ok())
            })
            .collect();
        let line = |cells: &[&str], header: bool| {
            let mut out = String::new();
            for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
                let gap = if i == 0 { "" } else { "  " };
                if numeric[i] && !(header && i == 0) {
                    let _ = write!(out, "{gap}{cell:>w$}");
                } else {
                    let _ = write!(out, "{gap}{cell:<w$}");
                }
            }
            out.trim_end().to_owned()
        };
        let mut out = format!("{}\n", self.file);
        out.push_str(&line(&self.header, true));
        out.push('\n');
        let total = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
        out.push_str(&"-".repeat(total));
        out.push('\n');
        for row in &self.rows {
            let cells: Vec<&str> = row.iter().map(String::as_str).collect();
            out.push_str(&line(&cells, false));
            out.push('\n');
        }
        out
    }

    /// Writes the file into `dir`.
    pub fn write(&self, dir: &Path) -> shared::Result<PathBuf> {
        let path = dir.join(self.file);
        std::fs::write(&path, self.text())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(path)
    }
}

/// A figure for a CSV cell: as many decimals as its size deserves (three
/// significant digits or more), no unit, no separators.
pub fn cell(value: f64) -> String {
    match value.abs() {
        a if a >= 100.0 => format!("{value:.0}"),
        a if a >= 10.0 => format!("{value:.1}"),
        a if a >= 1.0 => format!("{value:.2}"),
        _ => format!("{value:.3}"),
    }
}

/// What the run says while it works: a bar on stderr that counts the
/// steps (hidden when stderr is not a terminal, so a piped or tested run
/// prints only its tables), and one-line notes printed above it.
#[derive(Clone, Debug)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar of `steps` steps.
    pub fn new(steps: u64) -> Progress {
        let bar = ProgressBar::new(steps);
        if let Ok(style) = ProgressStyle::with_template(
            "{bar:30} {pos}/{len} {elapsed:>4} {msg}",
        ) {
            bar.set_style(style);
        }
        // Some steps are one long call (a million spawns in a child):
        // the clock keeps moving so the run does not look stuck.
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        Progress { bar }
    }

    /// A step begins: its name goes on the bar.
    pub fn step(&self, what: impl Into<String>) {
        self.bar.set_message(what.into());
    }

    /// The step is done.
    pub fn done(&self) {
        self.bar.inc(1);
    }

    /// A note above the bar (a skipped size, a failed point), on stderr.
    pub fn note(&self, line: impl AsRef<str>) {
        self.bar.suspend(|| eprintln!("{}", line.as_ref()));
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// The whole run: every part measured, every CSV written into `dir`
/// (created if missing) and returned, in the order of the contract.
/// `exe` is the program whose hidden `numbers-point` subcommand measures
/// one spawn point in a fresh process: the tour binary itself
/// ([`std::env::current_exe`]) from the CLI, the built binary from a test.
pub fn run(dir: &Path, mode: Mode, exe: &Path) -> shared::Result<Vec<Csv>> {
    make_folder(dir)?;
    // A folder that exists but may not be written into would otherwise
    // fail only at the end, after minutes of measuring: try it first.
    let probe = dir.join(".numbers-write-check");
    std::fs::write(&probe, b"")
        .map_err(|e| format!("cannot write into {}: {e}", dir.display()))?;
    let _ = std::fs::remove_file(&probe);
    // The peers first: which of Go and Python can run here decides how
    // many steps there are, and a skipped peer is said at once.
    let peers = peers::Peers::find(&peers::current_path(), &peers_build_dir());
    let steps = spawn::steps(mode)
        + switch::steps(mode)
        + channels::steps(mode)
        + fetch::steps(mode)
        + peers.steps(mode);
    let progress = Progress::new(steps as u64);
    for line in peers.summary().iter().chain(&peers.skipped) {
        progress.note(line);
    }
    let parts = (|| -> shared::Result<Vec<Csv>> {
        let mut machine = machine::csv(mode);
        for (key, version) in &peers.versions {
            machine.push(vec![(*key).to_owned(), version.clone()]);
        }
        let mut spawn = spawn::csv(mode, exe, &progress)?;
        peers.add_spawn_rows(&mut spawn, mode, &progress);
        let mut switch = switch::csv(mode, &progress)?;
        let mut channels = channels::csv(mode, &progress)?;
        peers.add_switch_and_channel_rows(
            &mut switch,
            &mut channels,
            mode,
            &progress,
        );
        let fetch = fetch::csv(mode, &progress)?;
        Ok(vec![spawn, switch, channels, fetch, machine])
    })();
    progress.finish();
    let parts = parts?;
    for csv in &parts {
        csv.write(dir)?;
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_with_odd_characters_stay_one_plain_field() {
        let mut csv = Csv::new("machine.csv", &["key", "value"]);
        csv.push(vec![
            "cpu".to_owned(),
            "Intel(R) \"Xeon\", 2.1 GHz\r\nµ-arch".to_owned(),
        ]);
        assert_eq!(
            csv.text(),
            "key,value\ncpu,Intel(R) 'Xeon'; 2.1 GHz  µ-arch\n"
        );
    }
}
