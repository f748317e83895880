//! Lesson 09: Redis as a queue. The course's three consumer models, the
//! fixed async one, listeners and pub/sub, and a reliable queue that loses
//! nothing when a consumer dies.
//!
//! **Python original.** The course's Redis consumer notes: a list `test`
//! popped with `brpop('test', 0)` and an `analyse(data)` that sleeps 2 s,
//! consumed three ways: a synchronous loop; a `ThreadPoolExecutor(4)` the
//! main thread submits to, with a done-callback that sleeps 1 s ("persist
//! to the database") and prints the result; and asyncio, where an async
//! generator calls the *blocking* `brpop` inside the event loop and `main`
//! gathers the tasks five at a time. Then the course's message-queue
//! notes: a `blpop` listener on `task:prodcons:queue`, a pub/sub listener
//! on `task:pubsub:channel`, both printing `Task get <item>`, and a Flask
//! front whose `/prodcons` pushes and `/pubsub` publishes a random 0–9,
//! driven by `siege -c10 -r 5`.
//!
//! **Rust mapping.**
//!
//! | Python | Rust |
//! |---|---|
//! | `redis.StrictRedis(host=…)` | `redis::Client::open(url)` ([`connect`]) |
//! | `cli.brpop('test', 0)` | `BRPOP test <idle>` ([`connect::brpop`]) |
//! | the synchronous loop | [`sync_model`] |
//! | `ThreadPoolExecutor` + `add_done_callback` | a channel and four threads ([`pool`]) |
//! | asyncio with a blocking `brpop` | [`async_batch`] (kept wrong on purpose) |
//! | — | [`async_fixed`]: an async pop, a semaphore |
//! | `rcon.blpop(queue, 0)` / `ps.listen()` | [`listen`] |
//! | the Flask front, `siege` | [`web`] (axum), [`web::siege`] |
//! | — | [`reliable`]: `BLMOVE`, `LREM`, a reaper |
//!
//! **Run it.** Every command finds Redis at `REDIS_URL`, or starts a
//! private `redis-server` for the run (`cargo xtask services up` prints a
//! `REDIS_URL` to share one between terminals).
//!
//! ```text
//! cargo run -p lesson-09-redis -- consume --model sync
//! cargo run -p lesson-09-redis -- consume --model async-batch --timeline
//! cargo run -p lesson-09-redis -- consume --model async --messages 1000
//! cargo run -p lesson-09-redis -- compare --messages 10 --timeline
//! cargo run -p lesson-09-redis -- listen --mode pubsub
//! cargo run -p lesson-09-redis -- web --port 5000
//! cargo run -p lesson-09-redis                # listeners, web and siege
//! cargo run -p lesson-09-redis -- reliable --consumers 3 --kill-one
//! cargo run --release -p lesson-09-redis -- measure
//! ```
//!
//! **What to notice.**
//!
//! - 20 messages at scale 0.05 (an analysis is 100 ms): `sync` takes 20
//!   analyses, `pool` 20 × 150 ms / 4, `async-batch` four batches of one
//!   analysis each, `async` one analysis. `measure` prints all four.
//! - In `async-batch` the heartbeat task never beats during a pop: the
//!   blocking `BRPOP` holds the runtime's only thread.
//! - A `BRPOP` consumer that dies mid-message has lost it: Redis gave it
//!   away at the pop. [`reliable`] moves it to a `processing` list
//!   instead, so a reaper can give it to another consumer.

pub mod analyse;
pub mod async_batch;
pub mod async_fixed;
pub mod connect;
pub mod listen;
pub mod measure;
pub mod pool;
pub mod reliable;
pub mod run;
pub mod sync_model;
pub mod web;

pub mod demo;

pub use analyse::Pace;
pub use measure::{Drain, Sizes, measure};
pub use run::{Consume, Model, Report, consume, consume_all};
