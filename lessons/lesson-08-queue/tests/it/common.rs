//! What the tests share: the binary, and a reader of the demo's lines.

use shared::cli_check::LessonBinary;

/// The lesson's binary, built by cargo for the tests.
pub(crate) const LESSON: LessonBinary =
    LessonBinary::new(env!("CARGO_BIN_EXE_lesson-08-queue"));

/// One printed line, read back: who, what, and the count it printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    pub(crate) cook: bool,
    pub(crate) name: String,
    pub(crate) elem: u32,
    pub(crate) qsize: usize,
}

/// Reads a line in either language; panics on anything else, which is
/// the format check.
pub(crate) fn parse(line: &str) -> Line {
    let patterns = [
        (true, "厨师 ", " 做了 ", " 饭 --- 还剩 ", " 饭没卖完"),
        (false, "吃货", " 吃了 ", " 饭 --- 还有 ", " 饭可以吃"),
        (true, "cook ", " made meal ", " --- ", " left unsold"),
        (false, "eater ", " ate meal ", " --- ", " left to eat"),
    ];
    for (cook, start, verb, middle, end) in patterns {
        let Some(rest) = line.strip_prefix(start) else {
            continue;
        };
        let Some(rest) = rest.strip_suffix(end) else {
            continue;
        };
        let (name, rest) = rest.split_once(verb).expect(line);
        let (elem, qsize) = rest.split_once(middle).expect(line);
        assert!(name.starts_with("Thread-"), "{line}");
        return Line {
            cook,
            name: name.to_owned(),
            elem: elem.parse().expect(line),
            qsize: qsize.parse().expect(line),
        };
    }
    panic!("not a line of the restaurant: {line:?}");
}

/// Each thread's lines in order, with the count left out: what does not
/// depend on the OS scheduler when the dice are seeded.
pub(crate) fn per_thread(text: &str, cooks: bool) -> Vec<(String, Vec<u32>)> {
    let mut threads: Vec<(String, Vec<u32>)> = Vec::new();
    for line in text.lines().map(parse).filter(|l| l.cook == cooks) {
        match threads.iter_mut().find(|(name, _)| *name == line.name) {
            Some((_, elems)) => elems.push(line.elem),
            None => threads.push((line.name, vec![line.elem])),
        }
    }
    threads.sort();
    threads
}

/// Every elem made and every elem eaten, sorted: equal when nothing was
/// lost or eaten twice.
pub(crate) fn made_and_eaten(text: &str) -> (Vec<u32>, Vec<u32>) {
    let lines: Vec<_> = text.lines().map(parse).collect();
    let mut made: Vec<_> =
        lines.iter().filter(|l| l.cook).map(|l| l.elem).collect();
    let mut eaten: Vec<_> =
        lines.iter().filter(|l| !l.cook).map(|l| l.elem).collect();
    made.sort_unstable();
    eaten.sort_unstable();
    (made, eaten)
}
