//! A panic inside a task reaches its parent, on every runtime: it is
//! caught at the task's edge, comes back from `joinall` with the task's
//! name, and the binary ends with one `error:` line naming that task and
//! status 1. The hidden `--panic-in NAME` flag makes the task called
//! NAME panic as it starts.

use crate::cli::LESSON;

/// What the book shows for `--panic-in foo`: the whole of stderr.
const PANIC_IN_FOO: &str = include_str!("../../output/panic-in-foo.txt");

#[test]
fn the_books_panic_line_is_what_the_binary_prints() {
    let args = ["--scale", "0.001", "--panic-in", "foo"];
    let output = LESSON.assert_one_error_line(&args, "error: foo");
    assert_eq!(String::from_utf8(output.stderr).unwrap(), PANIC_IN_FOO);
}

/// Each runtime, with one thread and with two where it has them.
const RUNTIMES: [&[&str]; 5] = [
    &["--runtime", "hub"],
    &["--runtime", "may"],
    &["--runtime", "tokio"],
    &["--runtime", "may", "--workers", "2"],
    &["--runtime", "tokio", "--workers", "2"],
];

#[test]
fn a_panic_in_foo_ends_the_demo_with_one_line_naming_foo() {
    for runtime in RUNTIMES {
        for task in ["foo", "func3"] {
            let args = [&["--scale", "0.001", "--panic-in", task][..], runtime]
                .concat();
            LESSON.assert_one_error_line(
                &args,
                &format!(
                    "error: {task} panicked: a panic on purpose \
                     (--panic-in {task})"
                ),
            );
        }
    }
}

#[test]
fn a_panic_in_one_task_of_many_names_that_task() {
    for runtime in RUNTIMES {
        let flags = ["tasks", "--count", "4", "--delay-ms", "1"];
        let args = [&flags[..], &["--panic-in", "task 2"], runtime].concat();
        let output =
            LESSON.assert_one_error_line(&args, "error: task 2 panicked: ");
        // The synchronous half ran to the end before anything was
        // spawned; the panic stopped the run before its totals.
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(
            stdout.starts_with("Synchronous:\nTask 1 done\n"),
            "{stdout}"
        );
        assert!(!stdout.contains("speedup"), "{args:?}: {stdout}");
    }
}
