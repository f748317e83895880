//! The default run prints the course's lines, in the course's order: the
//! sequential fetches strictly one after another, the concurrent ones all
//! started before the first answer, answered fastest first.

use lesson_04_fetch::{Config, run};

#[test]
fn the_default_run_prints_the_course_transcript() {
    let run = run(&Config::default()).unwrap();
    let addr = run.server.unwrap().to_string();
    let text = run.transcript.text();
    assert_eq!(
        crate::common::masked(&text, &addr),
        crate::common::DEMO,
        "{text}"
    );
    assert_eq!(run.failures(), 0);
    let peaks: Vec<_> = run.reports.iter().map(|r| r.peak_in_flight).collect();
    assert_eq!(peaks, [Some(1), Some(3)]);
}

#[test]
fn an_untraced_run_records_nothing_but_its_lines() {
    let run = run(&Config::default()).unwrap();
    assert!(run.trace.snapshot().events.is_empty());
}
