//! `cargo xtask test`: every test, the broker ones included, on a machine
//! with only the Rust toolchain.
//!
//! Installs the two servers when they are missing (`services install`),
//! starts a private pair on free ports, runs `cargo test ARGS --
//! --include-ignored` with `REDIS_URL`, `AMQP_URL` and
//! [`services::UNDER_XTASK`] set, stops the pair whatever the outcome, and
//! exits with the tests' status. With `REDIS_URL` and `AMQP_URL` already
//! set, it uses those servers and starts nothing.
//!
//! Ctrl-C reaches the whole foreground process group: `cargo test`, the
//! test binaries and every server, the ones the tests started included
//! (a test binary killed by SIGINT runs no `Drop`, so its servers must see
//! the signal themselves). Redis shuts down on SIGINT, RabbitMQ's start
//! script stops its node. This process only notes the signal, waits for
//! `cargo test` to end, stops what is left of the pair, removes its
//! directories, and exits with status 130. SIGTERM, sent to this process
//! alone, is passed on to `cargo test`.

use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use shared::services::{self, Binary, RabbitServer, RedisServer};

/// The signal that asked this run to stop, or 0.
static STOP_SIGNAL: AtomicI32 = AtomicI32::new(0);

extern "C" fn note_signal(signal: libc::c_int) {
    // Only an atomic store: what a signal handler may do.
    STOP_SIGNAL.store(signal, Ordering::SeqCst);
}

/// Replaces the default action of SIGINT and SIGTERM (end this process at
/// once, leaving the servers running) with a note that the run loop reads.
/// A handler, not SIG_IGN: an ignored signal stays ignored in the children,
/// and `cargo test` must still stop on Ctrl-C.
fn catch_stop_signals() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: `note_signal` is async-signal-safe (one atomic store) and
        // has the signature `signal` expects; nothing else in this process
        // installs handlers for these signals.
        unsafe {
            libc::signal(
                signal,
                note_signal as *const () as libc::sighandler_t,
            );
        }
    }
}

fn interrupted() -> bool {
    STOP_SIGNAL.load(Ordering::SeqCst) != 0
}

/// The servers for one run: the ones the environment names, or a private
/// pair (dropped, so stopped, when the run ends).
struct Pair {
    redis_url: String,
    amqp_url: String,
    _private: Option<(RedisServer, RabbitServer)>,
}

fn servers() -> Result<Pair, String> {
    let from_env = |binary: Binary| {
        std::env::var(binary.url_variable())
            .ok()
            .filter(|u| !u.is_empty())
    };
    if let (Some(redis_url), Some(amqp_url)) = (
        from_env(Binary::RedisServer),
        from_env(Binary::RabbitmqServer),
    ) {
        println!("xtask: using REDIS_URL={redis_url} and AMQP_URL={amqp_url}");
        return Ok(Pair {
            redis_url,
            amqp_url,
            _private: None,
        });
    }
    if !crate::install::missing().is_empty() {
        crate::install::install()?;
    }
    let started = Instant::now();
    let redis = RedisServer::start().map_err(|e| e.to_string())?;
    println!(
        "xtask: redis-server answered PING after {} ms, at {}",
        started.elapsed().as_millis(),
        redis.url()
    );
    let started = Instant::now();
    let rabbit = RabbitServer::start().map_err(|e| e.to_string())?;
    println!(
        "xtask: rabbitmq-server opened an AMQP connection after {:.1} s, at {}",
        started.elapsed().as_secs_f64(),
        rabbit.url()
    );
    Ok(Pair {
        redis_url: redis.url(),
        amqp_url: rabbit.url(),
        _private: Some((redis, rabbit)),
    })
}

/// `ARGS -- --include-ignored [TEST ARGS]`, with `--workspace` when no
/// package is named.
fn cargo_test_args(args: Vec<String>) -> Vec<String> {
    let split = args.iter().position(|a| a == "--").unwrap_or(args.len());
    let (cargo, tests) = args.split_at(split);
    let mut full = vec!["test".to_string()];
    if cargo.is_empty() {
        full.push("--workspace".into());
    }
    full.extend(cargo.iter().cloned());
    full.push("--".into());
    full.push("--include-ignored".into());
    full.extend(tests.iter().skip(1).cloned());
    full
}

pub(crate) fn run(args: Vec<String>) -> Result<ExitCode, String> {
    catch_stop_signals();
    let started = Instant::now();
    // On an error from here on, `pair` is dropped, which stops it.
    let pair = servers()?;
    let status = if interrupted() {
        130
    } else {
        run_tests(&pair, cargo_test_args(args))?
    };
    let private = pair._private.is_some();
    drop(pair);
    if private {
        crate::pair::stop_epmd();
        println!("xtask: the servers are stopped");
    }
    crate::pair::sweep_stale();
    println!(
        "xtask: cargo xtask test took {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::from(status))
}

/// Runs `cargo ARGS`, passing a stop signal on, and returns its exit code
/// (128 + the signal when a signal ended it).
fn run_tests(pair: &Pair, args: Vec<String>) -> Result<u8, String> {
    use std::os::unix::process::ExitStatusExt;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    println!("xtask: {cargo} {}", args.join(" "));
    let mut child = Command::new(&cargo)
        .args(&args)
        .env("REDIS_URL", &pair.redis_url)
        .env("AMQP_URL", &pair.amqp_url)
        .env(services::UNDER_XTASK, "1")
        .spawn()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    let mut passed_on = false;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        let signal = STOP_SIGNAL.load(Ordering::SeqCst);
        if signal != 0 && !passed_on {
            passed_on = true;
            // SAFETY: `kill` has no memory-safety preconditions; the PID is
            // our own unreaped child, so it names no other process.
            unsafe {
                libc::kill(child.id() as libc::pid_t, signal);
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Ok(match (status.code(), status.signal()) {
        (Some(code), _) => code.clamp(0, 255) as u8,
        (None, Some(signal)) => (128 + signal).clamp(0, 255) as u8,
        (None, None) => 1,
    })
}

#[cfg(test)]
mod tests {
    use super::cargo_test_args;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn no_args_test_the_workspace_with_the_ignored_tests() {
        assert_eq!(
            cargo_test_args(vec![]),
            args(&["test", "--workspace", "--", "--include-ignored"])
        );
    }

    #[test]
    fn args_before_and_after_the_double_dash_go_where_they_belong() {
        assert_eq!(
            cargo_test_args(args(&["-p", "shared", "--", "services"])),
            args(&[
                "test",
                "-p",
                "shared",
                "--",
                "--include-ignored",
                "services"
            ])
        );
    }
}
