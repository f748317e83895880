//! The workspace's dev tooling, run as `cargo xtask ...` (the alias is in
//! `.cargo/config.toml`; the convention is matklad's "cargo xtask").
//!
//! ```text
//! cargo xtask services install   # Debian's redis-server and rabbitmq-server
//! cargo xtask services up        # a long-lived pair for running lessons by hand
//! cargo xtask services status
//! cargo xtask services down
//! cargo xtask test               # every test, the broker ones included
//! cargo xtask test -p shared --features services  # one crate; args go to cargo test
//! ```
//!
//! Its own tests are the workspace's tidy and book checks
//! (`tests/it/tidy.rs`, `tests/it/book.rs`), which plain `cargo test
//! --workspace` runs too.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod install;
mod pair;
mod test;

/// The workspace's dev tooling.
#[derive(Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The Redis and RabbitMQ servers of the broker lessons.
    Services {
        #[command(subcommand)]
        action: Services,
    },
    /// Installs the servers if needed, starts a private pair, runs `cargo
    /// test ARGS -- --include-ignored` (ARGS: `--workspace` when none)
    /// with REDIS_URL and AMQP_URL set, stops the pair whatever happens,
    /// and exits with the tests' status.
    Test {
        /// Arguments for `cargo test`; after `--`, for the test binaries.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(Subcommand)]
enum Services {
    /// Installs Debian's redis-server and rabbitmq-server with apt-get
    /// (as root); elsewhere prints the command to run.
    Install,
    /// Starts a pair that outlives this command, on 6379 and 5672 unless
    /// busy, and writes their URLs to target/services/env.
    Up,
    /// Stops the pair `up` started.
    Down,
    /// Says whether the pair `up` started is running and answers.
    Status,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Services { action } => match action {
            Services::Install => install::install().map(|()| ExitCode::SUCCESS),
            Services::Up => pair::up().map(|()| ExitCode::SUCCESS),
            Services::Down => pair::down().map(|()| ExitCode::SUCCESS),
            Services::Status => pair::status(),
        },
        Command::Test { args } => test::run(args),
    };
    result.unwrap_or_else(|error| {
        eprintln!("error: {error}");
        ExitCode::FAILURE
    })
}
