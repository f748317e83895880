//! The binary: the course's transcript with no arguments, one line per
//! failed URL and a failing exit status, clear errors for bad flags, and
//! `measure` lines the tour can parse.

use std::net::TcpListener;

use shared::cli_check::LessonBinary;

const LESSON: LessonBinary =
    LessonBinary::new(env!("CARGO_BIN_EXE_lesson-04-fetch"));

#[test]
fn no_arguments_print_the_course_transcript_and_a_table() {
    let stdout = LESSON.assert_quiet_success(&[]);
    let addr = crate::common::first_addr(&stdout);
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    assert_eq!(crate::common::masked(&stdout, &addr), crate::common::DEMO);
}

#[test]
fn a_failed_url_is_one_line_and_the_status_is_1() {
    let refused = crate::common::refused_url();
    let args = ["--strategy", "tokio", "--url", &refused, "--url", "nope"];
    let output =
        LESSON.assert_one_error_line(&args, "error: 2 of 2 fetches failed");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let failed: Vec<_> = stdout
        .lines()
        .filter(|l| l.starts_with("nothing received from "))
        .collect();
    assert_eq!(failed.len(), 2, "{stdout}");
    assert!(stdout.contains(&format!(
        "nothing received from {refused}: cannot connect: Connection refused"
    )));
    assert!(stdout.contains("nothing received from nope: bad URL: "));
    assert_eq!(stderr, "error: 2 of 2 fetches failed\n");
}

#[test]
fn each_kind_of_failure_is_one_line_and_the_others_succeed() {
    // A server of the test's own, on loopback, for the URLs that answer.
    let server = shared::DelayServer::start(None).unwrap();
    let refused = crate::common::refused_url();
    let (fast, status, slow, bytes) = (
        server.url("/delay/10"),
        server.url("/status/500"),
        server.url("/delay/3000"),
        server.url("/bytes/5"),
    );
    let mut args = vec!["--timeout-ms", "500"];
    for url in [&fast, &refused, &status, &slow, "not a url", &bytes] {
        args.extend(["--url", url]);
    }
    // The default strategies, sequential then tokio: 12 fetches.
    let output =
        LESSON.assert_one_error_line(&args, "error: 8 of 12 fetches failed");
    let stdout = String::from_utf8(output.stdout).unwrap();
    for (url, why) in [
        (refused.as_str(), "cannot connect: "),
        (&status, "HTTP 500 Internal Server Error."),
        (&slow, "timed out after 500 ms."),
        ("not a url", "bad URL: "),
    ] {
        let line = format!("nothing received from {url}: {why}");
        let count = stdout.lines().filter(|l| l.starts_with(&line)).count();
        assert_eq!(count, 2, "{line:?} once per strategy in {stdout}");
    }
    for (url, n) in [(&fast, 10), (&bytes, 5)] {
        let line = format!("{n} bytes received from {url}.");
        let count = stdout.lines().filter(|l| *l == line).count();
        assert_eq!(count, 2, "{line:?} once per strategy in {stdout}");
    }
}

#[test]
fn bad_flags_give_one_clear_error_and_status_2() {
    for (args, flag) in [
        (vec!["--urls", "0"], "--urls"),
        (vec!["--urls", "-3"], "--urls"),
        (vec!["--delay-ms", "-1"], "--delay-ms"),
        (vec!["--concurrency", "0"], "--concurrency"),
        (vec!["--strategy", "fast"], "--strategy"),
        (vec!["--url", "http://x/", "--urls", "3"], "--url"),
        (vec!["serve", "--port", "70000"], "--port"),
    ] {
        LESSON.assert_bad_flag(&args, flag);
    }
}

#[test]
fn a_taken_port_for_serve_is_one_error_line() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let args = ["serve", "--port", &port];
    LESSON.assert_one_error_line(&args, "error: cannot listen on 127.0.0.1:");
}

#[test]
fn too_many_threads_is_refused_with_a_pointer_to_tokio() {
    let urls = (lesson_04_fetch::MAX_THREADS + 1).to_string();
    let args = ["--strategy", "threads", "--urls", &urls, "--delay-ms", "0"];
    let output = LESSON
        .assert_one_error_line(&args, "error: the threads strategy starts");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("--strategy tokio"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn many_urls_print_a_summary_instead_of_every_line() {
    let output = LESSON.run(&[
        "--strategy",
        "tokio",
        "--urls",
        "200",
        "--delay-ms",
        "20",
    ]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}");
    assert!(!stdout.contains("GET: "), "{stdout}");
    assert!(stdout.contains("tokio: 200 of 200 fetched."), "{stdout}");
}

#[test]
fn the_timeline_draws_one_lane_per_request() {
    let output = LESSON.run(&["--urls", "2", "--delay-ms", "10", "--timeline"]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}");
    for lane in ["seq 1 10ms", "seq 2 10ms", "tokio 2 10ms"] {
        assert!(stdout.contains(lane), "no lane {lane:?} in {stdout}");
    }
}

#[test]
fn measure_prints_figures_the_tour_can_parse() {
    let figures = LESSON.figures(&[
        "measure",
        "--urls",
        "2",
        "--delay-ms",
        "1",
        "--rounds",
        "1",
        "--scale-urls",
        "10",
    ]);
    let names: Vec<_> = figures.iter().map(|f| f.name.as_str()).collect();
    for name in [
        "wall_ms_sequential",
        "wall_ms_threads",
        "wall_ms_rayon",
        "wall_ms_tokio",
        "wall_ms_blocking_in_tokio",
        "peak_in_flight_tokio",
        "speedup_tokio",
        "wall_ms_tokio_scale_first",
        "wall_ms_tokio_scale",
        "scale_urls",
    ] {
        assert!(names.contains(&name), "no {name} in {names:?}");
    }
    assert!(figures.iter().all(|f| f.value >= 0.0));
}

#[test]
fn negative_numbers_in_measure_and_sweep_are_out_of_range() {
    for (args, flag) in [
        (vec!["measure", "--delay-ms", "-1"], "--delay-ms"),
        (vec!["measure", "--urls", "-1"], "--urls"),
        (vec!["measure", "--rounds", "-1"], "--rounds"),
        (vec!["measure", "--scale-urls", "-1"], "--scale-urls"),
        (vec!["sweep", "--delay-ms", "-1"], "--delay-ms"),
        (vec!["sweep", "--max-urls", "-1"], "--max-urls"),
        (vec!["sweep", "--budget-secs", "-1"], "--budget-secs"),
    ] {
        LESSON.assert_bad_flag(&args, flag);
    }
}

#[test]
fn concurrency_without_tokio_is_refused() {
    for strategy in ["sequential", "threads", "rayon", "blocking-in-tokio"] {
        let args = ["--strategy", strategy, "--concurrency", "4"];
        LESSON.assert_bad_flag(&args, "--concurrency");
    }
}

#[test]
fn a_bad_sweep_svg_path_is_refused_before_the_run() {
    let args = [
        "sweep",
        "--max-urls",
        "1",
        "--delay-ms",
        "0",
        "--svg",
        "/nonexistent-dir/sweep.svg",
    ];
    LESSON.assert_bad_flag(&args, "--svg");
}

#[test]
fn no_speedup_is_printed_when_every_fetch_failed() {
    let refused = crate::common::refused_url();
    let output = LESSON.assert_one_error_line(
        &["--url", &refused],
        "error: 2 of 2 fetches failed",
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    for name in ["sequential", "tokio"] {
        let row = stdout
            .lines()
            .find(|l| l.starts_with(name) && l.ends_with('-'))
            .unwrap_or_else(|| panic!("no {name} row in {stdout}"));
        let cells: Vec<_> = row.split_whitespace().collect();
        assert_eq!(cells[3], "-", "a speedup in {row:?}");
    }
}

const SMALL_SWEEP: [&str; 7] = [
    "sweep",
    "--max-urls",
    "1",
    "--delay-ms",
    "0",
    "--budget-secs",
    "1",
];

#[test]
fn serve_and_sweep_end_quietly_on_a_closed_pipe() {
    for args in [&["serve", "--port", "0"][..], &SMALL_SWEEP[..]] {
        LESSON.assert_closed_pipe_is_quiet(args);
    }
}

#[test]
fn serve_and_sweep_report_a_full_disk_in_one_line() {
    for args in [&["serve", "--port", "0"][..], &SMALL_SWEEP[..]] {
        LESSON.assert_full_disk_is_one_error(args);
    }
}
