//! Work in progress: replaced by the issue that builds it.

fn main() {}
