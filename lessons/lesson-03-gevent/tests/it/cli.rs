//! The binary: gevent's six lines with no arguments on every runtime, the
//! `tasks` demo's lines and totals, clear errors for bad flags, and
//! `spawn` and `measure` lines the tour can parse.

use shared::cli_check::LessonBinary;
use shared::course::GEVENT_FOO_BAR;

use crate::common::gevent_lines;

pub(crate) const LESSON: LessonBinary =
    LessonBinary::new(env!("CARGO_BIN_EXE_lesson-03-gevent"));

/// The six lines, as the binary prints them.
fn six_lines() -> String {
    GEVENT_FOO_BAR.to_owned()
}

#[test]
fn no_arguments_print_exactly_what_gevent_prints_on_every_runtime() {
    // `--scale 0.05`: the course's 2 s and 1 s become 100 ms and 50 ms. On
    // may and tokio the order needs func3's yield to come back before
    // bar's timer fires; 50 ms leaves room for a loaded machine that
    // preempts the worker at that moment (the hub's order is fixed
    // whatever the timing: it looks at timers only between rounds).
    for runtime in ["hub", "may", "tokio"] {
        let args = ["--scale", "0.05", "--runtime", runtime];
        assert_eq!(LESSON.assert_quiet_success(&args), six_lines(), "{args:?}");
    }
}

#[test]
fn more_workers_print_the_same_six_lines_in_some_order() {
    // With two OS threads foo, bar and func3 may really run at once, so
    // only the set of lines is promised.
    for runtime in ["may", "tokio"] {
        let args = ["--scale", "0.01", "--runtime", runtime, "--workers", "2"];
        let stdout = LESSON.assert_quiet_success(&args);
        let mut lines: Vec<_> = stdout.lines().collect();
        lines.sort_unstable();
        let mut expected = gevent_lines();
        expected.sort_unstable();
        assert_eq!(lines, expected, "{args:?}");
    }
}

/// Checks the `tasks` demo's output for `count` tasks: the headers and the
/// synchronous tasks in order, every asynchronous task once, then the
/// three totals. Returns the speedup it printed.
fn check_tasks_output(stdout: &str, count: u32) -> f64 {
    let lines: Vec<_> = stdout.lines().collect();
    let sync = count as usize - 1;
    assert_eq!(lines.len(), 2 + sync + count as usize + 3, "{stdout}");
    assert_eq!(lines[0], "Synchronous:");
    for (i, line) in lines[1..=sync].iter().enumerate() {
        assert_eq!(*line, format!("Task {} done", i + 1));
    }
    assert_eq!(lines[sync + 1], "Asynchronous:");
    let mut spawned: Vec<_> =
        lines[sync + 2..sync + 2 + count as usize].to_vec();
    spawned.sort_unstable_by_key(|line| {
        line.trim_start_matches("Task ")
            .trim_end_matches(" done")
            .parse::<u32>()
            .unwrap_or(u32::MAX)
    });
    let expected: Vec<_> =
        (0..count).map(|pid| format!("Task {pid} done")).collect();
    assert_eq!(spawned, expected, "{stdout}");
    let totals = &lines[lines.len() - 3..];
    assert!(totals[0].starts_with(&format!("sync: {sync} tasks in ")));
    assert!(totals[1].starts_with(&format!("async: {count} tasks in ")));
    totals[2]
        .strip_prefix("speedup: ")
        .and_then(|x| x.strip_suffix('x'))
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("no speedup line: {stdout}"))
}

#[test]
fn tasks_prints_the_courses_lines_then_the_totals() {
    for runtime in ["hub", "may", "tokio"] {
        let args = [
            "tasks",
            "--count",
            "4",
            "--delay-ms",
            "5",
            "--runtime",
            runtime,
        ];
        let stdout = LESSON.assert_quiet_success(&args);
        let speedup = check_tasks_output(&stdout, 4);
        assert!(speedup.is_finite() && speedup > 0.0, "{stdout}");
    }
}

#[test]
fn the_runtime_flags_work_before_and_after_the_subcommand() {
    for args in [
        &[
            "--runtime",
            "tokio",
            "--workers",
            "2",
            "spawn",
            "--count",
            "10",
        ][..],
        &[
            "spawn",
            "--count",
            "10",
            "--runtime",
            "tokio",
            "--workers",
            "2",
        ],
    ] {
        let figures = LESSON.figures(args);
        assert_eq!(figures[0].name, "spawn_count_tokio_mt", "{args:?}");
    }
}

#[test]
fn the_blocking_pitfall_and_its_fix_run_to_the_end() {
    for args in [
        &["tasks", "--count", "3", "--delay-ms", "5", "--blocking"][..],
        &[
            "tasks",
            "--count",
            "3",
            "--delay-ms",
            "5",
            "--blocking",
            "--spawn-blocking",
            "--runtime",
            "tokio",
        ],
    ] {
        let stdout = LESSON.assert_quiet_success(args);
        check_tasks_output(&stdout, 3);
    }
}

#[test]
fn the_timeline_draws_a_lane_per_task() {
    let args = ["tasks", "--count", "3", "--delay-ms", "5", "--timeline"];
    let stdout = LESSON.assert_quiet_success(&args);
    for lane in ["main", "task 0", "task 1", "task 2"] {
        assert!(stdout.contains(&format!("\n{lane} ")), "{lane}: {stdout}");
    }
    let args = ["--scale", "0.01", "--timeline"];
    let stdout = LESSON.assert_quiet_success(&args);
    assert!(stdout.starts_with(&six_lines()), "{stdout}");
    for lane in ["foo", "bar", "func3"] {
        assert!(stdout.contains(&format!("\n{lane} ")), "{lane}: {stdout}");
    }
}

#[test]
fn bad_flags_give_one_clear_error_and_status_2() {
    for (args, flag) in [
        (&["--runtime", "gevent"][..], "--runtime"),
        (&["--workers", "0"][..], "--workers"),
        (&["--workers", "65"][..], "--workers"),
        (&["--scale", "0"][..], "--scale"),
        (&["--scale", "-1"][..], "--scale"),
        (&["--scale", "fast"][..], "--scale"),
        (&["tasks", "--count", "0"][..], "--count"),
        (&["tasks", "--delay-ms", "-5"][..], "--delay-ms"),
        (&["tasks", "--delay-ms", "60001"][..], "--delay-ms"),
        (&["tasks", "--workers", "many"][..], "--workers"),
        (&["spawn", "--count", "0"][..], "--count"),
        (&["spawn", "--count", "1000001"][..], "--count"),
        (&["spawn", "--sleep-ms", "soon"][..], "--sleep-ms"),
        (&["sweep", "--max-count", "999"][..], "--max-count"),
        (&["--scale", "0.1", "tasks"][..], "--scale"),
        (&["--timeline", "spawn"][..], "--timeline"),
    ] {
        LESSON.assert_bad_flag(args, flag);
    }
}

#[test]
fn the_hub_refuses_more_workers_in_one_line() {
    for args in [
        &["--workers", "2"][..],
        &["tasks", "--workers", "2", "--delay-ms", "1"],
        &["spawn", "--count", "10", "--workers", "2"],
    ] {
        LESSON.assert_one_error_line(
            args,
            "error: the hub is one OS thread, like gevent's",
        );
    }
}

#[test]
fn runs_that_would_sleep_for_hours_are_refused_in_one_line() {
    // Each flag is in range; together they would sleep 69 days (99,999
    // sleeps of a minute), or 11 hours (may's 1,000 waves of 10 s, four
    // times).
    LESSON.assert_one_error_line(
        &["tasks", "--count", "100000", "--delay-ms", "60000"],
        "error: the synchronous loop would sleep 99999 × 60000 ms",
    );
    LESSON.assert_one_error_line(
        &[
            "spawn",
            "--runtime",
            "may",
            "--count",
            "1000000",
            "--sleep-ms",
            "10000",
        ],
        "error: this run would sleep 4000 × 10000 ms",
    );
}

#[test]
fn too_many_os_threads_are_refused_in_one_line() {
    LESSON.assert_one_error_line(
        &["spawn", "--os-threads", "--count", "10001"],
        "error: --os-threads spawns at most 10000 threads",
    );
}

#[test]
fn spawn_blocking_is_tokios_alone() {
    for runtime in ["hub", "may"] {
        let args = [
            "tasks",
            "--count",
            "2",
            "--delay-ms",
            "1",
            "--blocking",
            "--spawn-blocking",
            "--runtime",
            runtime,
        ];
        let output = LESSON.assert_one_error_line(&args, "error: ");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains("tokio"), "{stderr}");
    }
}

#[test]
fn an_unwritable_svg_is_refused_before_the_run() {
    // `--svg` is checked when the flags are parsed, so a typo costs
    // nothing: clap's one `error:` line naming the flag, status 2.
    for args in [
        &["--scale", "0.001", "--svg", "/nonexistent-dir/run.svg"][..],
        &["sweep", "--svg", "/nonexistent-dir/sweep.svg"],
    ] {
        LESSON.assert_bad_flag(args, "--svg");
    }
}

#[test]
fn spawn_prints_figures_that_parse() {
    for (flags, who) in [
        (&["--runtime", "hub"][..], "hub"),
        (&["--runtime", "may"][..], "may"),
        (&["--runtime", "tokio"][..], "tokio_ct"),
        (&["--runtime", "tokio", "--workers", "2"][..], "tokio_mt"),
        (&["--os-threads"][..], "thread"),
    ] {
        let args = [&["spawn", "--count", "1000"][..], flags].concat();
        let figures = LESSON.figures(&args);
        let names: Vec<_> = figures.iter().map(|f| f.name.as_str()).collect();
        let mut expected = vec![
            format!("spawn_count_{who}"),
            format!("spawn_live_{who}"),
            format!("spawn_ns_{who}"),
            format!("spawn_cold_ns_{who}"),
        ];
        if cfg!(target_os = "linux") {
            expected.push(format!("task_bytes_{who}"));
        }
        assert_eq!(names, expected, "{args:?}");
        assert_eq!(figures[0].value, 1000.0);
        assert_eq!(figures[1].value, 1000.0, "all alive at once");
        assert!(figures.iter().all(|f| f.value >= 0.0), "{figures:?}");
    }
}

#[test]
fn measure_prints_every_figure_the_tour_reads() {
    let figures = LESSON.figures(&["measure", "--quick"]);
    let names: Vec<_> = figures.iter().map(|f| f.name.as_str()).collect();
    let mut expected = Vec::new();
    for who in ["hub", "may", "tokio_ct", "tokio_mt", "thread"] {
        expected.push(format!("spawn_ns_{who}"));
        expected.push(format!("spawn_cold_ns_{who}"));
        if cfg!(target_os = "linux") {
            expected.push(format!("task_bytes_{who}"));
        }
    }
    expected.push("spawn_ratio_thread_over_tokio_ct".to_owned());
    for who in ["hub", "may", "tokio"] {
        expected.push(format!("tasks_async_ms_{who}"));
        expected.push(format!("tasks_speedup_{who}"));
    }
    expected.push("tasks_speedup_hub_blocking".to_owned());
    expected.push("tasks_speedup_tokio_spawn_blocking".to_owned());
    assert_eq!(names, expected);
    assert!(figures.iter().all(|f| f.value >= 0.0), "{figures:?}");
}

#[test]
fn sweep_prints_a_table_and_draws_a_chart() {
    let path = std::env::temp_dir()
        .join(format!("lesson-03-sweep-{}.svg", std::process::id()));
    let svg = path.to_str().unwrap();
    let output = LESSON.run(&["sweep", "--max-count", "1000", "--svg", svg]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}");
    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "header, rule, 1000: {stdout}");
    assert!(lines[0].starts_with("| tasks | hub ns | hub B | may ns |"));
    assert!(lines[2].starts_with("| 1000 | "), "{stdout}");
    // Every cell measured: threads too, at 1,000.
    assert!(!lines[2].contains('-'), "{stdout}");
    let chart = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(chart.starts_with("<svg") && chart.ends_with("</svg>\n"));
    // One legend entry per spawner (plotters writes each text on a line
    // of its own).
    for who in lesson_03_gevent::sweep::contenders() {
        assert!(chart.contains(&format!(">\n{who}\n</text>")), "{who}");
    }
}

/// What the book shows of `tasks` on the hub: every line before the
/// totals (the totals are timings, and the book gives them as ranges).
const TASKS_HUB: &str = include_str!("../../output/tasks-hub.txt");

#[test]
fn the_books_tasks_transcript_is_what_the_hub_prints() {
    let stdout = LESSON.assert_quiet_success(&["tasks", "--delay-ms", "1"]);
    let lines: Vec<_> = stdout.lines().collect();
    let transcript = &lines[..lines.len() - 3];
    assert_eq!(transcript, TASKS_HUB.lines().collect::<Vec<_>>());
}

#[test]
fn a_timeline_of_thousands_of_tasks_fits_a_terminal() {
    // 2,000 tasks: 2,002 lanes with main and the hub; the chart draws
    // the first 200 and counts the rest.
    let args = ["tasks", "--count", "2000", "--delay-ms", "0", "--timeline"];
    let stdout = LESSON.assert_quiet_success(&args);
    let chart: Vec<_> = stdout.lines().filter(|l| l.contains(" |")).collect();
    assert_eq!(chart.len(), 200, "{stdout}");
    assert!(
        stdout.contains("\n(1802 more lanes not drawn)\n"),
        "{stdout}"
    );
}

#[test]
fn a_full_disk_is_one_error_line_and_status_1() {
    for args in [
        &["spawn", "--count", "10"][..],
        &["tasks", "--count", "2", "--delay-ms", "1"],
        &["measure", "--quick"],
    ] {
        LESSON.assert_full_disk_is_one_error(args);
    }
}
