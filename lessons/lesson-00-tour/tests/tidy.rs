//! Every lesson is wired in everywhere a learner looks for it.
//!
//! A lesson crate is not done until it has all of the pieces in
//! `DESIGN.md`'s lesson anatomy. This test checks the ones a machine can:
//! for each `lessons/lesson-NN-topic` folder,
//!
//! - its `Cargo.toml` package name is the folder name (so `cargo run -p`
//!   and `just run N` find it);
//! - its `src/lib.rs` opens with a `//!` doc comment (the lesson's summary,
//!   Python original, Rust mapping, how to run it, what to notice);
//! - `book/src/SUMMARY.md` links its chapter, a file named `NN-*.md`;
//! - the README's lesson table has a row for it, and that row's links
//!   resolve.
//!
//! The tour (`lesson-00-tour`) is not a lesson with a chapter of its own: it
//! is checked for its package name and its README row only.
//!
//! Each check is a plain function from text to an optional complaint that
//! says how to fix it, tested below on synthetic inputs.

use std::fs;
use std::path::{Path, PathBuf};

/// The workspace root: this crate lives in `lessons/lesson-00-tour`.
fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    here.canonicalize().unwrap_or(here)
}

/// The two-digit number of a lesson folder: `lesson-01-yield` → `01`.
/// `None` for a name that is not `lesson-NN-topic`.
fn lesson_number(folder: &str) -> Option<&str> {
    let rest = folder.strip_prefix("lesson-")?;
    let (number, topic) = rest.split_once('-')?;
    let well_formed = number.len() == 2
        && number.bytes().all(|b| b.is_ascii_digit())
        && !topic.is_empty()
        && topic
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    well_formed.then_some(number)
}

/// The `name` of the `[package]` table of a Cargo.toml, read line by line:
/// enough for the house style's manifests, no TOML parser needed.
fn package_name(cargo_toml: &str) -> Option<String> {
    let mut in_package = false;
    for line in cargo_toml.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        if !in_package {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.trim() == "name" {
            let value = value.trim().trim_matches('"');
            return Some(value.to_string());
        }
    }
    None
}

/// The folder name and the package name must agree.
fn check_package_name(folder: &str, cargo_toml: &str) -> Option<String> {
    match package_name(cargo_toml) {
        Some(name) if name == folder => None,
        Some(name) => Some(format!(
            "lessons/{folder}/Cargo.toml names the package `{name}`; rename \
             it to `{folder}` (folder name == package name, so that \
             `cargo run -p {folder}` and `just run` find it)"
        )),
        None => Some(format!(
            "lessons/{folder}/Cargo.toml has no `name = \"...\"` in its \
             [package] table; add `name = \"{folder}\"`"
        )),
    }
}

/// `src/lib.rs` must exist and open with a `//!` doc comment.
fn check_lib_opening(folder: &str, lib_rs: Option<&str>) -> Option<String> {
    let fix = "start it with the lesson's `//!` opening doc: a one-line \
               summary, **Python original**, **Rust mapping**, **Run it**, \
               **What to notice** (see DESIGN.md, anatomy of a lesson)";
    match lib_rs {
        None => Some(format!(
            "lessons/{folder} has no src/lib.rs: the lesson's concept lives \
             in a library the book, tests and benches use; create it and {fix}"
        )),
        Some(text)
            if text.lines().next().is_some_and(|l| l.starts_with("//!")) =>
        {
            None
        }
        Some(_) => Some(format!(
            "lessons/{folder}/src/lib.rs does not begin with `//!` on its \
             first line; {fix}"
        )),
    }
}

/// The file names of the chapters linked from SUMMARY.md (draft entries,
/// `[Title]()`, have no file and are skipped).
fn summary_chapters(summary: &str) -> Vec<String> {
    let mut chapters = Vec::new();
    for line in summary.lines() {
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            let Some(end) = rest.find(')') else { break };
            let target = rest[..end].split('#').next().unwrap_or("").trim();
            if let Some(name) = Path::new(target).file_name() {
                chapters.push(name.to_string_lossy().into_owned());
            }
            rest = &rest[end..];
        }
    }
    chapters
}

/// SUMMARY.md must link a chapter `NN-*.md` for lesson `NN`.
fn check_summary_chapter(
    folder: &str,
    number: &str,
    summary: &str,
) -> Option<String> {
    let prefix = format!("{number}-");
    let linked = summary_chapters(summary)
        .iter()
        .any(|name| name.starts_with(&prefix) && name.ends_with(".md"));
    if linked {
        return None;
    }
    Some(format!(
        "book/src/SUMMARY.md links no chapter `{number}-*.md` for {folder}; \
         write book/src/{number}-<topic>.md (see DESIGN.md for a chapter's \
         parts) and add `- [{number} · <title>]({number}-<topic>.md)` to \
         SUMMARY.md"
    ))
}

/// The README's lesson table must have a row whose first cell names the
/// lesson, and every relative link in that row must resolve (`exists` is
/// asked about paths relative to the workspace root).
fn check_readme_row(
    folder: &str,
    readme: &str,
    exists: impl Fn(&str) -> bool,
) -> Option<String> {
    let row = readme.lines().find(|line| {
        let mut cells = line.trim().strip_prefix('|').map(|l| l.split('|'));
        let first = cells.as_mut().and_then(|c| c.next()).unwrap_or("");
        first.trim().trim_matches('`') == folder
            || first.contains(&format!("`{folder}`"))
            || first.contains(&format!("[{folder}]"))
    });
    let Some(row) = row else {
        return Some(format!(
            "README.md's lesson table has no row for {folder}; add \
             `| \\`{folder}\\` | <Python original> | <concept> | \
             [<chapter>](book/src/<chapter>.md) |`"
        ));
    };
    let mut rest = row;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        let Some(end) = rest.find(')') else { break };
        let target = &rest[..end];
        let path = target.split('#').next().unwrap_or("");
        let external = target.contains("://") || target.starts_with('#');
        if !external && !path.is_empty() && !exists(path) {
            return Some(format!(
                "README.md's row for {folder} links `{target}`, which does not \
                 exist; fix the link (relative to the workspace root) or \
                 write the chapter"
            ));
        }
        rest = &rest[end..];
    }
    None
}

/// Every folder under `lessons/`, sorted by name.
fn lesson_folders(root: &Path) -> Vec<String> {
    let mut folders: Vec<String> = fs::read_dir(root.join("lessons"))
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    folders
}

#[test]
fn every_lesson_has_its_opening_doc_chapter_and_readme_row() {
    let root = workspace_root();
    let summary = fs::read_to_string(root.join("book/src/SUMMARY.md"))
        .expect("book/src/SUMMARY.md exists");
    let readme =
        fs::read_to_string(root.join("README.md")).expect("README.md exists");
    let exists = |path: &str| root.join(path).exists();

    let mut problems = Vec::new();
    for folder in lesson_folders(&root) {
        let dir = root.join("lessons").join(&folder);
        let Some(number) = lesson_number(&folder) else {
            problems.push(format!(
                "lessons/{folder} is not named `lesson-NN-topic` (two digits, \
                 then a lower-case topic); rename it, and its package with it"
            ));
            continue;
        };
        match fs::read_to_string(dir.join("Cargo.toml")) {
            Ok(manifest) => {
                problems.extend(check_package_name(&folder, &manifest))
            }
            Err(e) => problems.push(format!(
                "lessons/{folder}/Cargo.toml cannot be read ({e}); every \
                 folder under lessons/ is a workspace member and needs one"
            )),
        }
        problems.extend(check_readme_row(&folder, &readme, exists));
        if folder == "lesson-00-tour" {
            continue;
        }
        let lib_rs = fs::read_to_string(dir.join("src/lib.rs")).ok();
        problems.extend(check_lib_opening(&folder, lib_rs.as_deref()));
        problems.extend(check_summary_chapter(&folder, number, &summary));
    }
    assert!(
        problems.is_empty(),
        "{} lesson(s) not wired in:\n{}",
        problems.len(),
        problems
            .iter()
            .map(|p| format!("  - {p}\n"))
            .collect::<String>()
    );
}

// The checks themselves, on synthetic inputs.

#[test]
fn lesson_number_reads_only_well_formed_folder_names() {
    assert_eq!(lesson_number("lesson-01-yield"), Some("01"));
    assert_eq!(lesson_number("lesson-12-event-loop"), Some("12"));
    assert_eq!(lesson_number("lesson-1-yield"), None);
    assert_eq!(lesson_number("lesson-01"), None);
    assert_eq!(lesson_number("lesson-01-"), None);
    assert_eq!(lesson_number("lesson-01-Yield"), None);
    assert_eq!(lesson_number("shared"), None);
}

#[test]
fn package_name_comes_from_the_package_table_only() {
    let manifest = "[package]\nname = \"lesson-01-yield\"\nversion.workspace = true\n\
                    [dependencies]\nname = \"not-this\"\n";
    assert_eq!(package_name(manifest).as_deref(), Some("lesson-01-yield"));
    let late = "[lints]\nworkspace = true\n[package]\nname=\"late\"\n";
    assert_eq!(package_name(late).as_deref(), Some("late"));
    assert_eq!(package_name("[dependencies]\nname = \"x\"\n"), None);
}

#[test]
fn check_package_name_flags_a_mismatch_with_the_fix() {
    let manifest = "[package]\nname = \"yield\"\n";
    let problem = check_package_name("lesson-01-yield", manifest).unwrap();
    assert!(
        problem.contains("rename it to `lesson-01-yield`"),
        "{problem}"
    );
    assert!(check_package_name("lesson-01-yield", "[package]\n").is_some());
    let good = "[package]\nname = \"lesson-01-yield\"\n";
    assert_eq!(check_package_name("lesson-01-yield", good), None);
}

#[test]
fn check_lib_opening_wants_a_doc_comment_on_line_one() {
    assert_eq!(
        check_lib_opening("lesson-01-yield", Some("//! Lesson 01.\n")),
        None
    );
    let plain =
        check_lib_opening("lesson-01-yield", Some("// Lesson 01.\n")).unwrap();
    assert!(plain.contains("first line"), "{plain}");
    let late = check_lib_opening("lesson-01-yield", Some("\n//! Lesson 01.\n"));
    assert!(late.is_some());
    let missing = check_lib_opening("lesson-01-yield", None).unwrap();
    assert!(missing.contains("no src/lib.rs"), "{missing}");
}

#[test]
fn check_summary_chapter_wants_a_linked_numbered_chapter() {
    let summary = "# Summary\n\n[Introduction](introduction.md)\n\n\
                   - [01 · yield](01-yield.md)\n\
                   - [02 · greenlet (coming)]()\n";
    assert_eq!(
        check_summary_chapter("lesson-01-yield", "01", summary),
        None
    );
    let draft =
        check_summary_chapter("lesson-02-greenlet", "02", summary).unwrap();
    assert!(draft.contains("book/src/02-<topic>.md"), "{draft}");
    // A chapter named in prose but not linked does not count.
    let prose = "# Summary\n\nSee 03-gevent.md later.\n";
    assert!(check_summary_chapter("lesson-03-gevent", "03", prose).is_some());
}

#[test]
fn check_readme_row_wants_a_row_whose_links_resolve() {
    let readme = "\
| lesson | Python original | concept | chapter |
|--------|-----------------|---------|---------|
| `lesson-01-yield` | yield | generators | [01](book/src/01-yield.md) |
| `lesson-02-greenlet` | greenlet | switch | [02](book/src/02-greenlet.md) |

Prose that mentions lesson-03-gevent is not a row.
";
    let exists = |path: &str| path == "book/src/01-yield.md";
    assert_eq!(check_readme_row("lesson-01-yield", readme, exists), None);
    let broken =
        check_readme_row("lesson-02-greenlet", readme, exists).unwrap();
    assert!(broken.contains("`book/src/02-greenlet.md`"), "{broken}");
    let absent = check_readme_row("lesson-03-gevent", readme, exists).unwrap();
    assert!(
        absent.contains("has no row for lesson-03-gevent"),
        "{absent}"
    );
}
