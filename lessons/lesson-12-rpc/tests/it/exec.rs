//! Running one command, no broker needed: no shell, the allowlist, the
//! timeout that kills, the output cap.

use std::time::Duration;

use lesson_12_rpc::exec::{self, Allow, CAP, Limits};
use lesson_12_rpc::task::{Outcome, Task};
use shared::services::is_running;

use crate::common::runtime;

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

#[test]
fn a_command_runs_without_a_shell() {
    let reply = runtime().block_on(exec::run(
        "h1",
        &argv(&["echo", "a;", "$HOME", "|", "b"]),
        &Limits::default(),
    ));
    assert_eq!(reply.outcome, Outcome::Exited { code: 0 });
    // A shell would have run two commands and expanded $HOME.
    assert_eq!(reply.stdout, "a; $HOME | b\n");
    assert!(reply.pid.is_some());
}

#[test]
fn a_program_off_the_allowlist_is_refused_and_never_started() {
    for program in ["rm", "/bin/echo", "./echo", "sh"] {
        let reply = runtime().block_on(exec::run(
            "h1",
            &argv(&[program, "-c", "true"]),
            &Limits::default(),
        ));
        let Outcome::Refused { why } = &reply.outcome else {
            panic!("{program}: {:?}", reply.outcome);
        };
        assert!(why.contains("not on this agent's allowlist"), "{why}");
        assert_eq!(reply.pid, None, "{program} was started");
    }
}

#[test]
fn allow_any_runs_what_the_list_would_refuse() {
    let limits = Limits {
        allow: Allow::Any,
        ..Limits::default()
    };
    let reply = runtime().block_on(exec::run("h1", &argv(&["true"]), &limits));
    assert_eq!(reply.outcome, Outcome::Exited { code: 0 });
}

#[test]
fn a_command_past_the_timeout_is_killed_and_gone() {
    let limits = Limits {
        timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let reply =
        runtime().block_on(exec::run("h1", &argv(&["sleep", "30"]), &limits));
    assert_eq!(reply.outcome, Outcome::TimedOut { after_ms: 200 });
    let pid = reply.pid.expect("it started");
    assert!(!is_running(pid), "sleep {pid} outlived its timeout");
}

#[test]
fn stdout_beyond_the_cap_is_cut_and_marked() {
    let long = "x".repeat(100_000);
    let reply = runtime().block_on(exec::run(
        "h1",
        &argv(&["echo", &long]),
        &Limits::default(),
    ));
    assert_eq!(reply.outcome, Outcome::Exited { code: 0 });
    assert_eq!(reply.stdout.len(), CAP);
    // 100 000 x's and a newline, less what was kept.
    assert_eq!(reply.stdout_cut, 100_001 - CAP as u64);
    let mut task = Task::new(lesson_12_rpc::task::Header {
        id: 1,
        command: "echo xxx".into(),
        hosts: vec!["h1".into()],
        sent_ms: 0,
        patience_ms: 1000,
    });
    task.file(reply);
    let lines = task.check_lines(0);
    assert_eq!(
        lines.last().unwrap(),
        "  [stdout cut at 64 KiB: 34465 more bytes not sent]"
    );
}

#[test]
fn a_missing_program_is_a_failure_not_a_crash() {
    let limits = Limits {
        allow: Allow::list("no-such-program-here"),
        ..Limits::default()
    };
    let reply = runtime().block_on(exec::run(
        "h1",
        &argv(&["no-such-program-here"]),
        &limits,
    ));
    let Outcome::Failed { why } = &reply.outcome else {
        panic!("{:?}", reply.outcome);
    };
    assert!(
        why.starts_with("cannot start `no-such-program-here`"),
        "{why}"
    );
}
