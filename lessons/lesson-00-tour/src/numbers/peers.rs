//! Peers: the same experiments in Go and in Python, run beside ours so
//! that the charts can put them on the same axes.
//!
//! The course's claims are about Python's greenlets and gevent; Go's
//! goroutines are the other runtime everyone compares with. The peer
//! programs live in the repository, in `peers/go/` (goroutines and
//! channels, standard library only) and `peers/python/peers.py` (gevent,
//! greenlet and asyncio), and print the same `name=value unit` lines as
//! every lesson's `measure`. The `numbers` run measures them when their
//! tools are installed:
//!
//! | row | CSV | what it is | needs |
//! |---|---|---|---|
//! | `go_procs1`, `go_procs2` | `spawn.csv` | N goroutines that each `runtime.Gosched()` once, `sync.WaitGroup`; `GOMAXPROCS` 1 and 2 | `go` |
//! | `gevent` | `spawn.csv` | `gevent.spawn` N tasks that each `gevent.sleep(0)`, `gevent.joinall` | `python3`, gevent |
//! | `asyncio` | `spawn.csv` | `asyncio.create_task` N tasks that each `await asyncio.sleep(0)`, `gather` | `python3` |
//! | `go_gosched` | `switch.csv` | one `runtime.Gosched()` of the only goroutine | `go` |
//! | `py_greenlet` | `switch.csv` | one `greenlet.switch()` between two greenlets, one way | `python3`, greenlet |
//! | `gevent_sleep0` | `switch.csv` | one `gevent.sleep(0)` of the only greenlet | `python3`, gevent |
//! | `asyncio_sleep0` | `switch.csv` | one `await asyncio.sleep(0)` of the only task | `python3` |
//! | `go_chan` | `channels.csv` | ping-pong over two `chan int` of capacity 1, two goroutines, `GOMAXPROCS=1` | `go` |
//! | `gevent_queue` | `channels.csv` | the same over two `gevent.queue.Queue(1)` | `python3`, gevent |
//! | `asyncio_queue` | `channels.csv` | the same over two `asyncio.Queue(1)` | `python3` |
//!
//! A spawn point runs in a fresh process, one cold batch (its peak
//! resident growth per task is the memory figure) then three warm ones
//! (the median time per task), exactly as ours do. Python stops at
//! [`MAX_PYTHON_TASKS`]. The versions go into `machine.csv` (`go`,
//! `python`, `gevent`, `greenlet`) and from there into the charts'
//! footers.
//!
//! A peer that cannot run is skipped with one line saying which and why
//! (`go` not on `PATH`, gevent not importable), and the run goes on: the
//! peers are a comparison, not a requirement. To include them:
//! `apt-get install golang-go` and `pip install gevent` (which brings
//! greenlet).

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use shared::Figure;

use super::spawn::{self, run_point};
use super::{Csv, Mode, Progress, cell};

/// The peers' rows of `spawn.csv`, in the legend's order.
pub const SPAWN_PEERS: [&str; 4] =
    ["go_procs1", "go_procs2", "gevent", "asyncio"];

/// The peers' rows of `switch.csv`.
pub const SWITCH_PEERS: [&str; 4] = [
    "go_gosched",
    "py_greenlet",
    "gevent_sleep0",
    "asyncio_sleep0",
];

/// The peers' rows of `channels.csv`.
pub const CHANNEL_PEERS: [&str; 3] =
    ["go_chan", "gevent_queue", "asyncio_queue"];

/// The `machine.csv` keys of the peers' versions, in order.
pub const VERSION_KEYS: [&str; 4] = ["go", "python", "gevent", "greenlet"];

/// Python's spawn points stop at this N: a gevent task costs tens of
/// microseconds and 8 kB here, so a million of them would take minutes
/// and gigabytes per point, for a line whose shape 100,000 already shows.
pub const MAX_PYTHON_TASKS: usize = 100_000;

/// Whether a row of a `numbers` CSV is a peer's, not ours: what the charts
/// draw dashed.
pub fn is_peer(name: &str) -> bool {
    SPAWN_PEERS
        .iter()
        .chain(&SWITCH_PEERS)
        .chain(&CHANNEL_PEERS)
        .any(|peer| *peer == name)
}

/// Where the peer programs are: `<workspace>/peers`.
pub fn peers_dir() -> PathBuf {
    super::workspace_root().join("peers")
}

/// The peers that can run here, found once per `numbers` run.
#[derive(Debug, Default)]
pub struct Peers {
    /// The Go peer, built for this run (removed when `Peers` is dropped).
    go: Option<PathBuf>,
    /// The Python interpreter, and which of its modules import.
    python: Option<Python>,
    /// `(key, version)` for `machine.csv`, in [`VERSION_KEYS`] order.
    pub versions: Vec<(&'static str, String)>,
    /// One line per peer that cannot run, saying why and how to include
    /// it.
    pub skipped: Vec<String>,
}

/// A Python that runs `peers.py`.
#[derive(Clone, Debug)]
struct Python {
    exe: PathBuf,
    script: PathBuf,
    gevent: bool,
    greenlet: bool,
}

impl Drop for Peers {
    fn drop(&mut self) {
        if let Some(go) = &self.go {
            let _ = std::fs::remove_file(go);
        }
    }
}

/// The first file called `name` in the folders of `path` (a `PATH`-style
/// list) that is executable.
pub fn find_on_path(name: &str, path: &OsStr) -> Option<PathBuf> {
    std::env::split_paths(path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|file| is_executable(file))
}

#[cfg(unix)]
fn is_executable(file: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    file.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(file: &Path) -> bool {
    file.is_file()
}

/// The `key=value` lines of a peer's `version` or `versions` output.
pub fn parse_versions(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| line.trim().split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .collect()
}

/// A peer's output as figures: every line must be `name=value unit`.
pub fn parse_figures(text: &str) -> shared::Result<Vec<Figure>> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.parse::<Figure>().map_err(Into::into))
        .collect()
}

/// The figure called `name` among `figures`.
fn find(figures: &[Figure], name: &str) -> Option<f64> {
    figures.iter().find(|f| f.name == name).map(|f| f.value)
}

/// Runs `command` to its end and returns its stdout, or the reason it
/// failed: its `error:` line or its first line of stderr.
fn output(mut command: Command) -> Result<String, String> {
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run it: {e}"))?;
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let why = stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .or_else(|| stderr.lines().find(|l| !l.trim().is_empty()))
        .map(|l| l.trim_start_matches("error:").trim().to_owned())
        .unwrap_or_else(|| format!("it exited with {}", out.status));
    Err(why)
}

impl Peers {
    /// Finds the peers that can run, looking up `go` and `python3` in
    /// `path` (the `PATH` variable's value, passed in so that tests can
    /// take a tool away). The Go peer is built into `build_dir`.
    pub fn find(path: &OsStr, build_dir: &Path) -> Peers {
        let mut peers = Peers::default();
        match find_on_path("go", path) {
            None => peers.skipped.push(
                "peers: go skipped: no `go` on PATH (to include it: \
                 apt-get install golang-go)"
                    .to_owned(),
            ),
            Some(go) => match build_go(&go, path, build_dir) {
                Err(why) => peers.skipped.push(format!(
                    "peers: go skipped: `go build` failed: {why}"
                )),
                Ok(exe) => {
                    let mut version = Command::new(&exe);
                    version.arg("version");
                    let found = output(version).ok().and_then(|text| {
                        parse_versions(&text)
                            .into_iter()
                            .find(|(k, _)| k == "go")
                            .map(|(_, v)| v)
                    });
                    peers.versions.push(("go", found.unwrap_or_default()));
                    peers.go = Some(exe);
                }
            },
        }
        match find_on_path("python3", path) {
            None => peers.skipped.push(
                "peers: python skipped (gevent, greenlet, asyncio): no \
                 `python3` on PATH (to include it: apt-get install python3, \
                 then pip install gevent)"
                    .to_owned(),
            ),
            Some(exe) => peers.add_python(exe, path),
        }
        peers
    }

    /// Asks `peers.py versions` which modules this Python has.
    fn add_python(&mut self, exe: PathBuf, path: &OsStr) {
        let script = peers_dir().join("python").join("peers.py");
        let mut command = Command::new(&exe);
        command.arg(&script).arg("versions").env("PATH", path);
        let text = match output(command) {
            Ok(text) => text,
            Err(why) => {
                self.skipped.push(format!(
                    "peers: python skipped (gevent, greenlet, asyncio): \
                     `{} {} versions` failed: {why}",
                    exe.display(),
                    script.display()
                ));
                return;
            }
        };
        let versions = parse_versions(&text);
        let version = |key: &str| {
            versions
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .filter(|v| v != "missing")
        };
        let python = version("python").unwrap_or_default();
        let gevent = version("gevent");
        let greenlet = version("greenlet");
        self.versions.push(("python", python.clone()));
        let missing: Vec<&str> = [("gevent", &gevent), ("greenlet", &greenlet)]
            .into_iter()
            .filter(|(_, v)| v.is_none())
            .map(|(name, _)| name)
            .collect();
        if !missing.is_empty() {
            self.skipped.push(format!(
                "peers: {} skipped: python3 {python} cannot import {} (to \
                 include {}: pip install gevent)",
                missing.join(" and "),
                missing.join(" or "),
                if missing.len() == 1 { "it" } else { "them" },
            ));
        }
        for (key, v) in [("gevent", &gevent), ("greenlet", &greenlet)] {
            if let Some(v) = v {
                self.versions.push((key, v.clone()));
            }
        }
        self.python = Some(Python {
            exe,
            script,
            gevent: gevent.is_some(),
            greenlet: greenlet.is_some(),
        });
    }

    /// What will run, in one line: `peers: go go1.19.8, python 3.11.7
    /// (gevent 26.9.0, greenlet 3.5.6)`; `None` when no peer runs.
    pub fn summary(&self) -> Option<String> {
        (!self.versions.is_empty()).then(|| {
            let parts: Vec<String> = self
                .versions
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            format!("peers: measuring {}", parts.join(", "))
        })
    }

    /// The peers' spawn rows that can run here, each with its N values.
    fn spawn_points(&self, mode: Mode) -> Vec<(&'static str, usize)> {
        let mut points = Vec::new();
        for peer in SPAWN_PEERS {
            let runs = match peer {
                "go_procs1" | "go_procs2" => self.go.is_some(),
                "gevent" => self.python.as_ref().is_some_and(|p| p.gevent),
                _ => self.python.is_some(),
            };
            if !runs {
                continue;
            }
            for &n in spawn::counts(mode) {
                if peer.starts_with("go") || n <= MAX_PYTHON_TASKS {
                    points.push((peer, n));
                }
            }
        }
        points
    }

    /// How many steps the progress bar counts for the peers.
    pub fn steps(&self, mode: Mode) -> usize {
        let spawn = self.spawn_points(mode).len() * spawn::repeats(mode);
        let go = usize::from(self.go.is_some()) * 2;
        let python = usize::from(self.python.is_some()) * 2;
        spawn + go + python
    }

    /// The command that measures one spawn point of `peer`.
    fn spawn_command(&self, peer: &str, tasks: usize) -> Option<Command> {
        let tasks = tasks.to_string();
        match peer {
            "go_procs1" | "go_procs2" => {
                let mut c = Command::new(self.go.as_ref()?);
                let procs = if peer == "go_procs1" { "1" } else { "2" };
                c.args(["spawn", "--tasks", &tasks, "--procs", procs]);
                Some(c)
            }
            _ => {
                let python = self.python.as_ref()?;
                let mut c = Command::new(&python.exe);
                c.arg(&python.script).args([
                    "spawn",
                    "--runtime",
                    peer,
                    "--tasks",
                    &tasks,
                ]);
                Some(c)
            }
        }
    }

    /// Adds the peers' rows to `spawn.csv`: every point of
    /// [`Peers::spawn_points`], [`spawn::repeats`] fresh processes each,
    /// the median of their figures; a failed point leaves no row and a
    /// note.
    pub fn add_spawn_rows(
        &self,
        csv: &mut Csv,
        mode: Mode,
        progress: &Progress,
    ) {
        let repeats = spawn::repeats(mode);
        for (peer, n) in self.spawn_points(mode) {
            let mut ns = Vec::new();
            let mut bytes = Vec::new();
            let mut failure = None;
            for i in 1..=repeats {
                progress.step(format!(
                    "spawn + join {n} tasks on {peer} ({i}/{repeats})"
                ));
                let measured = self
                    .spawn_command(peer, n)
                    .ok_or_else(|| "no such peer".into())
                    .and_then(run_point);
                match measured {
                    Ok((t, b)) => {
                        ns.push(t);
                        bytes.extend(b);
                    }
                    Err(e) => failure = Some(e),
                }
                progress.done();
            }
            if let Some(e) = failure {
                progress.note(format!(
                    "spawn: {peer} at {n} tasks failed, no row recorded: {e}"
                ));
                continue;
            }
            let bytes = (!bytes.is_empty()).then(|| shared::median(bytes));
            csv.push(vec![
                peer.to_owned(),
                n.to_string(),
                cell(shared::median(ns)),
                bytes.map(|b| format!("{b:.0}")).unwrap_or_default(),
            ]);
        }
    }

    /// Adds the peers' rows to `switch.csv` and `channels.csv`.
    pub fn add_switch_and_channel_rows(
        &self,
        switch: &mut Csv,
        channels: &mut Csv,
        mode: Mode,
        progress: &Progress,
    ) {
        let sizes = Sizes::of(mode);
        let add = |csv: &mut Csv, name: &str, ns: Option<f64>| {
            if let Some(ns) = ns {
                csv.push(vec![name.to_owned(), cell(ns)]);
            }
        };
        if let Some(go) = &self.go {
            let run = |experiment: &str, iters: u64| {
                let mut c = Command::new(go);
                c.args([experiment, "--iters", &iters.to_string()])
                    .args(["--rounds", &sizes.rounds.to_string()]);
                self.figures(c, experiment, progress)
            };
            progress.step("switch: go's Gosched");
            let figures = run("switch", sizes.go_switches);
            add(switch, "go_gosched", find(&figures, "gosched_ns"));
            progress.done();
            progress.step("channels: go's chan ping-pong");
            let figures = run("channels", sizes.go_trips);
            add(channels, "go_chan", find(&figures, "chan_round_trip_ns"));
            progress.done();
        }
        if let Some(python) = &self.python {
            let run = |experiment: &str, iters: u64| {
                let mut c = Command::new(&python.exe);
                c.arg(&python.script)
                    .args([experiment, "--iters", &iters.to_string()])
                    .args(["--rounds", &sizes.rounds.to_string()]);
                self.figures(c, experiment, progress)
            };
            progress.step("switch: greenlet, gevent and asyncio");
            let figures = run("switch", sizes.python_switches);
            for (name, figure, runs) in [
                ("py_greenlet", "greenlet_switch_ns", python.greenlet),
                ("gevent_sleep0", "gevent_sleep0_ns", python.gevent),
                ("asyncio_sleep0", "asyncio_sleep0_ns", true),
            ] {
                if runs {
                    add(switch, name, find(&figures, figure));
                }
            }
            progress.done();
            progress.step("channels: gevent and asyncio queue ping-pong");
            let figures = run("channels", sizes.python_trips);
            for (name, figure, runs) in [
                ("gevent_queue", "gevent_queue_round_trip_ns", python.gevent),
                ("asyncio_queue", "asyncio_queue_round_trip_ns", true),
            ] {
                if runs {
                    add(channels, name, find(&figures, figure));
                }
            }
            progress.done();
        }
    }

    /// Runs a peer's experiment and parses its figures; a failure is a
    /// note and no figures.
    fn figures(
        &self,
        command: Command,
        experiment: &str,
        progress: &Progress,
    ) -> Vec<Figure> {
        let program = command.get_program().to_owned();
        match output(command)
            .map_err(Into::into)
            .and_then(|t| parse_figures(&t))
        {
            Ok(figures) => figures,
            Err(e) => {
                progress.note(format!(
                    "peers: {experiment} of {} failed, no rows recorded: {e}",
                    Path::new(&program).display()
                ));
                Vec::new()
            }
        }
    }
}

/// The peers' round sizes. Go's are ours; Python's are smaller, since
/// each of its switches costs a hundred times more: a round stays tens
/// of milliseconds long, like ours.
struct Sizes {
    rounds: usize,
    go_switches: u64,
    go_trips: u64,
    python_switches: u64,
    python_trips: u64,
}

impl Sizes {
    fn of(mode: Mode) -> Sizes {
        let (rounds, go_switches, go_trips) = match mode {
            Mode::Tiny => (1, 2_000, 1_000),
            Mode::Quick => (3, 200_000, 100_000),
            Mode::Full => (5, 1_000_000, 500_000),
        };
        Sizes {
            rounds,
            go_switches,
            go_trips,
            python_switches: go_switches / 20,
            python_trips: go_trips / 50,
        }
    }
}

/// Builds the Go peer (`peers/go`) into `build_dir` with the `go` found,
/// and returns the program's path. `GOTOOLCHAIN=local`: build with the Go
/// that is installed, never download another; `GOFLAGS=-mod=mod`: the
/// module has no dependencies, so a `-mod=vendor` set globally must not
/// apply; `CGO_ENABLED=0`: no C compiler needed.
fn build_go(
    go: &Path,
    path: &OsStr,
    build_dir: &Path,
) -> Result<PathBuf, String> {
    std::fs::create_dir_all(build_dir)
        .map_err(|e| format!("cannot create {}: {e}", build_dir.display()))?;
    // One program per run: two runs at once (two tests) never write the
    // same file.
    let exe = build_dir.join(format!("go-peers-{}", std::process::id()));
    let mut command = Command::new(go);
    command
        .current_dir(peers_dir().join("go"))
        .args(["build", "-o"])
        .arg(&exe)
        .arg(".")
        .env("PATH", path)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .env("CGO_ENABLED", "0");
    output(command)?;
    Ok(exe)
}

/// The `PATH` of this process, or an empty one.
pub fn current_path() -> OsString {
    std::env::var_os("PATH").unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_figures_parse() {
        let text = "python=3.11.7\ngevent=missing\ngreenlet=3.5.6\nnoise\n";
        assert_eq!(
            parse_versions(text),
            [
                ("python".to_owned(), "3.11.7".to_owned()),
                ("gevent".to_owned(), "missing".to_owned()),
                ("greenlet".to_owned(), "3.5.6".to_owned()),
            ]
        );
        let figures =
            parse_figures("ns_per_task=365.5 ns\nbytes_per_task=2700 B\n")
                .unwrap();
        assert_eq!(find(&figures, "ns_per_task"), Some(365.5));
        assert_eq!(find(&figures, "bytes_per_task"), Some(2700.0));
        assert!(parse_figures("ns_per_task 365 ns\n").is_err());
    }

    #[test]
    fn peers_are_told_apart_from_ours() {
        for peer in ["go_procs1", "gevent", "py_greenlet", "go_chan"] {
            assert!(is_peer(peer), "{peer}");
        }
        for ours in ["hub", "greenlet", "tokio_ct", "may_mpsc"] {
            assert!(!is_peer(ours), "{ours}");
        }
    }
}
