//! The CLI checks themselves: each one passes for a program that keeps its
//! promise and fails for one that does not. `/bin/sh` stands in for a
//! lesson binary, so the tests run on Unix only.
#![cfg(unix)]

use shared::Figure;
use shared::cli_check::LessonBinary;

const SH: LessonBinary = LessonBinary::new("/bin/sh");

/// The arguments that make `sh` run `script`.
fn script(script: &str) -> [&str; 2] {
    ["-c", script]
}

#[test]
fn run_removes_rust_backtrace() {
    // This bites under `RUST_BACKTRACE=1 cargo test`. Setting the variable
    // here instead would race with the other tests spawning children.
    let output = SH.run(&script("echo ${RUST_BACKTRACE-unset}"));
    assert_eq!(output.stdout, b"unset\n");
}

#[test]
fn a_quiet_success_returns_stdout() {
    assert_eq!(SH.assert_quiet_success(&script("echo hello")), "hello\n");
}

#[test]
#[should_panic(expected = "wrote on stderr")]
fn a_quiet_success_writes_nothing_on_stderr() {
    SH.assert_quiet_success(&script("echo hello; echo warning >&2"));
}

#[test]
#[should_panic(expected = "failed: hello")]
fn a_quiet_success_has_status_0() {
    SH.assert_quiet_success(&script("echo hello; exit 1"));
}

#[test]
fn a_clap_style_refusal_is_a_bad_flag() {
    SH.assert_bad_flag(
        &script(
            "echo \"error: invalid value '0' for '--clients <C>'\" >&2; \
             echo >&2; echo \"For more information, try '--help'.\" >&2; \
             exit 2",
        ),
        "--clients",
    );
}

#[test]
#[should_panic(expected = "printed on stdout")]
fn a_bad_flag_prints_nothing_on_stdout() {
    SH.assert_bad_flag(
        &script("echo usage; echo 'error: bad --clients' >&2; exit 2"),
        "--clients",
    );
}

#[test]
#[should_panic(expected = "does not name --clients")]
fn a_bad_flag_names_the_flag() {
    SH.assert_bad_flag(
        &script("echo 'error: bad value' >&2; exit 2"),
        "--clients",
    );
}

#[test]
#[should_panic(expected = "the status is not 2")]
fn a_bad_flag_has_status_2() {
    SH.assert_bad_flag(
        &script("echo 'error: bad --clients' >&2; exit 1"),
        "--clients",
    );
}

#[test]
#[should_panic(expected = "a panic")]
fn a_bad_flag_does_not_panic() {
    SH.assert_bad_flag(
        &script(
            "echo \"thread 'main' panicked at --clients\" >&2; \
             echo 'error: bad --clients' >&2; exit 2",
        ),
        "--clients",
    );
}

#[test]
fn one_error_line_and_status_1_passes_and_returns_the_output() {
    let output = SH.assert_one_error_line(
        &script("echo partial; echo 'error: cannot listen on x' >&2; exit 1"),
        "error: cannot listen",
    );
    assert_eq!(output.stdout, b"partial\n");
}

#[test]
#[should_panic(expected = "not one line on stderr")]
fn two_error_lines_fail() {
    SH.assert_one_error_line(
        &script("echo 'error: cannot listen' >&2; echo more >&2; exit 1"),
        "error: cannot listen",
    );
}

#[test]
#[should_panic(expected = "does not start with")]
fn an_error_line_with_another_start_fails() {
    SH.assert_one_error_line(
        &script("echo 'error: other' >&2; exit 1"),
        "error: cannot",
    );
}

#[test]
fn figures_are_parsed_like_the_tour_does() {
    let figures =
        SH.figures(&script("echo 'send_ns_coroutine=4.1 ns'; echo 'x=2 ms'"));
    assert_eq!(
        figures,
        [
            Figure::new("send_ns_coroutine", 4.1, "ns"),
            Figure::new("x", 2.0, "ms")
        ]
    );
}

#[test]
#[should_panic(expected = "is not a figure")]
fn a_line_that_is_not_a_figure_fails() {
    SH.figures(&script("echo 'x=2 ms'; echo 'measuring...'"));
}

#[test]
#[should_panic(expected = "failed: x=2 ms")]
fn a_failed_measure_fails() {
    SH.figures(&script("echo 'x=2 ms'; exit 1"));
}
