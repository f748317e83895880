//! The traced run of the chapter's figure: what the trace says about
//! connections on the hub.

use std::time::Duration;

use lesson_07_many_sockets::lanes::paused_clients;
use shared::{State, Trace};

#[test]
fn connections_run_one_at_a_time_and_wait_in_between() {
    let trace = Trace::new();
    paused_clients(3, Duration::from_millis(10), &trace).expect("a run");
    let snap = trace.snapshot();
    let mut running = Vec::new();
    for n in 1..=3 {
        let spans: Vec<_> = snap
            .spans_on(&format!("conn {n}"))
            .filter(|e| e.state() == Some(State::Running))
            .cloned()
            .collect();
        // Resumed for each of its three messages and for the close: at
        // least four stretches on the CPU, parked in between.
        assert!(spans.len() >= 4, "conn {n}: {spans:?}");
        running.extend(spans);
    }
    // One thread: no two connections' stretches overlap.
    for (i, a) in running.iter().enumerate() {
        for b in &running[i + 1..] {
            assert!(!a.overlaps(b), "{a:?} overlaps {b:?}");
        }
    }
    // The hub went idle (into epoll_wait) between them.
    assert!(snap.marks().any(|m| m.label == "idle"));
}
