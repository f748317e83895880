//! The workspace's dev tooling, run as `cargo xtask ...`.
use std::process::ExitCode;

mod install;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["services", "install"] => match install::install() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        _ => ExitCode::FAILURE,
    }
}
