//! The binary's promises: one clear error line for a bad flag, `hunt`
//! prints a schedule that replays, and `measure` lines the tour parses.

use crate::common::LESSON;

#[test]
fn bad_flags_give_one_clear_error_and_status_2() {
    for (args, flag) in [
        (&["--meals", "0"][..], "--meals"),
        (&["--meals", "-3"], "--meals"),
        (&["--cooks", "0"], "--cooks"),
        (&["--eaters", "0"], "--eaters"),
        (&["--capacity", "0"], "--capacity"),
        (&["--scale", "-1"], "--scale"),
        (&["--scale", "NaN"], "--scale"),
        (&["--queue", "redis"], "--queue"),
        (&["--lang", "fr"], "--lang"),
        (&["hunt", "--bug", "typo"], "--bug"),
        (&["measure", "--items", "0"], "--items"),
    ] {
        LESSON.assert_bad_flag(args, flag);
    }
}

#[test]
fn a_capacity_of_zero_is_refused_with_the_reason() {
    let output = LESSON.run(&["--capacity", "0"]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("unbounded"), "{stderr}");
}

#[test]
fn hunt_prints_a_schedule_and_the_replay_fails_the_same_way() {
    let text = LESSON.run(&["hunt", "--bug", "lost-wakeup"]);
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("deadlock!"), "{text}");
    let schedule = text
        .lines()
        .find_map(|l| l.strip_prefix("schedule: "))
        .expect("a schedule line");
    let replayed = LESSON.assert_quiet_success(&[
        "hunt",
        "--bug",
        "lost-wakeup",
        "--replay",
        schedule,
    ]);
    assert!(replayed.starts_with("replayed: deadlock!"), "{replayed}");
}

#[test]
fn hunting_the_shipped_queue_finds_nothing() {
    let text = LESSON.assert_quiet_success(&[
        "hunt",
        "--bug",
        "queue",
        "--iterations",
        "500",
    ]);
    assert!(text.contains("no failure"), "{text}");
}

#[test]
fn measure_prints_two_figures_per_queue_the_tour_can_parse() {
    let figures = LESSON.figures(&[
        "measure",
        "--items",
        "3000",
        "--round-trips",
        "300",
        "--rounds",
        "1",
    ]);
    let names: Vec<_> = figures.iter().map(|f| f.name.as_str()).collect();
    let queues = ["ours", "std", "crossbeam", "may", "tokio"];
    let expected: Vec<String> = queues
        .iter()
        .map(|q| format!("items_per_sec_{q}"))
        .chain(queues.iter().map(|q| format!("handoff_ns_{q}")))
        .collect();
    assert_eq!(names, expected);
    assert!(figures.iter().all(|f| f.value > 0.0));
}

#[test]
fn hunt_prints_what_the_book_shows() {
    // Shuttle's scheduler is seeded (`--seed 1` by default), so a hunt
    // finds the same schedule, and tells the same story, every time.
    for (bug, book) in [
        (
            "lost-wakeup",
            include_str!("../../output/hunt-lost-wakeup.txt"),
        ),
        ("overfill", include_str!("../../output/hunt-overfill.txt")),
    ] {
        let output = LESSON.run(&["hunt", "--bug", bug]);
        assert!(output.status.success(), "hunt --bug {bug}");
        assert_eq!(String::from_utf8(output.stdout).unwrap(), book, "{bug}");
    }
}
