//! A panic inside a greenlet reaches its parent, main, as an error that
//! names the greenlet: from the library, and from the binary as one
//! `error:` line and status 1.

use clap::ValueEnum;
use lesson_02_greenlet::{BARE_AVAILABLE, Config, Impl, Who, run};
use shared::cli_check::LessonBinary;

const LESSON: LessonBinary =
    LessonBinary::new(env!("CARGO_BIN_EXE_lesson-02-greenlet"));

/// The implementations this platform has, with what they call a
/// greenlet in their errors.
fn impls() -> Vec<(Impl, &'static str)> {
    let mut impls = vec![(Impl::Greenlet, "greenlet")];
    if BARE_AVAILABLE {
        impls.push((Impl::Bare, "fiber"));
    }
    impls
}

#[test]
fn a_greenlets_panic_comes_back_to_main_as_an_error_naming_it() {
    for (implementation, kind) in impls() {
        for who in Who::value_variants().iter().copied() {
            let config = Config {
                implementation,
                panic_in: Some(who),
                ..Config::default()
            };
            let name = who.to_possible_value().unwrap().get_name().to_owned();
            let error = run(&config).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!("{kind} {name} panicked: asked to panic by --panic-in")
            );
        }
    }
}

#[test]
fn the_binary_reports_the_panic_as_one_error_line_and_status_1() {
    for (implementation, kind) in impls() {
        let implementation = implementation
            .to_possible_value()
            .unwrap()
            .get_name()
            .to_owned();
        // gr1 panics right after its first line; gr2 after its own.
        for (who, printed) in [("gr1", "12\n"), ("gr2", "12\n56\n")] {
            let args = ["--impl", &implementation, "--panic-in", who];
            let start = format!("error: {kind} {who} panicked");
            let output = LESSON.assert_one_error_line(&args, &start);
            assert_eq!(String::from_utf8(output.stdout).unwrap(), printed);
        }
    }
}

#[test]
fn panic_in_takes_only_the_demos_greenlets() {
    LESSON.assert_bad_flag(&["--panic-in", "gr3"], "--panic-in");
}
