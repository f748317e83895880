//! `spawn.csv`: spawn + join per task, and resident bytes per live task,
//! against the number of tasks N, for OS threads and each runtime of
//! lesson 03.
//!
//! Every point runs in a fresh process: this program again, with the
//! hidden subcommand `numbers-point --runtime hub --tasks 100000`, which
//! measures with lesson 03's [`sweep::in_process`] and prints its two
//! figures as `name=value unit` lines. Why not measure here? Memory per
//! task is peak resident growth, and a process that has run 100,000 tasks
//! keeps their pages in its allocator and pools: the next point would
//! reuse them and look almost free. (Lesson 03's `sweep` does the same,
//! for the same reason.)

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use lesson_03_gevent::{Contender, sweep};
use shared::Figure;

use super::{Csv, Mode, Progress, cell};

/// The runtimes, in the contract's names and the legend's order.
pub const RUNTIMES: [&str; 5] =
    ["thread", "hub", "may", "tokio_ct", "tokio_mt"];

/// OS threads stop at this N: each is a kernel task with a stack, and
/// past ten thousand the run measures the kernel's limits.
pub const MAX_THREADS: usize = 10_000;

/// The N of each mode.
pub fn counts(mode: Mode) -> &'static [usize] {
    match mode {
        Mode::Tiny => &[100, 1_000],
        Mode::Quick => &[1_000, 10_000, 100_000],
        Mode::Full => &[1_000, 10_000, 100_000, 1_000_000],
    }
}

/// Every (runtime, N) point of a mode, threads only up to
/// [`MAX_THREADS`].
pub fn points(mode: Mode) -> Vec<(&'static str, usize)> {
    RUNTIMES
        .iter()
        .flat_map(|&who| counts(mode).iter().map(move |&n| (who, n)))
        .filter(|&(who, n)| who != "thread" || n <= MAX_THREADS)
        .collect()
}

/// Fresh processes per point: the figure is the median of their figures.
/// One point is one cold batch and three warm ones in one process, and on
/// a 2-core machine one process can land on a busy moment; the full run
/// measures each point three times so that one such moment does not bend
/// the curve.
pub fn repeats(mode: Mode) -> usize {
    match mode {
        Mode::Tiny | Mode::Quick => 1,
        Mode::Full => 3,
    }
}

/// How many steps the progress bar counts for this part.
pub fn steps(mode: Mode) -> usize {
    points(mode).len() * repeats(mode)
}

/// One point, measured in this process: what `numbers-point` prints.
/// `who` is one of [`RUNTIMES`]; `tokio_mt` runs on two workers, may on
/// one (lesson 03's `sweep::in_process`).
pub fn measure_point(who: &str, tasks: usize) -> shared::Result<Vec<Figure>> {
    let contenders = sweep::contenders();
    let Some(&who) = contenders.iter().find(|w| w.to_string() == who) else {
        return Err(format!(
            "no runtime called `{who}`: use one of {}",
            RUNTIMES.join(", ")
        )
        .into());
    };
    if who == Contender::Thread && tasks > MAX_THREADS {
        return Err(format!(
            "at most {MAX_THREADS} OS threads, not {tasks}: each is a \
             kernel task with its own stack"
        )
        .into());
    }
    let point = sweep::in_process(who, tasks)?;
    let mut figures = vec![Figure::new("ns_per_task", point.ns_per_task, "ns")];
    if let Some(bytes) = point.bytes_per_task {
        figures.push(Figure::new("bytes_per_task", bytes, "B"));
    }
    Ok(figures)
}

/// How long one point's child process may run before it is stopped. A
/// point here takes a few seconds (four batches of a million hub
/// greenlets, or of 10,000 OS threads); one that runs for minutes is a
/// machine swapping a million stacks in and out, or a runtime stuck, and
/// either way not a figure: it is killed and leaves no row, rather than
/// hold the run forever.
pub const POINT_TIMEOUT: Duration = Duration::from_secs(120);

/// One point in a fresh process: `exe numbers-point --runtime who
/// --tasks n`, its figures parsed back. The error is the child's own
/// `error:` line, how it died, or that it ran past [`POINT_TIMEOUT`].
pub fn point_in_child(
    exe: &Path,
    who: &str,
    tasks: usize,
) -> shared::Result<(f64, Option<f64>)> {
    let mut command = Command::new(exe);
    command
        .args(["numbers-point", "--runtime", who, "--tasks"])
        .arg(tasks.to_string());
    run_point(command)
}

/// Runs `command`, a program that measures one spawn point and prints
/// `ns_per_task` and (where it can) `bytes_per_task` as `name=value unit`
/// lines, and parses them back: this program's `numbers-point`, or a
/// peer's (`numbers::peers`). It is stopped after [`POINT_TIMEOUT`].
pub fn run_point(mut command: Command) -> shared::Result<(f64, Option<f64>)> {
    let program = command.get_program().to_owned();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("cannot run {}: {e}", Path::new(&program).display())
        })?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    // Look every 50 ms: the child is measuring, and a parent that woke
    // more often would take CPU time from it on a two-core machine.
    let deadline = Instant::now() + POINT_TIMEOUT;
    let waited = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(50));
            }
            Ok(None) => {
                break Err(format!(
                    "the child process ran for more than {} s and was stopped",
                    POINT_TIMEOUT.as_secs()
                ));
            }
            Err(e) => break Err(format!("cannot wait for the child: {e}")),
        }
    };
    let status = match waited {
        Ok(status) => status,
        Err(why) => {
            // Kill it, then reap it, so no process outlives the run. The
            // drain threads end when the pipes close; they are not waited
            // for, in case something the child started still holds them.
            let _ = child.kill();
            let _ = child.wait();
            return Err(why.into());
        }
    };
    // The child has exited, so both pipes are at their end.
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    if !status.success() {
        let stderr = String::from_utf8_lossy(&stderr);
        let why = stderr
            .lines()
            .find(|l| l.starts_with("error:"))
            .map(|l| l.trim_start_matches("error:").trim().to_owned())
            // No `error:` line: killed (out of memory) or crashed.
            .unwrap_or_else(|| format!("the child process {status}"));
        return Err(why.into());
    }
    parse_point(&String::from_utf8_lossy(&stdout))
}

/// `ns_per_task` and, when printed, `bytes_per_task` out of a point's
/// `name=value unit` lines; any other line is an error.
pub fn parse_point(text: &str) -> shared::Result<(f64, Option<f64>)> {
    let figures = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(str::parse)
        .collect::<Result<Vec<Figure>, _>>()?;
    let find =
        |name: &str| figures.iter().find(|f| f.name == name).map(|f| f.value);
    let ns = find("ns_per_task").ok_or("the child printed no ns_per_task")?;
    Ok((ns, find("bytes_per_task")))
}

/// Reads a child's pipe to its end on a thread of its own, so that a
/// child which writes more than a pipe holds (a long panic message) never
/// blocks on a full pipe while its parent waits for it to exit.
fn drain<R: Read + Send + 'static>(
    pipe: Option<R>,
) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

/// Every point of the mode, [`repeats`] child processes each. A point
/// that fails (the machine is out of memory or map entries at a million
/// tasks) leaves no row, and a one-line note says so.
pub fn csv(mode: Mode, exe: &Path, progress: &Progress) -> shared::Result<Csv> {
    let mut csv = Csv::new(
        "spawn.csv",
        &["runtime", "tasks", "ns_per_task", "bytes_per_task"],
    );
    let repeats = repeats(mode);
    for (who, n) in points(mode) {
        let mut ns = Vec::new();
        let mut bytes = Vec::new();
        let mut failure = None;
        for i in 1..=repeats {
            progress.step(format!(
                "spawn + join {n} tasks on {who} ({i}/{repeats})"
            ));
            match point_in_child(exe, who, n) {
                Ok((t, b)) => {
                    ns.push(t);
                    bytes.extend(b);
                }
                Err(e) => failure = Some(e),
            }
            progress.done();
        }
        // One failed process out of three fails the point: what failed
        // once (memory, map entries) is not a figure to draw a curve on.
        if let Some(e) = failure {
            progress.note(format!(
                "spawn: {who} at {n} tasks failed, no row recorded: {e}"
            ));
            continue;
        }
        let bytes = (!bytes.is_empty()).then(|| shared::median(bytes));
        csv.push(vec![
            who.to_owned(),
            n.to_string(),
            cell(shared::median(ns)),
            bytes.map(|b| format!("{b:.0}")).unwrap_or_default(),
        ]);
    }
    Ok(csv)
}
