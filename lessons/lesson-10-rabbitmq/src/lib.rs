//! Lesson 10: RabbitMQ. The course's pika programs (hello world, the work
//! queue, fanout, direct and topic exchanges, RPC) on lapin and tokio,
//! and the broker's promises shown by real failures: a killed worker's
//! task redelivered, a durable queue surviving a restart, fair dispatch
//! with a prefetch of one.
//!
//! **Python original.** The course's RabbitMQ notes, after the official
//! tutorial: `send.py` / `receive.py` on the queue `hello`; `new_task.py`
//! and `worker.py` (one second of work per `.` in the message, then
//! ` [x] Done` and `basic_ack`), with `durable=True`, `delivery_mode=2`
//! and `basic_qos(prefetch_count=1)`; `emit_log.py` / `receive_logs.py`
//! on a fanout exchange with an exclusive, server-named queue; the same
//! by severity on a direct exchange and by `facility.severity` patterns on
//! a topic exchange; and `rpc_server.py` / `rpc_client.py`, computing
//! `fib(30)` with `reply_to` and `correlation_id`. Each program is one
//! `pika.BlockingConnection`, a channel and callbacks.
//!
//! **Rust mapping.**
//!
//! | Python (pika) | Rust (lapin) |
//! |---|---|
//! | `BlockingConnection`, `connection.channel()` | [`connect::open`]: a connection (an IO thread) and a channel |
//! | `queue_declare`, `exchange_declare`, `queue_bind` | [`declare`] |
//! | `basic_consume(callback)`, `start_consuming()` | [`consume::start`]: a stream the program pulls from |
//! | `ch.basic_ack(delivery_tag=…)`, `basic_qos` | [`consume::ack`], the prefetch of [`consume::start`] |
//! | `send.py`, `receive.py` | [`hello`] |
//! | `new_task.py`, `worker.py` | [`work`] |
//! | `emit_log*.py`, `receive_logs*.py` | [`logs`] |
//! | `rpc_server.py`, `FibonacciRpcClient` | [`rpc::serve`], [`rpc::RpcClient`] |
//! | — | [`redelivery`], [`durable`], [`fair`]: the promises, broken on purpose |
//!
//! **Run it.** The seed's programs connect to `--amqp URL`, else
//! `AMQP_URL`, else `amqp://127.0.0.1:5672`; `cargo xtask services up`
//! starts a broker and prints its `AMQP_URL`. The default run and the
//! demos start a private broker when `AMQP_URL` is not set.
//!
//! ```text
//! cargo run -p lesson-10-rabbitmq                   # every pattern, in order
//! cargo run -p lesson-10-rabbitmq -- receive        # terminal 1 (Ctrl-C ends it)
//! cargo run -p lesson-10-rabbitmq -- send           # terminal 2
//! cargo run -p lesson-10-rabbitmq -- worker         # two terminals
//! cargo run -p lesson-10-rabbitmq -- new-task Third message...
//! cargo run -p lesson-10-rabbitmq -- receive-logs-topic 'kern.*' '*.critical'
//! cargo run -p lesson-10-rabbitmq -- emit-log-topic kern.critical A critical kernel error
//! cargo run -p lesson-10-rabbitmq -- rpc-server     # and: rpc-client 30
//! cargo run -p lesson-10-rabbitmq -- demo-redelivery
//! cargo run -p lesson-10-rabbitmq -- demo-durable
//! cargo run -p lesson-10-rabbitmq -- demo-fair --timeline
//! cargo run --release -p lesson-10-rabbitmq -- measure --pika
//! ```
//!
//! **What to notice.**
//!
//! - A producer never writes to a queue: it publishes to an exchange (the
//!   default one routes by queue name), and a log sent while no receiver
//!   has bound a queue is dropped.
//! - With manual acks a SIGKILLed worker loses nothing: the broker
//!   redelivers its task to another worker, `redelivered = true`. With
//!   auto-ack the same kill loses it ([`redelivery`]).
//! - Only a persistent message in a durable queue survives a broker
//!   restart, and "published" means "on disk" only once its publisher
//!   confirm has come back ([`durable`]).
//! - With the prefetch unlimited the broker deals messages out in turn,
//!   fast worker or slow; with prefetch 1 each goes to whoever acked
//!   first ([`fair`]).
//! - lapin runs its socket on an IO thread of its own: an awaited ack is a
//!   hand-off to that thread, so a fast consumer lets its acks run beside
//!   its loop instead of awaiting each ([`measure`]).

pub mod connect;
pub mod consume;
pub mod declare;
pub mod durable;
pub mod fair;
pub mod hello;
pub mod lines;
pub mod logs;
pub mod measure;
pub mod redelivery;
pub mod rpc;
pub mod walk;
pub mod work;
