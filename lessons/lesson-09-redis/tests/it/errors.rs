//! No server, a wrong `REDIS_URL`, a server that stops mid-run: one
//! `error:` line and status 1, never a panic or a hang.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use shared::services::RedisServer;

use crate::common::{BIN, connection};

fn run_with_url(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env("REDIS_URL", url)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap()
}

fn assert_one_error_line(output: &std::process::Output, start: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with(start), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_wrong_redis_url_is_one_error_line() {
    // Nothing listens on port 1; and a URL that is not a Redis URL.
    for url in ["redis://127.0.0.1:1/", "http://127.0.0.1/"] {
        let output = run_with_url(url, &["consume", "--messages", "1"]);
        assert_one_error_line(&output, &format!("error: REDIS_URL={url}"));
    }
}

#[test]
fn bad_flags_are_one_error_line() {
    let lesson = shared::cli_check::LessonBinary::new(BIN);
    lesson.assert_bad_flag(&["consume", "--model", "gevent"], "--model");
    lesson.assert_bad_flag(&["consume", "--scale", "-1"], "--scale");
    lesson.assert_bad_flag(&["consume", "--messages", "0"], "--messages");
}

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn a_server_stopped_mid_run_is_one_error_line() {
    let server = RedisServer::start().unwrap();
    let url = server.url();
    let mut child = Command::new(BIN)
        .args(["consume", "--no-fill", "--messages", "5", "--idle", "30"])
        .env("REDIS_URL", &url)
        .env_remove("RUST_BACKTRACE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Two messages, consumed: the consumer is now waiting in BRPOP.
    let mut redis = connection(&url);
    let _: () = redis::cmd("LPUSH")
        .arg("test")
        .arg(&["a", "b"])
        .query(&mut redis)
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left: usize =
            redis::cmd("LLEN").arg("test").query(&mut redis).unwrap();
        let clients: String =
            redis::cmd("CLIENT").arg("LIST").query(&mut redis).unwrap();
        if left == 0 && clients.contains("cmd=brpop") {
            break;
        }
        assert!(Instant::now() < deadline, "the consumer never got going");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(server);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= deadline {
            child.kill().unwrap();
            panic!("the consumer hung after its server stopped");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: lost the Redis connection"),
        "{stderr}"
    );
    assert!(stderr.contains("after 2 messages processed"), "{stderr}");
}
