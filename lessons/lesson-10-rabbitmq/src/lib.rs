//! Lesson 10: RabbitMQ. The course's pika programs (hello world, the work
//! queue, fanout, direct and topic exchanges, RPC) on lapin and tokio,
//! and the broker's promises shown by real failures: a killed worker's
//! message redelivered, a durable queue surviving a restart, fair
//! dispatch with a prefetch of one.
//!
//! TODO opening
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
