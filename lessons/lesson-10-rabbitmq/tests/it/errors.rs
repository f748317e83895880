//! No broker, a malformed URL, a broker stopped mid-consume, bad flags:
//! one `error:` line and a non-zero status, never a panic or a hang.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use shared::cli_check::LessonBinary;
use shared::services::RabbitServer;

use crate::common::{BIN, runtime};

const LESSON: LessonBinary = LessonBinary::new(BIN);

#[test]
fn no_broker_is_one_line_that_says_how_to_start_one() {
    // Nothing listens on port 1.
    for command in ["send", "receive", "worker", "rpc-client"] {
        let output = LESSON.assert_one_error_line(
            &["--amqp", "amqp://127.0.0.1:1", command],
            "error: cannot reach RabbitMQ at amqp://127.0.0.1:1",
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("cargo xtask services up"), "{stderr}");
    }
}

#[test]
fn a_malformed_url_is_one_error_line() {
    for url in ["not a url", "http://127.0.0.1/", "amqp://127.0.0.1:99999"] {
        LESSON.assert_one_error_line(
            &["--amqp", url, "receive-logs"],
            &format!("error: `{url}` is not an AMQP URL"),
        );
    }
}

#[test]
fn bad_flags_are_one_error_line() {
    LESSON.assert_bad_flag(&["worker", "--prefetch", "-1"], "--prefetch");
    LESSON.assert_bad_flag(&["worker", "--count", "0"], "--count");
    LESSON.assert_bad_flag(&["rpc-client", "99"], "[N]");
    // A receiver with nothing to bind is refused, as the seed's receivers
    // refuse it with their usage line.
    for (command, what) in [
        ("receive-logs-direct", "<SEVERITIES>"),
        ("receive-logs-topic", "<PATTERNS>"),
    ] {
        let output = LESSON.run(&[command]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(stderr.contains(what), "{stderr}");
        assert!(output.stdout.is_empty());
    }
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn a_closed_stdout_ends_a_run_quietly() {
    let server = crate::common::broker();
    let prefix = crate::common::prefix("pipe");
    let args = ["--amqp", server.url(), "--prefix", &prefix, "send"];
    LESSON.assert_closed_pipe_is_quiet(&args);
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn a_broker_stopped_mid_consume_is_one_error_line() {
    let server = RabbitServer::start().unwrap();
    let url = server.url();
    let mut worker = Command::new(BIN)
        .args(["--amqp", &url, "worker", "--dot-ms", "0"])
        .env_remove("RUST_BACKTRACE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(worker.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line.trim_end(), lesson_10_rabbitmq::lines::WAITING);
    // Two tasks, done: the worker is now waiting for a third.
    runtime().block_on(async {
        for task in ["one.", "two."] {
            lesson_10_rabbitmq::work::new_task(
                &url,
                "task_queue",
                task,
                &shared::Transcript::quiet(),
                &shared::Trace::disabled().lane("test"),
            )
            .await
            .unwrap();
        }
    });
    let mut dones = 0;
    while dones < 2 {
        line.clear();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "the worker ended");
        if line.trim_end() == lesson_10_rabbitmq::lines::DONE {
            dones += 1;
        }
    }
    drop(server);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = worker.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= deadline {
            worker.kill().unwrap();
            panic!("the worker hung after its broker stopped");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    worker
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: lost the RabbitMQ connection after 2"),
        "{stderr}"
    );
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn ctrl_c_ends_a_consumer_cleanly() {
    let server = crate::common::broker();
    let prefix = crate::common::prefix("ctrl-c");
    for command in ["receive", "worker", "receive-logs", "rpc-server"] {
        let mut consumer = Command::new(BIN)
            .args(["--amqp", server.url(), "--prefix", &prefix, command])
            .env_remove("RUST_BACKTRACE")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Its first line says it consumes: then Ctrl-C.
        let mut stdout = BufReader::new(consumer.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        assert!(
            line.contains("CTRL+C") || line.contains("Awaiting"),
            "{line}"
        );
        let pid = rustix::process::Pid::from_child(&consumer);
        rustix::process::kill_process(pid, rustix::process::Signal::INT)
            .unwrap();
        let output = consumer.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{command}: {stderr}");
        assert!(stderr.is_empty(), "{command}: {stderr}");
    }
}
