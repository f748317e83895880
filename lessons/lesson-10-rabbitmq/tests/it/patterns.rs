//! The seed's patterns print the seed's lines: the default run's
//! transcript, the subcommands one by one, and the work queue's
//! round-robin.

use std::time::Duration;

use lesson_10_rabbitmq::consume::{Ack, never};
use lesson_10_rabbitmq::declare::Names;
use lesson_10_rabbitmq::lines;
use lesson_10_rabbitmq::work::{self, Worker};
use shared::{Trace, Transcript};

use crate::common::{broker, prefix, run, runtime, stdout_of};

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn the_default_run_prints_every_pattern_of_the_seed() {
    let server = broker();
    let prefix = prefix("walk");
    let output = run(server.url(), &["--prefix", &prefix]);
    let text = stdout_of(&output).replace(&prefix, "");
    assert_eq!(text, include_str!("../../output/walk.txt"));
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn send_and_receive_print_the_seed_lines() {
    let server = broker();
    let url = server.url();
    let prefix = prefix("hello");
    let args = |rest: &[&'static str]| {
        let mut args = vec!["--amqp", url, "--prefix", &prefix];
        args.extend(rest);
        args
    };
    // The queue holds the message until a receiver comes: send first.
    let sent = stdout_of(&run(url, &args(&["send"])));
    assert_eq!(sent, " [x] Sent 'Hello World!'\n");
    let received = stdout_of(&run(url, &args(&["receive", "--count", "1"])));
    assert_eq!(
        received,
        " [*] Waiting for messages. To exit press CTRL+C\n \
         [x] Received b'Hello World!'\n"
    );
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn new_task_and_worker_print_the_seed_lines() {
    let server = broker();
    let url = server.url();
    let prefix = prefix("work");
    let with = |rest: &[&'static str]| {
        let mut args = vec!["--amqp", url, "--prefix", &prefix];
        args.extend(rest);
        run(url, &args)
    };
    let sent = stdout_of(&with(&["new-task", "First", "message."]));
    assert_eq!(sent, " [x] Sent 'First message.'\n");
    let worked =
        stdout_of(&with(&["worker", "--count", "1", "--dot-ms", "10"]));
    assert_eq!(
        worked,
        " [*] Waiting for messages. To exit press CTRL+C\n \
         [x] Received b'First message.'\n [x] Done\n"
    );
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn two_workers_get_alternating_messages() {
    let server = broker();
    let url = server.url();
    let queue = Names::prefixed(&prefix("round-robin")).task_queue;
    let worker = Worker {
        queue: queue.clone(),
        prefetch: None,
        ack: Ack::Manual,
        dot: Duration::ZERO,
        count: Some(3),
        show_redelivered: false,
    };
    let (trace, quiet) = (Trace::disabled(), Transcript::quiet());
    let lanes = [trace.lane("w1"), trace.lane("w2")];
    let outs = [Transcript::quiet(), Transcript::quiet()];
    runtime().block_on(async {
        let (one_ready, one_waiting) = tokio::sync::oneshot::channel();
        let (two_ready, two_waiting) = tokio::sync::oneshot::channel();
        let one = work::worker(
            url,
            &worker,
            never(),
            move || one_ready.send(()).unwrap(),
            &outs[0],
            &lanes[0],
        );
        let two = async {
            one_waiting.await.unwrap();
            work::worker(
                url,
                &worker,
                never(),
                move || two_ready.send(()).unwrap(),
                &outs[1],
                &lanes[1],
            )
            .await
        };
        let produce = async {
            two_waiting.await.unwrap();
            for n in 1..=6 {
                let task = format!("task {n}");
                work::new_task(url, &queue, &task, &quiet, &lanes[0]).await?;
            }
            Ok(())
        };
        tokio::try_join!(one, two, produce).unwrap();
    });
    let got = |out: &Transcript| -> Vec<String> {
        out.lines()
            .into_iter()
            .filter(|l| l.starts_with(" [x] Received"))
            .collect()
    };
    let received = |n: &[u32]| -> Vec<String> {
        n.iter()
            .map(|n| lines::received(format!("task {n}").as_bytes()))
            .collect()
    };
    let (one, two) = (got(&outs[0]), got(&outs[1]));
    // One worker got the odd messages and the other the even ones: the
    // broker dealt them out in turn.
    let odd_even = (received(&[1, 3, 5]), received(&[2, 4, 6]));
    assert!(
        (one.clone(), two.clone()) == odd_even
            || (two.clone(), one.clone()) == odd_even,
        "{one:?} {two:?}"
    );
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn the_log_receivers_print_the_seed_lines() {
    let server = broker();
    let url = server.url();
    let prefix = prefix("logs");
    let base = ["--amqp", url, "--prefix", prefix.as_str()];
    let spawn = |rest: &[&str]| {
        std::process::Command::new(crate::common::BIN)
            .args(base)
            .args(rest)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    // A receiver binds before the emitter publishes: wait for its
    // Waiting line, then emit.
    let cases: [(&[&str], &[&str], &str); 3] = [
        (
            &["receive-logs", "--count", "1"],
            &["emit-log"],
            " [x] b'info: Hello World!'",
        ),
        (
            &["receive-logs-direct", "error", "--count", "1"],
            &["emit-log-direct", "error", "Run.", "Run."],
            " [x] 'error':b'Run. Run.'",
        ),
        (
            &["receive-logs-topic", "*.critical", "--count", "1"],
            &["emit-log-topic", "kern.critical", "A", "critical", "error"],
            " [x] 'kern.critical':b'A critical error'",
        ),
    ];
    for (receive, emit, line) in cases {
        use std::io::BufRead;
        let mut receiver = spawn(receive);
        let mut stdout =
            std::io::BufReader::new(receiver.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        assert_eq!(first.trim_end(), lines::WAITING_LOGS);
        let mut args = base.to_vec();
        args.extend(emit);
        stdout_of(&run(url, &args));
        let mut got = String::new();
        stdout.read_line(&mut got).unwrap();
        assert_eq!(got.trim_end(), line);
        assert!(receiver.wait().unwrap().success());
    }
}
