//! Shuttle's verdicts: it finds both naive bugs, and passes the shipped
//! `Queue` under thousands of random and PCT schedules.

use lesson_08_queue::{Scenario, Strategy, hunt, replay};

/// Schedules per check: each is a few dozen steps, so five thousand take
/// a few seconds in a debug build.
const ITERATIONS: usize = 5_000;

#[test]
#[should_panic(expected = "deadlock")]
fn one_condvar_and_notify_one_deadlock_under_random_schedules() {
    shuttle::check_random(lesson_08_queue::lost_wakeup, ITERATIONS);
}

#[test]
#[should_panic(expected = "deadlock")]
fn one_condvar_and_notify_one_deadlock_under_pct() {
    shuttle::check_pct(lesson_08_queue::lost_wakeup, ITERATIONS, 3);
}

#[test]
#[should_panic(expected = "overfilled")]
fn check_then_put_overfills_under_random_schedules() {
    shuttle::check_random(lesson_08_queue::overfill, ITERATIONS);
}

#[test]
#[should_panic(expected = "overfilled")]
fn check_then_put_overfills_under_pct() {
    shuttle::check_pct(lesson_08_queue::overfill, ITERATIONS, 3);
}

#[test]
fn the_shipped_queue_passes_random_schedules() {
    shuttle::check_random(lesson_08_queue::queue, ITERATIONS);
}

#[test]
fn the_shipped_queue_passes_pct_schedules() {
    shuttle::check_pct(lesson_08_queue::queue, ITERATIONS, 3);
}

#[test]
fn a_found_schedule_replays_to_the_same_failure() {
    for scenario in [Scenario::LostWakeup, Scenario::Overfill] {
        let found = hunt(scenario, Strategy::Random, 1, ITERATIONS)
            .unwrap_or_else(|| panic!("{scenario}: nothing found"));
        assert!(!found.schedule.is_empty(), "{scenario}: {found:?}");
        let again = replay(scenario, &found.schedule);
        assert_eq!(again.as_deref(), Some(found.failure.as_str()));
    }
}

#[test]
fn the_same_seed_finds_the_same_schedule() {
    let first = hunt(Scenario::LostWakeup, Strategy::Pct, 7, ITERATIONS);
    let second = hunt(Scenario::LostWakeup, Strategy::Pct, 7, ITERATIONS);
    assert!(first.is_some());
    assert_eq!(first, second);
}

#[test]
fn hunting_on_the_shipped_queue_finds_nothing() {
    assert_eq!(hunt(Scenario::Queue, Strategy::Pct, 1, ITERATIONS), None);
}
