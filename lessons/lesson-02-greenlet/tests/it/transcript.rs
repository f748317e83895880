//! The printed transcript: the same as Python's, on either switch.

use crate::common;

use clap::ValueEnum;
use lesson_02_greenlet::{BARE_AVAILABLE, Config, Impl, run};

fn transcript(config: &Config) -> String {
    run(config).unwrap().transcript.text()
}

/// The implementations this platform has.
fn impls() -> Vec<Impl> {
    Impl::value_variants()
        .iter()
        .copied()
        .filter(|i| *i != Impl::Bare || BARE_AVAILABLE)
        .collect()
}

#[test]
fn the_default_run_prints_12_56_34_78() {
    assert_eq!(transcript(&Config::default()), common::PYTHON);
}

#[test]
fn every_switch_prints_the_python_output() {
    for implementation in impls() {
        let config = Config {
            implementation,
            ..Config::default()
        };
        assert_eq!(transcript(&config), common::PYTHON, "{implementation:?}");
    }
}

#[test]
fn a_blocking_sleep_changes_nothing_in_the_output() {
    for implementation in impls() {
        let config = Config {
            implementation,
            sleep_ms: 2,
            ..Config::default()
        };
        assert_eq!(transcript(&config), common::PYTHON, "{implementation:?}");
    }
}

#[test]
fn the_demo_can_run_many_times_on_one_thread() {
    // Each run leaves gr1 suspended; dropping it must unwind it cleanly,
    // so the next run starts from a clean slate.
    for _ in 0..50 {
        assert_eq!(transcript(&Config::default()), common::PYTHON);
    }
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
#[test]
fn bare_is_refused_with_a_message_elsewhere() {
    let config = Config {
        implementation: Impl::Bare,
        ..Config::default()
    };
    let error = run(&config).unwrap_err();
    assert!(error.to_string().contains("not available"), "{error}");
}
