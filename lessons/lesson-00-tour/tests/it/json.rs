//! `--json`: the tour's table as JSON, from the real binary at the quick
//! size, parsed back with serde_json: one row per stop, each with its
//! figures and ratios.

use std::path::Path;
use std::process::Command;

use lesson_00_tour::stops;

const TOUR: &str = env!("CARGO_BIN_EXE_lesson-00-tour");

#[test]
fn the_json_parses_and_has_every_stops_row() {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tour.json");
    let _ = std::fs::remove_file(&path);
    let output = Command::new(TOUR)
        .args(["--quick", "--json"])
        .arg(&path)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    // The table is still printed; the JSON went to the file.
    assert!(stdout.contains("ratio:"), "{stdout}");

    let text = std::fs::read_to_string(&path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["size"], "quick");
    let rows = json["rows"].as_array().unwrap();
    // A broker stop without its server is skipped, and has no row.
    let run: Vec<_> = stops()
        .into_iter()
        .filter(|s| s.decision() == lesson_00_tour::brokers::Decision::Run)
        .collect();
    assert_eq!(rows.len(), run.len());
    for (row, stop) in rows.iter().zip(run) {
        let lesson = row["lesson"].as_str().unwrap();
        let number = format!("lesson-{:02}-", stop.number);
        assert!(lesson.starts_with(&number), "{lesson} for {}", stop.title);
        assert!(!row["compared"].as_str().unwrap().is_empty());
        let figures = row["figures"].as_array().unwrap();
        assert!(!figures.is_empty(), "{lesson} has no figures");
        for f in figures {
            assert!(!f["name"].as_str().unwrap().is_empty(), "{f}");
            assert!(f["value"].as_f64().unwrap() >= 0.0, "{f}");
            assert!(f["unit"].is_string(), "{f}");
        }
        let ratios = row["ratios"].as_array().unwrap();
        assert!(ratios.iter().all(serde_json::Value::is_string), "{lesson}");
    }
}

#[test]
fn json_to_stdout_is_only_json() {
    let output = Command::new(TOUR)
        .args(["--quick", "--only", "1", "--json", "-"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["rows"][0]["lesson"], "lesson-01-yield");
}
