//! The CLI's refusals: one `error:` line, status 1, never a panic.

use std::process::Command;

fn lesson() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lesson-07-many-sockets"))
}

#[test]
fn holding_more_connections_than_the_fd_limit_is_refused_with_the_limit() {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .maximum
        .unwrap_or(u64::MAX);
    if limit > 999_000 {
        return; // this machine could hold them: nothing to refuse
    }
    let out = lesson()
        .args(["hold", "--connections", "1000000"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: 1000000 connections need"),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("is {limit}")), "{stderr}");
}

#[test]
fn an_unknown_runtime_is_one_error() {
    let out = lesson()
        .args(["serve", "--runtime", "gevent"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error:"));
}
