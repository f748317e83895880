//! The workspace's checks, as xtask's tests: plain `cargo test --workspace`
//! runs them, and so does `cargo xtask test`.
//!
//! - [`tidy`]: every lesson is wired in (package name, opening doc,
//!   chapter, README row), the dependency rule holds, no book anchor is
//!   left unused, and every test that needs a broker says so in its
//!   `#[ignore]`.
//! - [`book`]: the book builds, and every include, chapter, link and
//!   image resolves.

mod book;
mod tidy;

use std::path::{Path, PathBuf};

/// The workspace root: this crate lives in `xtask/`.
fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    here.canonicalize().unwrap_or(here)
}
