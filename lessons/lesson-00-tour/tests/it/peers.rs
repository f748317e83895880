//! The peers of the `numbers` run: which run is decided by what is on
//! `PATH`, and each one that cannot run is one line saying why and how to
//! include it. `PATH` is simulated: an empty folder, or one holding fake
//! `go` and `python3` scripts that fail or answer as told.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use lesson_00_tour::numbers::peers::{Peers, find_on_path, is_peer};
use lesson_00_tour::numbers::spawn::parse_point;

const TOUR: &str = env!("CARGO_BIN_EXE_lesson-00-tour");

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("peers-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("bin")).unwrap();
    dir
}

/// An executable shell script `bin/name` in `dir`.
#[cfg(unix)]
fn script(dir: &Path, name: &str, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("bin").join(name);
    fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn path_of(dir: &Path) -> OsString {
    dir.join("bin").into_os_string()
}

#[test]
fn nothing_on_path_skips_every_peer_with_a_line_saying_how_to_add_it() {
    let dir = scratch("none");
    let peers = Peers::find(&path_of(&dir), &dir.join("build"));
    assert!(peers.versions.is_empty(), "{:?}", peers.versions);
    assert_eq!(peers.summary(), None);
    assert_eq!(peers.skipped.len(), 2, "{:?}", peers.skipped);
    assert!(
        peers.skipped[0].starts_with("peers: go skipped: no `go` on PATH")
            && peers.skipped[0].contains("apt-get install golang-go"),
        "{}",
        peers.skipped[0]
    );
    assert!(
        peers.skipped[1].starts_with(
            "peers: python skipped (gevent, greenlet, asyncio): no `python3`"
        ) && peers.skipped[1].contains("pip install gevent"),
        "{}",
        peers.skipped[1]
    );
}

#[cfg(unix)]
#[test]
fn a_go_that_cannot_build_and_a_python_without_gevent_are_said() {
    let dir = scratch("fakes");
    script(&dir, "go", "echo 'go: no Go here' >&2; exit 1");
    script(
        &dir,
        "python3",
        "echo python=3.9.0; echo gevent=missing; echo greenlet=missing",
    );
    let peers = Peers::find(&path_of(&dir), &dir.join("build"));
    assert_eq!(
        peers.skipped,
        [
            "peers: go skipped: `go build` failed: go: no Go here",
            "peers: gevent and greenlet skipped: python3 3.9.0 cannot \
             import gevent or greenlet (to include them: pip install gevent)",
        ]
    );
    // asyncio needs only Python.
    assert_eq!(peers.versions, [("python", "3.9.0".to_owned())]);
    assert_eq!(
        peers.summary().as_deref(),
        Some("peers: measuring python 3.9.0")
    );
}

#[cfg(unix)]
#[test]
fn only_executable_files_are_found_on_path() {
    let dir = scratch("lookup");
    fs::write(dir.join("bin").join("go"), "not a program").unwrap();
    assert_eq!(find_on_path("go", &path_of(&dir)), None);
    script(&dir, "go", "exit 0");
    let two =
        std::env::join_paths([dir.join("empty"), dir.join("bin")]).unwrap();
    assert_eq!(find_on_path("go", &two), Some(dir.join("bin").join("go")));
}

#[test]
fn a_peer_point_parses_like_ours() {
    assert_eq!(
        parse_point("ns_per_task=365.250 ns\nbytes_per_task=2700.5 B\n")
            .unwrap(),
        (365.25, Some(2700.5))
    );
    // Without /proc there is no memory figure.
    assert_eq!(parse_point("ns_per_task=1 ns\n").unwrap(), (1.0, None));
    assert!(parse_point("bytes_per_task=1 B\n").is_err());
    assert!(parse_point("ns_per_task: 365\n").is_err());
    assert!(is_peer("go_procs1") && !is_peer("tokio_ct"));
}

/// The run itself, with nothing on PATH: it says which peers it skipped,
/// and still writes every CSV, without a peer row.
#[test]
fn the_numbers_run_without_go_or_python_says_so_and_goes_on() {
    let dir = scratch("run");
    let out = dir.join("numbers");
    let output = Command::new(TOUR)
        .args(["numbers", "--tiny", "--out"])
        .arg(&out)
        .env("PATH", dir.join("bin"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    for line in [
        "peers: go skipped: no `go` on PATH",
        "peers: python skipped (gevent, greenlet, asyncio): no `python3`",
    ] {
        assert!(stderr.lines().any(|l| l.starts_with(line)), "{stderr}");
    }
    for file in ["spawn.csv", "switch.csv", "channels.csv", "machine.csv"] {
        let text = fs::read_to_string(out.join(file)).unwrap();
        let peer_rows: Vec<&str> = text
            .lines()
            .filter(|l| is_peer(l.split(',').next().unwrap()))
            .collect();
        assert!(peer_rows.is_empty(), "{file}: {peer_rows:?}");
        assert!(!text.lines().any(|l| l.starts_with("go,")), "{text}");
    }
    let _ = fs::remove_dir_all(&dir);
}
