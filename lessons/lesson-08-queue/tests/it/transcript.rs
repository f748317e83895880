//! The printed lines: the course's format in both languages, every meal
//! eaten, and what a seed fixes.

use crate::common::{LESSON, made_and_eaten, parse, per_thread};

#[test]
fn the_default_run_prints_the_course_s_lines_for_12_meals() {
    let text = LESSON.assert_quiet_success(&[]);
    let lines: Vec<_> = text.lines().map(parse).collect();
    assert_eq!(lines.len(), 24, "{text}");
    let cooks: Vec<_> = lines.iter().filter(|l| l.cook).collect();
    assert_eq!(cooks.len(), 12);
    assert!(cooks.iter().all(|l| {
        ["Thread-1", "Thread-2", "Thread-3"].contains(&l.name.as_str())
    }));
    assert!(
        lines
            .iter()
            .filter(|l| !l.cook)
            .all(|l| ["Thread-4", "Thread-5"].contains(&l.name.as_str()))
    );
    assert!(lines.iter().all(|l| l.elem < 9 && l.qsize <= 10));
    // The course's Chinese lines by default. Not "a cook's line first":
    // an eater that is spinning for food can take the first meal and
    // print before the cook who put it has printed.
    assert!(
        text.lines()
            .all(|l| l.starts_with("厨师 Thread-")
                || l.starts_with("吃货Thread-")),
        "{text}"
    );
    let (made, eaten) = made_and_eaten(&text);
    assert_eq!(made, eaten);
}

#[test]
fn english_lines_translate_the_same_run() {
    let args = ["--seed", "3", "--scale", "0.01"];
    let zh = LESSON.assert_quiet_success(&args);
    let en =
        LESSON.assert_quiet_success(&[&args[..], &["--lang", "en"]].concat());
    assert!(
        en.lines()
            .all(|l| l.starts_with("cook Thread-")
                || l.starts_with("eater Thread-")),
        "{en}"
    );
    assert_eq!(per_thread(&zh, true), per_thread(&en, true));
}

#[test]
fn one_cook_one_eater_and_a_seed_give_the_same_meals_every_time() {
    let args = [
        "--cooks", "1", "--eaters", "1", "--seed", "7", "--scale", "0.01",
    ];
    let first = LESSON.assert_quiet_success(&args);
    let second = LESSON.assert_quiet_success(&args);
    assert_eq!(per_thread(&first, true), per_thread(&second, true));
    assert_eq!(per_thread(&first, false), per_thread(&second, false));
    // One eater and a first-in-first-out queue: eaten in the order made.
    let made = &per_thread(&first, true)[0].1;
    let eaten = &per_thread(&first, false)[0].1;
    assert_eq!(made, eaten);
    assert_eq!(per_thread(&first, false)[0].0, "Thread-2");
}

#[test]
fn every_queue_prints_the_same_cooks_lines_for_a_seed() {
    let base = ["--seed", "11", "--scale", "0.005", "--meals", "9"];
    let ours = per_thread(&LESSON.assert_quiet_success(&base), true);
    for queue in ["std", "crossbeam", "may", "tokio"] {
        let args = [&base[..], &["--queue", queue]].concat();
        let text = LESSON.assert_quiet_success(&args);
        assert_eq!(per_thread(&text, true), ours, "--queue {queue}");
        let (made, eaten) = made_and_eaten(&text);
        assert_eq!(made, eaten, "--queue {queue}");
    }
}

#[test]
fn the_book_s_run_has_the_cooks_lines_a_run_with_its_seed_prints() {
    // The book shows a real run (`--seed 1`): who ate what, and the counts,
    // vary from run to run; what each cook made does not.
    let book = include_str!("../../output/seed-1.txt");
    let now = LESSON.assert_quiet_success(&["--seed", "1", "--scale", "0.01"]);
    assert_eq!(per_thread(book, true), per_thread(&now, true));
    let (made, eaten) = made_and_eaten(book);
    assert_eq!(made, eaten);
    assert!(book.lines().map(parse).all(|l| l.qsize <= 10));
    // The chapter points at its first two lines: two meals made, no
    // eater line yet, and both cooks print 1. An eater took the first
    // between the second put and its print.
    let first: Vec<_> = book.lines().take(2).map(parse).collect();
    assert!(first.iter().all(|l| l.cook && l.qsize == 1), "{first:?}");
}
