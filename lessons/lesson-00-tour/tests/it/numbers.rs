//! The `numbers` run, end to end at its hidden tiny size: the real binary
//! writes the five CSV files of the contract, and each parses and holds
//! every runtime, mechanism, channel and strategy it promises.
//!
//! The figures themselves are not checked (a test never bounds wall
//! time): only that they are there and are numbers.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use lesson_00_tour::numbers::{channels, machine, peers, spawn, switch};
use shared::cli_check::LessonBinary;

const TOUR: &str = env!("CARGO_BIN_EXE_lesson-00-tour");

/// A parsed CSV: its header and its rows.
struct Parsed {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Parsed {
    /// The cells of column `name`.
    fn column(&self, name: &str) -> Vec<&str> {
        let i = self.header.iter().position(|h| h == name).unwrap();
        self.rows.iter().map(|r| r[i].as_str()).collect()
    }
}

/// Reads `dir/file`, checks its header, and that every row has a cell per
/// column.
fn parse(dir: &Path, file: &str, header: &[&str]) -> Parsed {
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let mut lines = text.lines();
    let first: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    assert_eq!(first, header, "{file}: wrong header");
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    for row in &rows {
        assert_eq!(row.len(), header.len(), "{file}: bad row {row:?}");
    }
    assert!(!rows.is_empty(), "{file} has no rows");
    Parsed {
        header: first,
        rows,
    }
}

/// Every cell of the column parses as a number of at least zero.
fn numbers(csv: &Parsed, column: &str) -> Vec<f64> {
    csv.column(column)
        .into_iter()
        .map(|cell| {
            let v: f64 = cell.parse().unwrap_or_else(|_| {
                panic!("{column}: {cell:?} is not a number")
            });
            assert!(v.is_finite() && v >= 0.0, "{column}: {v}");
            v
        })
        .collect()
}

fn tiny_run() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("numbers-tiny");
    let _ = std::fs::remove_dir_all(&dir);
    let output = Command::new(TOUR)
        .args(["numbers", "--tiny", "--out"])
        .arg(&dir)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    // One table per CSV, named after its file.
    for file in ["spawn", "switch", "channels", "fetch", "machine"] {
        assert!(stdout.contains(&format!("{file}.csv\n")), "{stdout}");
    }
    dir
}

#[test]
fn the_tiny_run_writes_every_csv_with_every_row() {
    let dir = tiny_run();

    let spawn_csv = parse(
        &dir,
        "spawn.csv",
        &["runtime", "tasks", "ns_per_task", "bytes_per_task"],
    );
    numbers(&spawn_csv, "tasks");
    numbers(&spawn_csv, "ns_per_task");
    // Ours, every one; the peers, those installed here (none in a CI
    // without Go or Python: `peers` checks the skip lines).
    let (theirs, ours): (BTreeSet<&str>, BTreeSet<&str>) = spawn_csv
        .column("runtime")
        .into_iter()
        .partition(|name| peers::is_peer(name));
    assert_eq!(ours, spawn::RUNTIMES.into_iter().collect());
    assert!(
        theirs.iter().all(|p| peers::SPAWN_PEERS.contains(p)),
        "{theirs:?}"
    );
    // Memory is measured on Linux; elsewhere the cells are empty.
    for bytes in spawn_csv.column("bytes_per_task") {
        assert_eq!(bytes.is_empty(), !cfg!(target_os = "linux"), "{bytes:?}");
    }

    let switch_csv = parse(&dir, "switch.csv", &["mechanism", "ns"]);
    numbers(&switch_csv, "ns");
    let (theirs, mechanisms): (BTreeSet<&str>, BTreeSet<&str>) = switch_csv
        .column("mechanism")
        .into_iter()
        .partition(|name| peers::is_peer(name));
    assert!(
        theirs.iter().all(|p| peers::SWITCH_PEERS.contains(p)),
        "{theirs:?}"
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let expected: BTreeSet<&str> = switch::MECHANISMS
        .into_iter()
        .filter(|m| {
            *m != "bare"
                || cfg!(all(target_arch = "x86_64", target_os = "linux"))
        })
        .filter(|m| !m.starts_with("thread_") || cfg!(target_os = "linux"))
        .filter(|m| *m != "thread_cross_core" || cores >= 2)
        .collect();
    assert_eq!(mechanisms, expected);

    let channels_csv =
        parse(&dir, "channels.csv", &["channel", "ns_per_round_trip"]);
    numbers(&channels_csv, "ns_per_round_trip");
    let names = channels_csv.column("channel");
    assert_eq!(names[..channels::CHANNELS.len()], channels::CHANNELS);
    let theirs = &names[channels::CHANNELS.len()..];
    assert!(
        theirs.iter().all(|p| peers::CHANNEL_PEERS.contains(p)),
        "{theirs:?}"
    );

    let fetch_csv = parse(&dir, "fetch.csv", &["strategy", "urls", "seconds"]);
    numbers(&fetch_csv, "urls");
    numbers(&fetch_csv, "seconds");
    let strategies: BTreeSet<&str> =
        fetch_csv.column("strategy").into_iter().collect();
    let names: Vec<String> = lesson_04_fetch::Strategy::all()
        .iter()
        .map(ToString::to_string)
        .collect();
    let all: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(strategies, all);

    let machine_csv = parse(&dir, "machine.csv", &["key", "value"]);
    // The machine's keys, then the versions of the peers that ran.
    let keys = machine_csv.column("key");
    assert_eq!(keys[..machine::KEYS.len()], machine::KEYS);
    let versions = &keys[machine::KEYS.len()..];
    assert!(
        versions.iter().all(|k| peers::VERSION_KEYS.contains(k)),
        "{versions:?}"
    );
    let value = |key: &str| {
        let i = machine::KEYS.iter().position(|k| *k == key).unwrap();
        machine_csv.rows[i][1].clone()
    };
    assert!(value("cores").parse::<usize>().unwrap() >= 1);
    assert!(value("rustc").starts_with("rustc "), "{}", value("rustc"));
    let date = value("date");
    assert_eq!(date.len(), 10, "{date}");
    assert_eq!(date.as_bytes()[4], b'-', "{date}");
    assert_eq!(value("mode"), "tiny");
}

#[test]
fn a_spawn_point_prints_figures_and_bad_input_is_one_error_line() {
    let tour = LessonBinary::new(TOUR);
    let figures = tour.figures(&[
        "numbers-point",
        "--runtime",
        "tokio_ct",
        "--tasks",
        "10",
    ]);
    assert_eq!(figures[0].name, "ns_per_task");
    tour.assert_one_error_line(
        &["numbers-point", "--runtime", "green", "--tasks", "10"],
        "error: no runtime called `green`",
    );
    tour.assert_one_error_line(
        &["numbers-point", "--runtime", "thread", "--tasks", "20000"],
        "error: at most 10000 OS threads",
    );
}

#[test]
fn numbers_out_creates_only_its_last_folder() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("numbers-deep-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    let deep = scratch.join("a").join("b");
    let tour = LessonBinary::new(TOUR);
    tour.assert_one_error_line(
        &["numbers", "--tiny", "--out", deep.to_str().unwrap()],
        &format!(
            "error: the folder {} does not exist",
            deep.parent().unwrap().display()
        ),
    );
    assert!(!scratch.join("a").exists());
    let _ = std::fs::remove_dir_all(&scratch);
}
