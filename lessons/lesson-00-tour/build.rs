//! Records the compiler's version for the `numbers` run's `machine.csv`:
//! the figures were measured with code this compiler built, so the
//! version belongs next to them. Cargo tells a build script which `rustc`
//! it uses (`RUSTC`); its `--version` line is passed on to the crate as
//! the environment variable `TOUR_RUSTC_VERSION`.

use std::process::Command;

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|text| text.trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=TOUR_RUSTC_VERSION={version}");
    println!("cargo:rerun-if-env-changed=RUSTC");
}
