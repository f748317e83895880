//! What the tests share: a broker, names no other test uses, a runtime,
//! agents on it.

use std::process::Output;
use std::time::Duration;

use lesson_12_rpc::agent;
use lesson_12_rpc::exec::{Allow, Limits};
use shared::cli_check::LessonBinary;
use shared::services::{RabbitServer, Service};
use shared::{Trace, Transcript};

/// The lesson's binary.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_lesson-12-rpc");

/// The broker at `AMQP_URL` (`cargo xtask test`), or a private one.
pub(crate) fn broker() -> Service<RabbitServer> {
    RabbitServer::connect_or_start().expect("a RabbitMQ broker")
}

/// A name prefix no other test (nor another run of this one) uses, so
/// tests can share one broker.
pub(crate) fn prefix(test: &str) -> String {
    shared::cli_check::unique_prefix("lesson12", test)
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

/// Agent `name` as a task of the current runtime, with `limits`; returns
/// once it consumes. It runs until the test's runtime ends.
pub(crate) async fn agent(url: &str, prefix: &str, name: &str, limits: Limits) {
    let (ready, is_ready) = tokio::sync::oneshot::channel();
    let (url, prefix, name) =
        (url.to_owned(), prefix.to_owned(), name.to_owned());
    tokio::spawn(async move {
        let lane = Trace::disabled().lane("agent");
        let stop = lesson_10_rabbitmq::consume::never();
        let served = agent::serve(
            &url,
            &prefix,
            &name,
            &limits,
            None,
            stop,
            move || {
                let _ = ready.send(());
            },
            &Transcript::quiet(),
            &lane,
        )
        .await;
        served.expect("the agent serves");
    });
    is_ready.await.expect("the agent started");
}

/// The default limits, with `timeout`.
pub(crate) fn limits(timeout: Duration) -> Limits {
    Limits {
        timeout,
        ..Limits::default()
    }
}

/// Limits that allow only `programs`.
pub(crate) fn allowing(programs: &str) -> Limits {
    Limits {
        allow: Allow::list(programs),
        ..Limits::default()
    }
}
