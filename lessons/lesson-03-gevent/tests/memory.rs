//! `spawn_report`: many tasks alive at once on every runtime all return
//! their own index, and the memory they took is seen by the kernel.
//!
//! A test binary of its own, and one test function, on purpose: the
//! resident-memory figures are for the whole process, so a report
//! measured while another test runs (another test function, or the
//! modules of `tests/it`) would see that test's memory too.

use std::time::Duration;

use lesson_03_gevent::{
    AnySpawner, Runtime, SpawnReport, WARM_BATCHES, spawn_report,
    spawn_report_on, sweep,
};

/// 10,000 tasks per batch: every one completes and returns its own
/// result.
const COUNT: usize = 10_000;

fn check(who: &str, report: &SpawnReport, count: usize) {
    assert!(report.checked, "{who}: {:?}", report.first_error);
    assert_eq!(report.first_error, None, "{who}");
    let batches = 1 + WARM_BATCHES;
    assert_eq!(report.completed, batches * count, "{who}: every batch");
    assert_eq!(report.count, count);
    assert!(report.ns_per_task > 0.0 && report.cold_ns_per_task > 0.0);
    if cfg!(target_os = "linux") {
        // At least the vector of results (one `Result` per task) was
        // resident while the first batch was joined.
        let bytes = report.bytes_per_task.expect("Linux has /proc");
        assert!(bytes > 0.0, "{who}: {bytes} bytes per task");
    }
}

#[test]
fn every_runtime_runs_ten_thousand_tasks_and_each_returns_its_index() {
    for (runtime, workers) in [
        (Runtime::Hub, 1),
        (Runtime::May, 1),
        (Runtime::Tokio, 1),
        (Runtime::Tokio, 2),
    ] {
        let report = spawn_report(runtime, workers, COUNT, Duration::ZERO)
            .unwrap_or_else(|e| panic!("{runtime} × {workers}: {e}"));
        check(&format!("{runtime} × {workers}"), &report, COUNT);
    }
    // A thousand sleeping tasks on the hub are alive at once, and still
    // each returns its own index.
    let report =
        spawn_report(Runtime::Hub, 1, 1_000, Duration::from_millis(1)).unwrap();
    check("hub, sleeping", &report, 1_000);

    // OS threads, a hundred: the control group.
    let report =
        spawn_report_on(&AnySpawner::Threads, 100, Duration::ZERO).unwrap();
    check("threads", &report, 100);

    // The sweep, in this process: one point per spawner at 1,000 tasks.
    let points = sweep::run(&[1_000], sweep::in_process).unwrap();
    let who: Vec<_> = points.iter().map(|p| p.who).collect();
    assert_eq!(who, sweep::contenders());
    assert!(
        points
            .iter()
            .all(|p| p.count == 1_000 && p.ns_per_task > 0.0)
    );
}

#[test]
fn counts_out_of_range_are_refused_before_anything_runs() {
    for count in [0, 1_000_001] {
        let error =
            spawn_report_on(&AnySpawner::Threads, count, Duration::ZERO)
                .unwrap_err();
        assert!(error.to_string().contains("count must be"), "{error}");
    }
    let error = spawn_report(Runtime::Hub, 2, 10, Duration::ZERO).unwrap_err();
    assert!(error.to_string().starts_with("the hub is one OS thread"));
}
