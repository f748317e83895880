//! Lesson 12: the course's second homework, "rpc命令端": run commands
//! asynchronously on several machines, each task under an id, over
//! RabbitMQ.
//!
//! **Python original.** The homework (作业二) gives only the session:
//!
//! ```text
//! >>:run "df -h" --hosts 192.168.3.55 10.4.3.4
//! task id: 45334
//! >>: check_task 45334
//! ```
//!
//! The expected solution is the lesson-10 RPC pattern twice over: a
//! pika server on every machine consuming its own queue and running what
//! it gets with `subprocess`, and a client that publishes the command with
//! `reply_to` and a `correlation_id`, prints the id, and collects the
//! answers later.
//!
//! **Rust mapping.**
//!
//! | Python (pika) | Rust (lapin, lesson 10's library) |
//! |---|---|
//! | one server per machine, queue per host | [`agent::serve`]: a queue bound to a direct exchange under the host's name, answered by `rpc::serve` |
//! | `subprocess.Popen(cmd, shell=True)` | [`exec::run`]: no shell, an allowlist, a timeout that kills, output capped |
//! | the client's `reply_to`, `correlation_id` | [`console::submit`]: a results queue per task, the task id as `correlation_id` |
//! | `check_task` reading what came back | [`console::Console`] (collected in the background), [`console::check`] (read from the broker) |
//! | `input(">>:")` | [`prompt`] |
//!
//! **Run it.** `--amqp URL`, else `AMQP_URL`, else a private broker for
//! the default run and `measure` (amqp://127.0.0.1:5672 for the others);
//! `cargo xtask services up` starts one and prints its `AMQP_URL`.
//!
//! ```text
//! cargo run -p lesson-12-rpc                             # agents h1 h2 h3 and the seed's session
//! cargo run -p lesson-12-rpc -- agent --name h1          # terminal 1 (and h2 in terminal 2)
//! cargo run -p lesson-12-rpc -- console                  # terminal 3: >>: run "df -h" --hosts h1 h2
//! cargo run -p lesson-12-rpc -- run "uptime" --hosts h1 h2   # prints the task id and exits
//! cargo run -p lesson-12-rpc -- check 45334              # later, from anywhere
//! cargo run -p lesson-12-rpc -- fanout --svg fanout.svg  # one task, three agents, drawn
//! cargo run --release -p lesson-12-rpc -- measure
//! ```
//!
//! **What to notice.**
//!
//! - The console never talks to an agent: it publishes to an exchange
//!   with the host's name as the routing key. A host nobody serves is not
//!   an error at publish time; the message is dropped, and the console
//!   learns it only as `no answer` at the deadline.
//! - `task id` comes back at once: sending is a few publishes, and the
//!   replies are filed by a background task while the prompt waits for
//!   the next line.
//! - A task's results live in the broker, in a queue named after it, not
//!   in the console: a `run` that exits and a `check` started later (or
//!   elsewhere) meet there.
//! - An agent runs only what its allowlist names, without a shell, for at
//!   most its timeout: whoever can publish to the broker can otherwise run
//!   anything on every agent.

pub mod agent;
pub mod console;
pub mod exec;
pub mod fanout;
pub mod measure;
pub mod prompt;
pub mod task;
pub mod walk;
