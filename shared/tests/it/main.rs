//! `shared`'s integration tests, as one test binary (one link on two
//! cores instead of one per file): one module per area. The tests of
//! `shared::services` live in its module files (they need the
//! `services` feature and, for the ignored ones, the servers).

mod cli_check;
mod delay_server;
mod render;
