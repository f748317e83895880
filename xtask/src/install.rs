//! `cargo xtask services install`: Debian's `redis-server` and
//! `rabbitmq-server`, installed with apt when they are missing.
//!
//! CI runs as root on a fresh Debian machine with nothing installed, so this
//! path must run without a prompt: `DEBIAN_FRONTEND=noninteractive`,
//! `apt-get update` first (a fresh machine has no package lists), then
//! `apt-get install -y`. The packages' own services must not start: they
//! would take ports 6379 and 5672 and run as daemons nobody stops. A
//! `policy-rc.d` that exits 101 ("action forbidden") is Debian's way to say
//! so to `invoke-rc.d` and `deb-systemd-invoke`; the install writes one for
//! its duration when the machine has none, and removes it afterwards.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use shared::services::{self, Binary};

/// The Debian packages, and the binary each one puts on the machine.
const PACKAGES: [(&str, Binary); 2] = [
    ("redis-server", Binary::RedisServer),
    ("rabbitmq-server", Binary::RabbitmqServer),
];

/// Where Debian's tools look for the policy: present means "ask it first".
const POLICY_RC_D: &str = "/usr/sbin/policy-rc.d";

/// The packages whose binary is not found.
pub(crate) fn missing() -> Vec<&'static str> {
    PACKAGES
        .iter()
        .filter(|(_, binary)| services::find(*binary).is_none())
        .map(|(package, _)| *package)
        .collect()
}

/// Installs what is missing; prints each command before running it.
pub(crate) fn install() -> Result<(), String> {
    let missing = missing();
    if missing.is_empty() {
        println!("redis-server and rabbitmq-server are installed");
        return Ok(());
    }
    let apt = Path::new("/usr/bin/apt-get").exists();
    let root = rustix::process::geteuid().is_root();
    if !apt || !root {
        return Err(advice(&missing, apt));
    }
    let policy = PolicyGuard::install()?;
    let result = run_apt(&["update"]).and_then(|()| {
        let mut args = vec!["install", "-y", "--no-install-recommends"];
        args.extend(&missing);
        run_apt(&args)
    });
    drop(policy);
    result?;
    let still = self::missing();
    if !still.is_empty() {
        return Err(format!(
            "apt-get installed {} but {} is still not found",
            missing.join(" "),
            still.join(" ")
        ));
    }
    Ok(())
}

/// What to run by hand, on a machine this command does not install on.
fn advice(missing: &[&str], apt: bool) -> String {
    let packages = missing.join(" ");
    if apt {
        format!(
            "{packages} missing, and installing needs root: run \
             `sudo apt-get update && sudo apt-get install -y {packages}`, \
             or set REDIS_URL and AMQP_URL to servers you have"
        )
    } else if cfg!(target_os = "macos") {
        format!(
            "{packages} missing: run `brew install redis rabbitmq` \
             (Homebrew), or set REDIS_URL and AMQP_URL to servers you have"
        )
    } else {
        format!(
            "{packages} missing and this is not a Debian/Ubuntu machine: \
             install Redis and RabbitMQ with its package manager, or set \
             REDIS_URL and AMQP_URL to servers you have"
        )
    }
}

/// `apt-get ARGS`, printed first, with no prompt of any kind.
fn run_apt(args: &[&str]) -> Result<(), String> {
    println!(
        "+ DEBIAN_FRONTEND=noninteractive apt-get {}",
        args.join(" ")
    );
    let status = Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .map_err(|e| format!("cannot run apt-get: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("apt-get {} failed ({status})", args.join(" ")))
    }
}

/// A `policy-rc.d` that forbids starting services, removed on drop; none
/// when the machine already has one (a container's usually does), which is
/// then left as it is.
struct PolicyGuard {
    written: bool,
}

impl PolicyGuard {
    fn install() -> Result<Self, String> {
        if Path::new(POLICY_RC_D).exists() {
            return Ok(Self { written: false });
        }
        println!("+ write {POLICY_RC_D} (exit 101: packages start no service)");
        let write = || -> std::io::Result<()> {
            fs::write(POLICY_RC_D, "#!/bin/sh\nexit 101\n")?;
            fs::set_permissions(POLICY_RC_D, fs::Permissions::from_mode(0o755))
        };
        write().map_err(|e| format!("cannot write {POLICY_RC_D}: {e}"))?;
        Ok(Self { written: true })
    }
}

impl Drop for PolicyGuard {
    fn drop(&mut self) {
        if self.written {
            println!("+ rm {POLICY_RC_D}");
            let _ = fs::remove_file(POLICY_RC_D);
        }
    }
}
