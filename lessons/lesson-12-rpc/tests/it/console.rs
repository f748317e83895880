//! The binary's console, `run` and `check`, and agents as processes: an
//! agent killed mid-command, bad input that never ends the console.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{BIN, broker, prefix, run, stdout_of};

/// Agent `name` as a process of its own, and its stdout, once it waits.
fn agent_process(
    url: &str,
    prefix: &str,
    name: &str,
) -> (Child, BufReader<std::process::ChildStdout>) {
    let mut child = Command::new(BIN)
        .args(["--amqp", url, "--prefix", prefix, "agent", "--name", name])
        .env_remove("RUST_BACKTRACE")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.contains("waiting for tasks"), "{line}");
    (child, stdout)
}

/// `check ID` until no host is pending; its last output. The loop's guard
/// only turns a hang into a failure.
fn check_until_settled(url: &str, prefix: &str, id: &str) -> String {
    let give_up = Instant::now() + Duration::from_secs(120);
    loop {
        let checked = stdout_of(&run(url, &["--prefix", prefix, "check", id]));
        if !checked.contains(": pending") {
            return checked;
        }
        assert!(Instant::now() < give_up, "still pending: {checked}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn task_id(stdout: &str) -> String {
    let id = stdout.trim().strip_prefix("task id: ").expect(stdout);
    assert!(id.len() == 5 && id.parse::<u32>().is_ok(), "{id}");
    id.to_owned()
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn run_exits_at_once_and_a_later_check_finds_the_results_in_the_broker() {
    let server = broker();
    let (url, prefix) = (server.url(), prefix("run-check"));
    let (mut a, _out) = agent_process(url, &prefix, "a");
    let sent = run(
        url,
        &[
            "--prefix",
            &prefix,
            "run",
            "echo hello world",
            "--hosts",
            "a",
        ],
    );
    let id = task_id(&stdout_of(&sent));
    let checked = check_until_settled(url, &prefix, &id);
    assert_eq!(
        checked.lines().next().unwrap(),
        format!("task {id}: `echo hello world` on a")
    );
    assert!(checked.contains("\na: exit 0 after "), "{checked}");
    assert!(checked.ends_with("\n    hello world\n"), "{checked}");
    // A check takes nothing away: a second one sees the same.
    let again = stdout_of(&run(url, &["--prefix", &prefix, "check", &id]));
    assert_eq!(again, checked);
    a.kill().unwrap();
    a.wait().unwrap();
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn an_agent_killed_mid_command_is_no_answer_and_the_others_still_arrive() {
    let server = broker();
    let (url, prefix) = (server.url(), prefix("killed"));
    let (mut doomed, mut doomed_out) = agent_process(url, &prefix, "doomed");
    let (mut fine, _fine_out) = agent_process(url, &prefix, "fine");
    let sent = run(
        url,
        &[
            "--prefix",
            &prefix,
            "run",
            "sleep 2",
            "--hosts",
            "doomed",
            "fine",
            "--patience",
            "6",
        ],
    );
    let id = task_id(&stdout_of(&sent));
    // The doomed agent says it started the command: kill it then.
    let mut line = String::new();
    doomed_out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), format!("[doomed] task {id}: sleep 2"));
    doomed.kill().unwrap();
    doomed.wait().unwrap();
    let checked = check_until_settled(url, &prefix, &id);
    let lines: Vec<&str> = checked.lines().collect();
    assert!(lines[1] == "doomed: no answer after 6 s", "{checked}");
    assert!(lines[2].starts_with("fine: exit 0 after "), "{checked}");
    fine.kill().unwrap();
    fine.wait().unwrap();
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn the_console_survives_every_bad_input() {
    let server = broker();
    let prefix = prefix("bad-input");
    let mut console = Command::new(BIN)
        .args(["--amqp", server.url(), "--prefix", &prefix, "console"])
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = include_str!("../../output/console-bad-input.in");
    console
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = console.wait_with_output().unwrap();
    assert_eq!(
        stdout_of(&output),
        include_str!("../../output/console-bad-input.txt")
    );
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn the_console_collects_results_while_it_waits_for_input() {
    let server = broker();
    let (url, prefix) = (server.url(), prefix("interactive"));
    let (mut a, _a_out) = agent_process(url, &prefix, "a");
    let mut console = Command::new(BIN)
        .args(["--amqp", url, "--prefix", &prefix, "console"])
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = console.stdin.take().unwrap();
    let mut output = BufReader::new(console.stdout.take().unwrap());
    let mut read_line = || {
        let mut line = String::new();
        assert!(
            output.read_line(&mut line).unwrap() > 0,
            "the console ended"
        );
        line.trim_end().to_owned()
    };
    writeln!(input, r#"run "echo typed" --hosts a"#).unwrap();
    assert_eq!(read_line(), r#">>: run "echo typed" --hosts a"#);
    let id = task_id(&read_line());
    // The console reads nothing more until the next line; the reply is
    // filed meanwhile, and a later check_task shows it.
    let give_up = Instant::now() + Duration::from_secs(120);
    loop {
        writeln!(input, "check_task {id}").unwrap();
        assert_eq!(read_line(), format!(">>: check_task {id}"));
        assert_eq!(read_line(), format!("task {id}: `echo typed` on a"));
        let state = read_line();
        if state != "a: pending" {
            assert!(state.starts_with("a: exit 0 after "), "{state}");
            assert_eq!(read_line(), "    typed");
            break;
        }
        assert!(Instant::now() < give_up, "no reply from a");
        std::thread::sleep(Duration::from_millis(50));
    }
    writeln!(input, "exit").unwrap();
    assert_eq!(read_line(), ">>: exit");
    assert!(console.wait().unwrap().success());
    a.kill().unwrap();
    a.wait().unwrap();
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn allow_any_is_printed_as_a_warning_at_start() {
    let server = broker();
    let prefix = prefix("allow-any");
    let mut agent = Command::new(BIN)
        .args(["--amqp", server.url(), "--prefix", &prefix, "agent"])
        .args(["--name", "open", "--allow-any"])
        .env_remove("RUST_BACKTRACE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(agent.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.contains("(runs: any command;"), "{line}");
    let pid = rustix::process::Pid::from_child(&agent);
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let output = agent.wait_with_output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim_end(),
        lesson_12_rpc::agent::ALLOW_ANY_WARNING
    );
}
