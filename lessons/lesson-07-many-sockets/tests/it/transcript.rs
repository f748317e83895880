//! The course's server's lines, for a client that sends `hello 0..2` and
//! closes: the same on every runtime, and the same as CPython with gevent
//! prints (`output/faithful.txt`).

use lesson_07_many_sockets::{Mode, Runtime, run};

use crate::common::fd_lock;

const FAITHFUL: &str = include_str!("../../output/faithful.txt");
const FIXED: &str = include_str!("../../output/fixed.txt");

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

#[test]
fn the_faithful_handler_prints_what_gevent_prints_on_every_runtime() {
    let _quiet_descriptors = fd_lock();
    for runtime in Runtime::ALL {
        let got = run::scripted(runtime, Mode::Faithful).expect("a run");
        assert_eq!(got, lines(FAITHFUL), "{runtime:?}");
    }
}

#[test]
fn the_fixed_handler_stops_at_the_clients_close() {
    let _quiet_descriptors = fd_lock();
    for runtime in Runtime::ALL {
        let got = run::scripted(runtime, Mode::Fixed).expect("a run");
        assert_eq!(got, lines(FIXED), "{runtime:?}");
    }
}

#[test]
fn the_default_run_prints_the_faithful_transcript() {
    let _its_pipes_are_not_a_servers = fd_lock();
    let out = std::process::Command::new(env!(
        "CARGO_BIN_EXE_lesson-07-many-sockets"
    ))
    .output()
    .expect("runs");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), FAITHFUL);
}
