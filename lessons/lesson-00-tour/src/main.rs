//! The tour's command line: measure every lesson, print one table.
//! Everything it runs lives in the lessons' libraries; see `lib.rs`.

use std::process::ExitCode;

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use lesson_00_tour::{Size, stops, table};

/// Runs every lesson's short measured mode and prints one comparison table.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Measure only this lesson (by number, e.g. `--only 1`).
    #[arg(long, value_name = "LESSON")]
    only: Option<u32>,
    /// Tiny sizes: checks that every stop runs; the figures mean nothing.
    #[arg(long)]
    quick: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let size = if cli.quick { Size::Quick } else { Size::Normal };
    if cfg!(debug_assertions) && size == Size::Normal {
        eprintln!(
            "note: this is a debug build, so the figures measure debug code; \
             run `cargo run --release -p lesson-00-tour` for real ones"
        );
    }
    let stops: Vec<_> = stops()
        .into_iter()
        .filter(|s| cli.only.is_none_or(|n| n == s.number))
        .collect();
    if stops.is_empty() {
        eprintln!("error: no lesson with that number is on the tour");
        return ExitCode::FAILURE;
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
    print!("{}", table(&rows));
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
