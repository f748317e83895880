//! The recorded trace: a blocking eat stops everyone, in every variant.

use clap::ValueEnum;
use lesson_01_yield::{Config, Variant, run};
use shared::State;

/// The course's `time.sleep(1)`, shortened: long enough to be a real
/// blocking sleep, short enough for a test.
const EAT_MS: u64 = 5;

#[test]
fn blocking_eats_never_overlap_and_each_baozi_is_eaten_once() {
    for &variant in Variant::value_variants() {
        let config = Config {
            baozi: 3,
            eat_ms: EAT_MS,
            variant,
            trace: true,
            ..Config::default()
        };
        let snap = run(&config).unwrap().trace.snapshot();

        let eats: Vec<_> = snap.spans_in(State::Blocked).collect();
        assert_eq!(eats.len(), 2 * 3, "variant {variant}");
        assert_eq!(
            snap.peak_overlap(eats.iter().copied()),
            1,
            "variant {variant}: two consumers ate at once"
        );

        // One span per (consumer, baozi), taken in the producer's order:
        // c1 eats 1, c2 eats 1, c1 eats 2, ...
        let order: Vec<_> = eats
            .iter()
            .map(|e| format!("{} {}", snap.lane_name(e.lane), e.label))
            .collect();
        let expected = [
            "c1 eat 1", "c2 eat 1", "c1 eat 2", "c2 eat 2", "c1 eat 3",
            "c2 eat 3",
        ];
        assert_eq!(order, expected, "variant {variant}");

        // And the producer announces baozi n only once both have eaten it:
        // it was stopped, not running beside them.
        let producer = snap.lane_id("producer").unwrap();
        let makes: Vec<_> =
            snap.marks().filter(|m| m.lane == producer).collect();
        assert_eq!(makes.len(), 3);
        for (n, make) in makes.iter().enumerate() {
            assert_eq!(
                make.label,
                format!("[producer] is making baozi {}", n + 1)
            );
            let last_eat = eats[2 * n + 1];
            assert!(make.start >= last_eat.end(), "variant {variant}");
        }
    }
}

#[test]
fn without_a_sleep_eating_is_running_not_blocked() {
    for &variant in Variant::value_variants() {
        let config = Config {
            variant,
            trace: true,
            ..Config::default()
        };
        let snap = run(&config).unwrap().trace.snapshot();
        assert_eq!(snap.spans_in(State::Blocked).count(), 0);
        assert_eq!(snap.spans_in(State::Running).count(), 2 * 5);
    }
}

#[test]
fn an_untraced_run_records_nothing() {
    let snap = run(&Config::default()).unwrap().trace.snapshot();
    assert!(snap.events.is_empty());
}
