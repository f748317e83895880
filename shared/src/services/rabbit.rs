//! A private RabbitMQ node (see the [module opening](super)).
//!
//! The node runs from RabbitMQ's own scripts as the user who starts it.
//! Debian's `/usr/sbin/rabbitmq-server` is a wrapper that re-runs the real
//! script in `/usr/lib/rabbitmq/bin` as user `rabbitmq` through `su` (which
//! resets `HOME` and needs every directory the node writes chowned to that
//! user) and refuses any other user; the real script works for root and
//! for a learner alike, so it is used when it is there.
//!
//! Every file the node reads or writes is named by a variable pointing
//! into its data directory: `RABBITMQ_MNESIA_BASE`, `RABBITMQ_LOG_BASE`,
//! the feature-flags file, an enabled-plugins file holding `[].` (no
//! plugins: the node answers in about 6 s instead of loading the
//! management UI), its config files, `HOME` (the Erlang cookie) and a PID
//! file. Two nodes on one machine need distinct node names and distinct
//! AMQP and distribution ports.
//!
//! `epmd`, Erlang's port mapper, is started by the first node on the
//! machine and outlives it (a plain kill of the node leaves it too). It is
//! shared by every node, so a node's stop leaves it alone; it is bound to
//! loopback (`ERL_EPMD_ADDRESS`), and `cargo xtask` ends it with `epmd
//! -kill`, which epmd refuses while any node is still registered.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use super::{Binary, Kept, Service};

/// How long a node may take to open its first AMQP connection: about 6 s
/// on an idle 2-core machine, so the margin is for a loaded one.
const PATIENCE: Duration = Duration::from_secs(90);

/// Where Debian and Ubuntu keep RabbitMQ's real scripts.
const DEBIAN_SCRIPTS: &str = "/usr/lib/rabbitmq/bin";

/// A private RabbitMQ node on loopback ports, stopped (and its data
/// directory removed) on drop.
pub struct RabbitServer {
    child: Child,
    node: String,
    port: u16,
    dist_port: u16,
    dir: PathBuf,
    scripts: PathBuf,
}

impl RabbitServer {
    /// Starts a node on free ports and returns once an AMQP connection to
    /// it opens.
    pub fn start() -> crate::Result<Self> {
        Self::start_preferring(None)
    }

    /// [`start`](Self::start), with AMQP on `preferred` when that port is
    /// free.
    pub fn start_preferring(preferred: Option<u16>) -> crate::Result<Self> {
        let scripts = scripts()?;
        let ports = super::free_ports(2, preferred)?;
        let dir = super::fresh_dir("rabbitmq")?;
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let node = format!(
            "course-{}-{}@localhost",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        for sub in ["home", "mnesia", "log"] {
            std::fs::create_dir_all(dir.join(sub))?;
        }
        std::fs::write(dir.join("enabled_plugins"), "[].\n")?;
        let child = match spawn(&scripts, &dir, &node, ports[0], ports[1]) {
            Ok(child) => child,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(e);
            }
        };
        let mut server = Self {
            child,
            node,
            port: ports[0],
            dist_port: ports[1],
            dir,
            scripts,
        };
        server.wait_until_open()?;
        Ok(server)
    }

    /// The server at `AMQP_URL` when it is set, or else a private node
    /// started here.
    pub fn connect_or_start() -> crate::Result<Service<Self>> {
        super::connect_or_start(Binary::RabbitmqServer, Self::start, Self::url)
    }

    /// Stops the node and starts it again on the same data directory and
    /// ports: what survives (durable queues, persistent messages) is what
    /// a broker restart keeps.
    pub fn restart(&mut self) -> crate::Result<()> {
        stop_node(&self.dir, &self.node);
        super::stop_pid(self.child.id());
        let _ = self.child.wait();
        self.child = spawn(
            &self.scripts,
            &self.dir,
            &self.node,
            self.port,
            self.dist_port,
        )?;
        self.wait_until_open()
    }

    /// `amqp://guest:guest@127.0.0.1:PORT/%2f` (the default virtual host
    /// `/`; RabbitMQ lets `guest` in from loopback only).
    pub fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    /// The AMQP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The Erlang node name, as `rabbitmqctl -n` wants it.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// The Erlang VM's process id (the node's PID file), or the start
    /// script's before the VM has written it.
    pub fn pid(&self) -> u32 {
        vm_pid(&self.dir).unwrap_or_else(|| self.child.id())
    }

    /// Its data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Leaves the node running past this value (`cargo xtask services
    /// up`); [`Kept::stop`] stops it.
    pub fn keep(self) -> Kept {
        let kept = Kept {
            binary: Binary::RabbitmqServer,
            pid: self.pid(),
            dir: self.dir.clone(),
            url: self.url(),
            node: self.node.clone(),
        };
        std::mem::forget(self);
        kept
    }

    fn wait_until_open(&mut self) -> crate::Result<()> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let url = self.url();
        let log = self.dir.join("log");
        super::wait_until_answers(
            "rabbitmq-server",
            &mut self.child,
            &log,
            PATIENCE,
            || runtime.block_on(open(&url)).is_ok(),
        )
    }
}

impl Drop for RabbitServer {
    fn drop(&mut self) {
        let vm = vm_pid(&self.dir);
        stop_node(&self.dir, &self.node);
        // The start script exits once the VM has; if the stop did not
        // work (the VM was killed, or hangs), SIGTERM is the script's own
        // signal for "stop the node", and then SIGKILL.
        super::stop_pid(self.child.id());
        if let Some(vm) = vm {
            super::stop_pid(vm);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The folder of `rabbitmq-server` and `rabbitmqctl`: Debian's real
/// scripts when they are there, else wherever `PATH` has them.
fn scripts() -> crate::Result<PathBuf> {
    let debian = Path::new(DEBIAN_SCRIPTS);
    if debian.join("rabbitmq-server").exists() {
        return Ok(debian.to_path_buf());
    }
    let server = super::find(Binary::RabbitmqServer)
        .ok_or_else(|| Binary::RabbitmqServer.missing())?;
    Ok(server.parent().unwrap_or(Path::new("/")).to_path_buf())
}

/// The variables that keep a node inside `dir`.
fn node_env(dir: &Path, node: &str) -> Vec<(&'static str, String)> {
    let at = |name: &str| dir.join(name).display().to_string();
    vec![
        ("RABBITMQ_NODENAME", node.to_string()),
        ("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1".to_string()),
        ("RABBITMQ_MNESIA_BASE", at("mnesia")),
        ("RABBITMQ_LOG_BASE", at("log")),
        ("RABBITMQ_FEATURE_FLAGS_FILE", at("feature_flags")),
        ("RABBITMQ_ENABLED_PLUGINS_FILE", at("enabled_plugins")),
        ("RABBITMQ_PID_FILE", at("node.pid")),
        // None of these exist: the node reads no configuration from /etc.
        ("RABBITMQ_CONF_ENV_FILE", at("rabbitmq-env.conf")),
        ("RABBITMQ_CONFIG_FILE", at("rabbitmq.conf")),
        ("RABBITMQ_ADVANCED_CONFIG_FILE", at("advanced.config")),
        ("HOME", at("home")),
        ("ERL_EPMD_ADDRESS", "127.0.0.1".to_string()),
    ]
}

fn spawn(
    scripts: &Path,
    dir: &Path,
    node: &str,
    port: u16,
    dist_port: u16,
) -> crate::Result<Child> {
    let script = scripts.join("rabbitmq-server");
    let out = std::fs::File::create(dir.join("log/console.log"))?;
    Command::new(&script)
        .envs(node_env(dir, node))
        .env("RABBITMQ_NODE_PORT", port.to_string())
        .env("RABBITMQ_DIST_PORT", dist_port.to_string())
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", script.display()).into())
}

/// `rabbitmqctl -n NODE stop`: the node halts its VM and the start script
/// exits. Errors are ignored; the caller then makes sure by PID.
pub(super) fn stop_node(dir: &Path, node: &str) {
    let Ok(scripts) = scripts() else { return };
    let _ = Command::new(scripts.join("rabbitmqctl"))
        .args(["-n", node, "stop"])
        .envs(node_env(dir, node))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The VM's PID, from the node's PID file.
fn vm_pid(dir: &Path) -> Option<u32> {
    std::fs::read_to_string(dir.join("node.pid"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Opens an AMQP connection to `url` and closes it.
pub(super) async fn open(url: &str) -> crate::Result<()> {
    let connection =
        lapin::Connection::connect(url, lapin::ConnectionProperties::default())
            .await?;
    connection.close(200, "bye".into()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::is_running;
    use lapin::options::{
        BasicGetOptions, BasicPublishOptions, QueueDeclareOptions,
    };
    use lapin::types::FieldTable;
    use lapin::{BasicProperties, Connection, ConnectionProperties};

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    #[ignore = "needs RabbitMQ: cargo xtask test runs it"]
    fn starts_opens_and_leaves_nothing_behind() {
        let server = RabbitServer::start().unwrap();
        let (script, vm) = (server.child.id(), server.pid());
        let dir = server.dir().to_path_buf();
        assert_ne!(script, vm, "the VM wrote its PID file");
        assert!(server.url().starts_with("amqp://guest:guest@127.0.0.1:"));
        runtime().block_on(open(&server.url())).unwrap();
        drop(server);
        assert!(!dir.exists(), "{} left behind", dir.display());
        assert!(!is_running(vm), "the node's VM {vm} still runs");
        assert!(!is_running(script), "its start script {script} still runs");
    }

    #[test]
    #[ignore = "needs RabbitMQ: cargo xtask test runs it"]
    fn connect_or_start_uses_amqp_url_or_starts_its_own() {
        let service = RabbitServer::connect_or_start().unwrap();
        runtime().block_on(open(service.url())).unwrap();
        let url_set = std::env::var_os("AMQP_URL").is_some();
        assert_eq!(service.private().is_some(), !url_set);
    }

    #[test]
    #[ignore = "needs RabbitMQ: cargo xtask test runs it"]
    fn restart_keeps_a_durable_queue_and_its_persistent_message() {
        let mut server = RabbitServer::start().unwrap();
        let url = server.url();
        let durable = QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        };
        runtime().block_on(async {
            let connection =
                Connection::connect(&url, ConnectionProperties::default())
                    .await
                    .unwrap();
            let channel = connection.create_channel().await.unwrap();
            channel
                .queue_declare("baozi".into(), durable, FieldTable::default())
                .await
                .unwrap();
            channel
                .basic_publish(
                    "".into(),
                    "baozi".into(),
                    BasicPublishOptions::default(),
                    b"baozi 1",
                    // Delivery mode 2: written to disk.
                    BasicProperties::default().with_delivery_mode(2),
                )
                .await
                .unwrap()
                .await
                .unwrap();
            connection.close(200, "bye".into()).await.unwrap();
        });
        server.restart().unwrap();
        assert_eq!(server.url(), url, "the same port after a restart");
        let body = runtime().block_on(async {
            let connection =
                Connection::connect(&url, ConnectionProperties::default())
                    .await
                    .unwrap();
            let channel = connection.create_channel().await.unwrap();
            let message = channel
                .basic_get("baozi".into(), BasicGetOptions { no_ack: true })
                .await
                .unwrap()
                .expect("the durable queue kept its message");
            message.delivery.data.clone()
        });
        assert_eq!(body, b"baozi 1");
    }
}
