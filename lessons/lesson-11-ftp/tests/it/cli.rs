//! The CLI's promises: the default run is the chapter's transcript, `get`
//! `put` and `ls` work against a server, bad input is one `error:` line.

use lesson_11_ftp::{Impl, Pattern};
use shared::cli_check::LessonBinary;

use crate::common::serve;

const LESSON: LessonBinary =
    LessonBinary::new(env!("CARGO_BIN_EXE_lesson-11-ftp"));

#[test]
fn no_arguments_print_the_session_of_the_chapter() {
    let session = include_str!("../../output/session.txt");
    assert_eq!(LESSON.assert_quiet_success(&[]), session);
}

#[test]
fn put_ls_and_get_move_a_file_through_the_server() {
    let served = serve(Impl::Runtime);
    let port = served.addr().port().to_string();
    let here = tempfile::tempdir().unwrap();
    let source = here.path().join("notes.bin");
    let bytes = Pattern::bytes(5, 300_000);
    std::fs::write(&source, &bytes).unwrap();
    let put = LESSON.assert_quiet_success(&[
        "put",
        source.to_str().unwrap(),
        "--port",
        &port,
    ]);
    assert!(put.starts_with("put notes.bin: 300000 bytes"), "{put}");
    let ls = LESSON.assert_quiet_success(&["ls", "--port", &port]);
    assert_eq!(ls, "      300000 notes.bin\n");
    let elsewhere = tempfile::tempdir().unwrap();
    let get = std::process::Command::new(env!("CARGO_BIN_EXE_lesson-11-ftp"))
        .args(["get", "notes.bin", "--port", &port])
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    assert!(
        get.status.success(),
        "{}",
        String::from_utf8_lossy(&get.stderr)
    );
    assert!(
        std::fs::read(elsewhere.path().join("notes.bin")).unwrap() == bytes
    );
    // Only the file: no temporary left in the folder.
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 1);
}

#[test]
fn a_refused_get_is_one_error_line_and_leaves_no_file() {
    let served = serve(Impl::Selector);
    let port = served.addr().port().to_string();
    let out = LESSON.assert_one_error_line(
        &["get", "missing.txt", "--port", &port],
        "error: the server said ERR no such file",
    );
    assert!(out.stdout.is_empty());
    LESSON.assert_one_error_line(
        &["get", "../x", "--port", &port],
        "error: \"../x\" is not a file name",
    );
}

#[test]
fn no_server_is_one_error_line() {
    // Bind and drop: a port on which nobody listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    LESSON.assert_one_error_line(
        &["ls", "--port", &port],
        "error: cannot connect to 127.0.0.1:",
    );
    LESSON.assert_one_error_line(
        &["serve", "--root", "/no/such/folder", "--port", "0"],
        "error: cannot serve /no/such/folder",
    );
}

#[test]
fn bad_flags_give_one_clear_error_and_status_2() {
    LESSON.assert_bad_flag(&["bench", "--clients", "0"], "--clients");
    LESSON.assert_bad_flag(&["bench", "--size", "12X"], "--size");
    LESSON.assert_bad_flag(&["measure", "--size", "9G"], "--size");
    LESSON.assert_bad_flag(
        &["serve", "--root", ".", "--impl", "threads"],
        "--impl",
    );
}

#[test]
fn measure_prints_the_figures_the_tour_reads() {
    let figures =
        LESSON.figures(&["measure", "--clients", "2", "--size", "64K"]);
    let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "copy_mb_per_sec_loopback",
            "copy_mb_per_sec_loopback_64k",
            "download_mb_per_sec_selector",
            "upload_mb_per_sec_selector",
            "download_mb_per_sec_runtime",
            "upload_mb_per_sec_runtime",
        ]
    );
    assert!(figures.iter().all(|f| f.value > 0.0 && f.unit == "MB/s"));
}

#[test]
fn bench_against_its_own_server_reports_both_directions() {
    let out = LESSON.assert_quiet_success(&[
        "bench",
        "--clients",
        "3",
        "--size",
        "100K",
        "--impl",
        "runtime",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0]
            .starts_with("the runtime: 3 clients uploaded 102400 bytes each")
    );
    assert!(
        lines[1]
            .starts_with("the runtime: 3 clients downloaded 102400 bytes each")
    );
}

#[test]
fn a_closed_stdout_or_a_full_disk_is_handled() {
    LESSON.assert_closed_pipe_is_quiet(&[]);
    LESSON.assert_full_disk_is_one_error(&[]);
}
