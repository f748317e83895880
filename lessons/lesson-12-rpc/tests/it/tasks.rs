//! Tasks through a real broker: replies matched by task id, consoles kept
//! apart, refusals, timeouts and the cap reported to the console.

use std::time::Duration;

use lesson_12_rpc::console::{Console, outcomes};
use lesson_12_rpc::exec::Limits;
use lesson_12_rpc::task::Outcome;
use shared::services::is_running;

use crate::common::{agent, allowing, broker, limits, prefix, runtime};

const PATIENCE: Duration = Duration::from_secs(60);

fn hosts(names: &[&str]) -> Vec<String> {
    names.iter().map(|h| (*h).to_owned()).collect()
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn a_task_to_two_agents_returns_both_results_matched_by_task_id() {
    let server = broker();
    let (url, prefix) = (server.url(), prefix("two-agents"));
    runtime().block_on(async {
        agent(url, &prefix, "a", Limits::default()).await;
        agent(url, &prefix, "b", Limits::default()).await;
        let mut console = Console::open(url, &prefix, PATIENCE).await.unwrap();
        // Two tasks in flight on both agents at once: each reply must be
        // filed under its own task.
        let both = hosts(&["a", "b"]);
        let one = console.run("echo one", &both).await.unwrap();
        let two = console.run("echo two", &both).await.unwrap();
        assert_ne!(one, two);
        for (id, text) in [(one, "one\n"), (two, "two\n")] {
            let task = console.settled(id).await.unwrap();
            assert_eq!(task.replies.len(), 2);
            for host in ["a", "b"] {
                let reply = &task.replies[host];
                assert_eq!(reply.host, host);
                assert_eq!(reply.outcome, Outcome::Exited { code: 0 });
                assert_eq!(reply.stdout, text);
            }
        }
        console.close().await.unwrap();
    });
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn two_consoles_at_once_never_see_each_others_results() {
    let server = broker();
    let (url, prefix) = (server.url(), prefix("two-consoles"));
    runtime().block_on(async {
        agent(url, &prefix, "a", Limits::default()).await;
        agent(url, &prefix, "b", Limits::default()).await;
        let mut left = Console::open(url, &prefix, PATIENCE).await.unwrap();
        let mut right = Console::open(url, &prefix, PATIENCE).await.unwrap();
        let both = hosts(&["a", "b"]);
        let mut mine = Vec::new();
        for round in 0..3 {
            let l = left.run(&format!("echo left {round}"), &both).await;
            let r = right.run(&format!("echo right {round}"), &both).await;
            mine.push((l.unwrap(), r.unwrap()));
        }
        for (l, r) in mine {
            assert!(left.task(r).is_none() && right.task(l).is_none());
            let (l, r) = (left.settled(l).await, right.settled(r).await);
            for reply in l.unwrap().replies.values() {
                assert!(reply.stdout.starts_with("left "), "{reply:?}");
            }
            for reply in r.unwrap().replies.values() {
                assert!(reply.stdout.starts_with("right "), "{reply:?}");
            }
        }
        assert_eq!(left.tasks().len(), 3);
        assert_eq!(right.tasks().len(), 3);
        left.close().await.unwrap();
        right.close().await.unwrap();
    });
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn a_command_over_the_timeout_is_killed_and_reported_as_timed_out() {
    let server = broker();
    let (url, prefix) = (server.url(), prefix("timeout"));
    runtime().block_on(async {
        agent(url, &prefix, "slow", limits(Duration::from_secs(1))).await;
        let mut console = Console::open(url, &prefix, PATIENCE).await.unwrap();
        let id = console.run("sleep 30", &hosts(&["slow"])).await.unwrap();
        let task = console.settled(id).await.unwrap();
        let reply = &task.replies["slow"];
        assert_eq!(reply.outcome, Outcome::TimedOut { after_ms: 1000 });
        let pid = reply.pid.unwrap();
        assert!(!is_running(pid), "sleep {pid} outlived its timeout");
        let lines = task.check_lines(lesson_12_rpc::task::now_ms());
        assert_eq!(lines[1], "slow: timed out after 1 s, killed");
        console.close().await.unwrap();
    });
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn a_command_off_the_allowlist_is_refused_and_reported() {
    let server = broker();
    let (url, prefix) = (server.url(), prefix("refused"));
    runtime().block_on(async {
        agent(url, &prefix, "strict", allowing("uptime")).await;
        let mut console = Console::open(url, &prefix, PATIENCE).await.unwrap();
        let id = console.run("echo hi", &hosts(&["strict"])).await.unwrap();
        let task = console.settled(id).await.unwrap();
        let Outcome::Refused { why } = &outcomes(&task)["strict"] else {
            panic!("{task:?}");
        };
        assert_eq!(why, "`echo` is not on this agent's allowlist (uptime)");
        let lines = task.check_lines(lesson_12_rpc::task::now_ms());
        assert!(lines[1].starts_with("strict: refused: `echo`"), "{lines:?}");
        console.close().await.unwrap();
    });
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn stdout_beyond_the_agents_cap_arrives_cut_and_marked() {
    let server = broker();
    let (url, prefix) = (server.url(), prefix("cap"));
    runtime().block_on(async {
        agent(url, &prefix, "chatty", Limits::default()).await;
        let mut console = Console::open(url, &prefix, PATIENCE).await.unwrap();
        let long = "y".repeat(70_000);
        let id = console
            .run(&format!("echo {long}"), &hosts(&["chatty"]))
            .await
            .unwrap();
        let task = console.settled(id).await.unwrap();
        let reply = &task.replies["chatty"];
        assert_eq!(reply.stdout.len(), lesson_12_rpc::exec::CAP);
        assert_eq!(reply.stdout_cut, 70_001 - 65_536);
        let lines = task.check_lines(lesson_12_rpc::task::now_ms());
        assert_eq!(
            lines.last().unwrap(),
            "  [stdout cut at 64 KiB: 4465 more bytes not sent]"
        );
        console.close().await.unwrap();
    });
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn a_host_nobody_serves_is_no_answer_after_the_deadline() {
    let server = broker();
    let (url, prefix) = (server.url(), prefix("nobody"));
    runtime().block_on(async {
        agent(url, &prefix, "here", Limits::default()).await;
        let patience = Duration::from_secs(3);
        let mut console = Console::open(url, &prefix, patience).await.unwrap();
        let id = console
            .run("hostname", &hosts(&["here", "gone"]))
            .await
            .unwrap();
        let task = console.settled(id).await.unwrap();
        let lines = task.check_lines(lesson_12_rpc::task::now_ms());
        assert!(lines[1].starts_with("here: exit 0 after"), "{lines:?}");
        assert_eq!(lines.last().unwrap(), "gone: no answer after 3 s");
        console.close().await.unwrap();
    });
}
