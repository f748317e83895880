//! The printed transcript: the same as Python's, whatever the variant.

use clap::ValueEnum;
use lesson_01_yield::{Config, Variant, run};

fn transcript(config: &Config) -> String {
    run(config).unwrap().transcript.text()
}

#[test]
fn the_default_run_prints_the_python_output_for_every_variant() {
    for &variant in Variant::value_variants() {
        let config = Config {
            variant,
            ..Config::default()
        };
        assert_eq!(
            transcript(&config),
            crate::common::PYTHON,
            "variant {variant}"
        );
    }
}

#[test]
fn three_consumers_and_seven_baozi_eat_in_order_every_round() {
    let mut expected = "--->starting eating baozi...\n".repeat(3);
    for n in 1..=7 {
        for c in ["c1", "c2", "c3"] {
            expected += &format!("[{c}] is eating baozi {n}\n");
        }
        expected += &format!("[producer] is making baozi {n}\n");
    }
    for &variant in Variant::value_variants() {
        let config = Config {
            consumers: 3,
            baozi: 7,
            variant,
            ..Config::default()
        };
        assert_eq!(transcript(&config), expected, "variant {variant}");
    }
}

#[test]
fn zero_baozi_only_primes_the_consumers() {
    for &variant in Variant::value_variants() {
        let config = Config {
            baozi: 0,
            variant,
            ..Config::default()
        };
        assert_eq!(
            transcript(&config),
            "--->starting eating baozi...\n--->starting eating baozi...\n",
            "variant {variant}"
        );
    }
}

#[test]
fn a_run_without_consumers_is_refused_with_a_message() {
    let config = Config {
        consumers: 0,
        ..Config::default()
    };
    let error = run(&config).unwrap_err();
    assert!(
        error.to_string().contains("at least one consumer"),
        "{error}"
    );
}
