//! What the tests share: a broker, names no other test uses, a runtime.

use std::process::{Command, Output};

use shared::services::{RabbitServer, Service};

/// The lesson's binary.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_lesson-10-rabbitmq");

/// The broker at `AMQP_URL` (`cargo xtask test`), or a private one.
pub(crate) fn broker() -> Service<RabbitServer> {
    RabbitServer::connect_or_start().expect("a RabbitMQ broker")
}

/// A name prefix no other test (nor another run of this one) uses, so
/// tests can share one broker.
pub(crate) fn prefix(test: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("lesson10-test-{test}-{}-{n}-", std::process::id())
}

/// A current-thread runtime, as the lesson's CLI uses.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Runs the binary against `url` with `args`, capturing its output.
pub(crate) fn run(url: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("AMQP_URL", url)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap()
}

/// Stdout of a run that must succeed with nothing on stderr.
pub(crate) fn stdout_of(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "failed: {stderr}");
    assert!(stderr.is_empty(), "wrote on stderr: {stderr}");
    String::from_utf8(output.stdout.clone()).unwrap()
}
