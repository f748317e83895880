//! The tour's integration tests, as one test binary (one link on two cores
//! instead of one per file): one module per area.

mod charts;
mod cli;
mod json;
mod numbers;
mod peers;
