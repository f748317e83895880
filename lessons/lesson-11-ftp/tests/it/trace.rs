//! Several transfers on one thread: from the traced run, no two
//! connections ever ran at once, yet their transfers overlapped in time,
//! each taking many turns.

use lesson_11_ftp::{Impl, interleave};
use shared::State;

#[test]
fn transfers_take_turns_on_one_thread_and_overlap_in_time() {
    for &imp in Impl::all() {
        let trace = interleave::interleave(imp, 4 << 20, true).unwrap();
        let snap = trace.snapshot();
        let conns: Vec<Vec<_>> = (1..=3)
            .map(|n| {
                snap.spans_on(&format!("conn {n}"))
                    .filter(|s| s.state() == Some(State::Running))
                    .collect()
            })
            .collect();
        for (i, spans) in conns.iter().enumerate() {
            // 4 MiB at most 1 MiB per turn: at least four turns each.
            assert!(
                spans.len() >= 4,
                "{imp:?} conn {}: {}",
                i + 1,
                spans.len()
            );
        }
        let all: Vec<_> = conns.iter().flatten().collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert!(
                    !a.overlaps(b),
                    "{imp:?}: two turns at once: {a:?} {b:?}"
                );
            }
        }
        for a in &conns {
            for b in &conns {
                let (a_first, b_last) = (a[0].start, b[b.len() - 1].end());
                assert!(
                    a_first < b_last,
                    "{imp:?}: one transfer ended before another began"
                );
            }
        }
    }
}
