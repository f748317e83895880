//! `cargo xtask services up|down|status`: a long-lived Redis and RabbitMQ
//! pair for a learner who runs the broker lessons' CLIs by hand.
//!
//! `up` starts both on their usual ports (6379, 5672) unless those are
//! busy, leaves them running, and writes `target/services/env`
//! (`REDIS_URL=...`, `AMQP_URL=...`; `set -a; . target/services/env`
//! exports them) and `target/services/up`, the PIDs and directories that
//! `down` stops and removes.

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use shared::services::{self, Binary, Kept, RabbitServer, RedisServer};

/// The file with the two URLs.
fn env_file() -> PathBuf {
    services::services_dir().join("env")
}

/// The file with what `down` needs.
fn state_file() -> PathBuf {
    services::services_dir().join("up")
}

pub(crate) fn up() -> Result<(), String> {
    let kept = read_state()?;
    if !kept.is_empty() {
        return Err(format!(
            "a pair is already up ({}); cargo xtask services down stops it",
            kept.iter()
                .map(Kept::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let redis =
        RedisServer::start_preferring(Some(6379)).map_err(|e| e.to_string())?;
    say_port("Redis", 6379, redis.port());
    let rabbit = RabbitServer::start_preferring(Some(5672))
        .map_err(|e| e.to_string())?;
    say_port("RabbitMQ", 5672, rabbit.port());
    let kept = [redis.keep(), rabbit.keep()];
    let write = || -> std::io::Result<()> {
        fs::write(state_file(), format_state(&kept))?;
        fs::write(
            env_file(),
            format!("REDIS_URL={}\nAMQP_URL={}\n", kept[0].url, kept[1].url),
        )
    };
    if let Err(e) = write() {
        for server in &kept {
            let _ = server.stop();
        }
        return Err(format!("cannot write {}: {e}", state_file().display()));
    }
    println!("REDIS_URL={}", kept[0].url);
    println!("AMQP_URL={}", kept[1].url);
    println!(
        "written to {}; `set -a; . {}` exports them; cargo xtask services \
         down stops the pair",
        env_file().display(),
        env_file().display()
    );
    Ok(())
}

fn say_port(what: &str, usual: u16, got: u16) {
    if got != usual {
        println!("port {usual} is busy: {what} is on {got} instead");
    }
}

pub(crate) fn down() -> Result<(), String> {
    let kept = read_state()?;
    if kept.is_empty() {
        println!("no pair is up");
    }
    for server in &kept {
        server
            .stop()
            .map_err(|e| format!("stopping {server}: {e}"))?;
        println!("stopped {server}");
    }
    let _ = fs::remove_file(state_file());
    let _ = fs::remove_file(env_file());
    stop_epmd();
    sweep_stale();
    Ok(())
}

pub(crate) fn status() -> Result<ExitCode, String> {
    let kept = read_state()?;
    if kept.is_empty() {
        println!("no pair is up (cargo xtask services up starts one)");
        return Ok(ExitCode::FAILURE);
    }
    let mut all_well = true;
    for server in &kept {
        match services::answers(server.binary, &server.url) {
            Ok(()) => println!("{server}: answers"),
            Err(e) => {
                all_well = false;
                println!("{server}: does not answer ({e})");
            }
        }
    }
    Ok(if all_well {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Removes the data directories (`<name>-<pid>-<n>`) left by processes
/// that are gone: a test binary ended by a signal runs no `Drop`. The
/// directories of a pair that `up` left running are kept.
pub(crate) fn sweep_stale() {
    let kept: Vec<PathBuf> = read_state()
        .unwrap_or_default()
        .into_iter()
        .map(|k| k.dir)
        .collect();
    let Ok(entries) = fs::read_dir(services::services_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir()
            && !kept.contains(&path)
            && owner(&name).is_some_and(|pid| !services::is_running(pid))
        {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

/// The PID in a data directory's name `<name>-<pid>-<n>`.
fn owner(name: &str) -> Option<u32> {
    let mut parts = name.rsplitn(3, '-');
    let _n: u32 = parts.next()?.parse().ok()?;
    parts.next()?.parse().ok()
}

/// Ends Erlang's port mapper, which the first RabbitMQ node started and
/// which outlives it; `epmd -kill` refuses while any node (someone
/// else's too) is still registered, so this never breaks a running node.
pub(crate) fn stop_epmd() {
    let _ = std::process::Command::new("epmd")
        .arg("-kill")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

/// One line per server: name, pid, node, dir, url, tab-separated.
fn format_state(kept: &[Kept]) -> String {
    kept.iter()
        .map(|k| {
            format!(
                "{}\t{}\t{}\t{}\t{}\n",
                k.binary.name(),
                k.pid,
                k.node,
                k.dir.display(),
                k.url
            )
        })
        .collect()
}

fn parse_state(text: &str) -> Option<Vec<Kept>> {
    text.lines()
        .map(|line| {
            let mut fields = line.split('\t');
            let binary = match fields.next()? {
                "redis-server" => Binary::RedisServer,
                "rabbitmq-server" => Binary::RabbitmqServer,
                _ => return None,
            };
            Some(Kept {
                binary,
                pid: fields.next()?.parse().ok()?,
                node: fields.next()?.to_string(),
                dir: fields.next()?.into(),
                url: fields.next()?.to_string(),
            })
        })
        .collect()
}

fn read_state() -> Result<Vec<Kept>, String> {
    let path = state_file();
    match fs::read_to_string(&path) {
        Ok(text) => parse_state(&text).ok_or_else(|| {
            format!(
                "{} is not what cargo xtask services up writes; stop its \
                 servers by hand and remove it",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_file_reads_back_what_up_writes() {
        let kept = vec![
            Kept {
                binary: Binary::RedisServer,
                pid: 41,
                node: String::new(),
                dir: "/w/target/services/redis-7-0".into(),
                url: "redis://127.0.0.1:6379/".into(),
            },
            Kept {
                binary: Binary::RabbitmqServer,
                pid: 42,
                node: "course-7-0@localhost".into(),
                dir: "/w/target/services/rabbitmq-7-0".into(),
                url: "amqp://guest:guest@127.0.0.1:5672/%2f".into(),
            },
        ];
        assert_eq!(parse_state(&format_state(&kept)), Some(kept));
        assert_eq!(parse_state("nginx\t1\t\t/\turl\n"), None);
    }

    #[test]
    fn a_data_directory_names_its_owner() {
        assert_eq!(owner("rabbitmq-754-1"), Some(754));
        assert_eq!(owner("redis-12-0"), Some(12));
        assert_eq!(owner("env"), None);
        assert_eq!(owner("redis-x-0"), None);
    }
}
