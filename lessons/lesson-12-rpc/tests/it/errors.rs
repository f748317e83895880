//! No broker, bad flags, a closed stdout: one `error:` line and a
//! non-zero status, never a panic or a hang.

use shared::cli_check::LessonBinary;

use crate::common::BIN;

const LESSON: LessonBinary = LessonBinary::new(BIN);

#[test]
fn no_broker_is_one_line_that_says_how_to_start_one() {
    // Nothing listens on port 1.
    for args in [
        &["agent", "--name", "h1"][..],
        &["console"],
        &["run", "uptime", "--hosts", "h1"],
        &["check", "12345"],
    ] {
        let mut all = vec!["--amqp", "amqp://127.0.0.1:1"];
        all.extend_from_slice(args);
        let output = LESSON.assert_one_error_line(
            &all,
            "error: cannot reach RabbitMQ at amqp://127.0.0.1:1",
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("cargo xtask services up"), "{stderr}");
    }
}

#[test]
fn bad_flags_are_one_error_line() {
    LESSON.assert_bad_flag(
        &["agent", "--name", "h1", "--timeout", "0"],
        "--timeout",
    );
    LESSON.assert_bad_flag(
        &["agent", "--name", "h1", "--allow", "df", "--allow-any"],
        "--allow",
    );
    // A missing required flag is named on the line after the `error:`.
    for (args, flag) in
        [(&["agent"][..], "--name"), (&["run", "uptime"], "--hosts")]
    {
        let output = LESSON.run(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(stderr.contains(flag), "{stderr}");
        assert!(output.stdout.is_empty());
    }
    LESSON.assert_bad_flag(&["check", "abc"], "<ID>");
    LESSON.assert_bad_flag(&["measure", "--tasks", "0"], "--tasks");
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn an_unknown_task_is_one_error_line() {
    let server = crate::common::broker();
    let prefix = crate::common::prefix("unknown");
    LESSON.assert_one_error_line(
        &[
            "--amqp",
            server.url(),
            "--prefix",
            &prefix,
            "check",
            "12345",
        ],
        "error: no task 12345 on this broker",
    );
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn a_closed_stdout_ends_a_run_quietly() {
    let server = crate::common::broker();
    let prefix = crate::common::prefix("pipe");
    let args = [
        "--amqp",
        server.url(),
        "--prefix",
        &prefix,
        "run",
        "uptime",
        "--hosts",
        "h1",
    ];
    LESSON.assert_closed_pipe_is_quiet(&args);
}
