//! What the tests share: a broker, names no other test uses, a runtime.

use std::process::Output;

use shared::cli_check::LessonBinary;
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
    shared::cli_check::unique_prefix("lesson10", test)
}

/// A current-thread runtime, as the lesson's CLI uses.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Runs the binary against the broker at `url` with `args`, capturing
/// its output.
pub(crate) fn run(url: &str, args: &[&str]) -> Output {
    LessonBinary::new(BIN).run_with_env(args, "AMQP_URL", url)
}

/// Stdout of a run that must succeed with nothing on stderr.
pub(crate) fn stdout_of(output: &Output) -> String {
    shared::cli_check::quiet_stdout(output)
}
