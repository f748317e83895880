//! What each model's threads did, from the recorded traces: the blocking
//! server serves clients one after another, the others at once.

use lesson_05_io_models::{Model, Server, read_phases, server_models};
use shared::{Snapshot, State, Trace, Transcript};

use crate::common::serial;

fn run(model: Model, clients: usize) -> (Snapshot, Vec<String>) {
    run_pausing(model, clients, 2)
}

fn run_pausing(
    model: Model,
    clients: usize,
    pause_ms: u64,
) -> (Snapshot, Vec<String>) {
    let trace = Trace::new();
    let out = Transcript::quiet();
    server_models(model, clients, pause_ms, &trace, &out).unwrap();
    (trace.snapshot(), out.lines())
}

/// The server's spans for connection `c` (labelled `c1 recv`, ...).
fn server_spans<'a>(
    snap: &'a Snapshot,
    c: usize,
) -> impl Iterator<Item = &'a shared::Event> + 'a {
    let prefix = format!("c{c} ");
    snap.events.iter().filter(move |e| {
        e.state().is_some()
            && e.label.starts_with(&prefix)
            && !snap.lane_name(e.lane).starts_with("client")
    })
}

#[test]
fn every_client_gets_both_replies_under_every_model() {
    let _serial = serial();
    for model in Model::usable() {
        let (_, mut lines) = run(model, 3);
        lines.sort();
        let mut expected = Vec::new();
        for c in 1..=3 {
            expected.push(format!("[c{c}] received b'IT WILL BE SENT '"));
            expected.push(format!("[c{c}] received b'THIS IS THE MESSAGE. '"));
        }
        expected.sort();
        assert_eq!(lines, expected, "{model}");
    }
}

#[test]
fn the_blocking_server_serves_one_client_after_another() {
    let _serial = serial();
    let (snap, _) = run(Model::Blocking, 3);
    for c in 1..3 {
        let last_of_this =
            server_spans(&snap, c).map(|e| e.end()).max().unwrap();
        let first_of_next =
            server_spans(&snap, c + 1).map(|e| e.start).min().unwrap();
        assert!(
            last_of_this <= first_of_next,
            "c{} started before c{c} ended",
            c + 1
        );
    }
    // And all of it on one thread.
    assert!(snap.lane_id("server thread").is_some());
    assert_eq!(
        snap.lanes
            .iter()
            .filter(|l| l.starts_with("thread"))
            .count(),
        0
    );
}

#[test]
fn thread_per_connection_waits_for_all_clients_at_once() {
    let _serial = serial();
    // A pause long enough that every thread is surely inside `recv` while
    // the clients pause, even on a loaded machine.
    let (snap, _) = run_pausing(Model::ThreadPerConnection, 3, 20);
    let recvs: Vec<_> = snap
        .spans_in(State::Blocked)
        .filter(|e| snap.lane_name(e.lane).starts_with("thread c"))
        .collect();
    assert_eq!(snap.peak_overlap(recvs.iter().copied()), 3);
}

#[test]
fn the_event_loops_use_one_thread_and_wait_in_one_call() {
    let _serial = serial();
    for (model, wait) in [
        (Model::Select, "select"),
        (Model::Poll, "poll"),
        (Model::Epoll, "epoll_wait"),
        (Model::Mio, "poll"),
        (Model::IoUring, "io_uring_enter"),
    ] {
        if !Model::usable().contains(&model) {
            eprintln!("skipped {model}: not available on this machine");
            continue;
        }
        let (snap, _) = run(model, 3);
        let server_lanes: Vec<_> = snap
            .lanes
            .iter()
            .filter(|l| !l.starts_with("client"))
            .collect();
        assert_eq!(server_lanes, ["event loop"], "{model}");
        let waits: Vec<_> = snap
            .spans_on("event loop")
            .filter(|e| e.label == wait)
            .collect();
        assert!(!waits.is_empty(), "{model}");
        assert!(waits.iter().all(|e| e.state() == Some(State::Waiting)));
        // One thread served every connection: each client's work shows
        // up on the one event-loop lane.
        for c in 1..=3 {
            let prefix = format!("c{c} ");
            assert!(
                snap.spans_on("event loop")
                    .any(|e| e.label.starts_with(&prefix)),
                "{model}: c{c} was not served on the event loop"
            );
        }
    }
}

#[test]
fn the_busy_loop_spins_on_eagain_between_clients() {
    let _serial = serial();
    let (snap, _) = run(Model::Nonblocking, 2);
    let spins = snap
        .spans_on("busy loop")
        .filter(|e| e.label == "spin on EAGAIN")
        .count();
    assert!(spins >= 1);
}

#[test]
fn the_read_phases_show_waiting_then_copying() {
    let _serial = serial();
    let trace = Trace::new();
    // Long enough that every reader is surely waiting before the data is
    // sent, even on a loaded machine.
    read_phases(&trace, 30).unwrap();
    let snap = trace.snapshot();
    let blocking: Vec<_> = snap.spans_on("blocking").collect();
    assert!(blocking.iter().all(|e| e.state() == Some(State::Blocked)));
    for (lane, wait) in [("select", "select"), ("epoll", "epoll_wait")] {
        let spans: Vec<_> = snap.spans_on(lane).collect();
        assert_eq!(spans[0].label, wait);
        assert_eq!(spans[0].state(), Some(State::Waiting));
        assert_eq!(spans[1].label, "recv: copy");
        assert_eq!(spans[1].state(), Some(State::Running));
        assert!(spans[0].end() <= spans[1].start);
    }
    let busy: Vec<_> = snap.spans_on("nonblocking").collect();
    assert!(
        busy[0].label.starts_with("recv: EAGAIN x"),
        "{}",
        busy[0].label
    );
    assert_eq!(busy[0].state(), Some(State::Running));
    // Signal-driven IO is not built, and the lane says so.
    let sigio = snap.lane_id("signal-driven (SIGIO)").unwrap();
    assert!(
        snap.marks()
            .any(|m| m.lane == sigio && m.label.starts_with("not built"))
    );
    // io_uring: one wait for both phases, or a lane that says why not.
    let uring = snap.lane_id("asynchronous (io_uring)").unwrap();
    if lesson_05_io_models::uring::available().is_ok() {
        let spans: Vec<_> = snap.spans_on("asynchronous (io_uring)").collect();
        assert_eq!(spans[0].state(), Some(State::Waiting));
        assert!(spans[0].label.starts_with("io_uring_enter"));
        assert_eq!(spans[1].label, "bytes already in buf");
    } else {
        assert!(
            snap.marks()
                .any(|m| m.lane == uring && m.label.starts_with("not built"))
        );
    }
}

#[test]
fn a_server_that_is_never_used_still_stops() {
    let _serial = serial();
    for model in Model::usable() {
        let server = Server::start(model).unwrap();
        let stats = server.stop().unwrap();
        assert_eq!(stats.connections, 0, "{model}");
    }
}
