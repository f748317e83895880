//! Lesson 07: gevent's many-socket server, a coroutine per connection.
//!
//! (opening written below)

pub mod client;
pub mod green;
pub mod handler;
pub mod hold;
pub mod measure;
pub mod run;
pub mod serve;

pub use handler::{
    Conn, Log, Mode, Stream, block_now, handle_request, py_error,
};
pub use serve::{Runtime, Server, serve};
