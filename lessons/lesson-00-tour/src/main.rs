//! The tour's command line: measure every lesson, print one table (or
//! write it as JSON); `numbers` for the scaling runs of the numbers
//! chapter, `charts` to draw them. Everything it runs lives in the
//! library; see `lib.rs` and `numbers/mod.rs`.
//!
//! Everything it prints goes through `shared::outln!` and
//! `shared::out::text`, which return the write's error instead of
//! panicking: `tour | head` ends quietly with status 0, `tour > /dev/full`
//! with one `error:` line and status 1 (see `shared::exit_code`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use lesson_00_tour::numbers::{self, Mode};
use lesson_00_tour::{Size, json, stops, table};

/// Runs every lesson's short measured mode and prints one comparison table.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Measure only this lesson (by number, e.g. `--only 1`).
    #[arg(long, value_name = "LESSON")]
    only: Option<u32>,
    /// Tiny sizes: checks that every stop runs; the figures mean nothing.
    #[arg(long)]
    quick: bool,
    /// Also write the table as JSON to PATH (`-`: to stdout, instead of
    /// the table).
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Scaling runs: spawn, switch, channels and fetch against their
    /// sizes, written as CSV files (several minutes; --quick: under one).
    /// Go and Python peers (peers/) run too when `go` and `python3` are
    /// on PATH; a line says which were skipped and why.
    Numbers {
        /// Smaller sizes: N up to 100,000 tasks and 1,000 URLs, fewer
        /// rounds; under a minute in a release build (about 15 s on
        /// two cores).
        #[arg(long)]
        quick: bool,
        /// Tiny sizes, for the tests: the figures mean nothing.
        #[arg(long, hide = true, conflicts_with = "quick")]
        tiny: bool,
        /// Where to write the CSV files [default: <workspace>/target/numbers].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Draws the SVG charts of the numbers chapter from the CSV files.
    Charts {
        /// Where the CSV files are [default: <workspace>/target/numbers].
        #[arg(long, value_name = "DIR")]
        from: Option<PathBuf>,
        /// Where the SVGs go [default: <workspace>/book/src/figures].
        #[arg(long, value_name = "DIR")]
        to: Option<PathBuf>,
    },
    /// One spawn point, measured in this fresh process (what `numbers`
    /// runs once per point): prints `ns_per_task` and `bytes_per_task`.
    #[command(hide = true)]
    NumbersPoint {
        /// thread, hub, may, tokio_ct or tokio_mt.
        #[arg(long)]
        runtime: String,
        /// Tasks spawned and joined at once.
        #[arg(long)]
        tasks: usize,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => tour(cli.only, cli.quick, cli.json.as_deref()),
        Some(Command::Numbers { quick, tiny, out }) => {
            let mode = match (quick, tiny) {
                (_, true) => Mode::Tiny,
                (true, _) => Mode::Quick,
                _ => Mode::Full,
            };
            numbers_run(mode, out)
        }
        Some(Command::Charts { from, to }) => charts(from, to),
        Some(Command::NumbersPoint { runtime, tasks }) => {
            numbers::spawn::measure_point(&runtime, tasks).and_then(|figures| {
                for figure in figures {
                    shared::outln!("{figure}")?;
                }
                Ok(())
            })
        }
    };
    shared::exit_code(result)
}

/// The tour: every stop, one table, and the JSON if asked.
fn tour(
    only: Option<u32>,
    quick: bool,
    json_path: Option<&Path>,
) -> shared::Result<()> {
    let size = if quick { Size::Quick } else { Size::Normal };
    if cfg!(debug_assertions) && size == Size::Normal {
        eprintln!(
            "note: this is a debug build, so the figures measure debug code; \
             run `cargo run --release -p lesson-00-tour` for real ones"
        );
    }
    let stops: Vec<_> = stops()
        .into_iter()
        .filter(|s| only.is_none_or(|n| n == s.number))
        .collect();
    if stops.is_empty() {
        return Err("no lesson with that number is on the tour".into());
    }

    // The bar draws on stderr and hides itself when stderr is not a
    // terminal, so piping the table into a file stays clean.
    let bar = ProgressBar::new(stops.len() as u64).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .expect("the template is valid"),
    );
    let mut rows = Vec::new();
    let mut failed = false;
    for stop in &stops {
        if let lesson_00_tour::brokers::Decision::Skip(line) = stop.decision() {
            bar.suspend(|| eprintln!("{line}"));
            bar.inc(1);
            continue;
        }
        bar.set_message(stop.title);
        match (stop.run)(size) {
            Ok(row) => rows.push(row),
            Err(e) => {
                bar.suspend(|| eprintln!("error: {}: {e}", stop.title));
                failed = true;
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    match json_path {
        // `--json -`: the JSON is the output, the table would break it.
        Some(path) if path == Path::new("-") => {
            shared::out::text(&json(&rows, size))?;
        }
        Some(path) => {
            shared::out::text(&table(&rows))?;
            std::fs::write(path, json(&rows, size)).map_err(|e| {
                format!("cannot write the JSON to {}: {e}", path.display())
            })?;
            eprintln!("wrote {}", path.display());
        }
        None => shared::out::text(&table(&rows))?,
    }
    if failed {
        Err("some lessons could not be measured (see above)".into())
    } else {
        Ok(())
    }
}

/// `numbers`: measures, writes the CSVs, prints one table per CSV.
fn numbers_run(mode: Mode, out: Option<PathBuf>) -> shared::Result<()> {
    if cfg!(debug_assertions) && mode != Mode::Tiny {
        eprintln!(
            "note: this is a debug build, so the figures measure debug code; \
             add `--release` for real ones"
        );
    }
    // A folder the learner names must have its parent already (a typo is
    // an error, not a new tree of folders); the default one is ours, and
    // is created whole when missing (a build with its target folder
    // elsewhere has no `<workspace>/target`).
    let dir = match out {
        Some(dir) => dir,
        None => {
            let dir = numbers::default_dir();
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            dir
        }
    };
    // The points are measured by this same program in fresh processes.
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot find this program to run it: {e}"))?;
    let (csvs, took) = shared::timed(|| numbers::run(&dir, mode, &exe));
    for csv in csvs? {
        shared::outln!("{}", csv.table())?;
    }
    shared::outln!(
        "wrote {} ({} mode, {:.0} s)",
        dir.display(),
        mode.name(),
        took.as_secs_f64()
    )?;
    Ok(())
}

/// `charts`: the SVGs from the CSVs. Every chart is drawn in memory
/// first, so a run with nothing to draw says which data is missing and
/// creates no folder.
fn charts(from: Option<PathBuf>, to: Option<PathBuf>) -> shared::Result<()> {
    let from = from.unwrap_or_else(numbers::default_dir);
    let to = to.unwrap_or_else(|| {
        numbers::workspace_root()
            .join("book")
            .join("src")
            .join("figures")
    });
    let drawn = lesson_00_tour::charts::draw_dir(&from)?;
    if drawn.charts.is_empty() {
        return Err(format!(
            "no chart drawn ({}); run `{}` first",
            drawn.skipped.join("; "),
            lesson_00_tour::charts::NUMBERS_COMMAND,
        )
        .into());
    }
    for skipped in &drawn.skipped {
        eprintln!("skipped {skipped}");
    }
    for path in drawn.write(&to)? {
        shared::outln!("wrote {}", path.display())?;
    }
    Ok(())
}
