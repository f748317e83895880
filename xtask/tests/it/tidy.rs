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
//! And across the workspace:
//!
//! - the dependency rule, read from the manifests: a lesson depends on
//!   `shared` and earlier lessons only, `shared` on no lesson, and neither
//!   on the tour, the benches or xtask (the tour may use every lesson);
//! - no `ANCHOR: name` in a lesson's sources that no chapter includes
//!   (a listing cut out for the book that the book does not show);
//! - every test whose body starts a broker or uses a broker client
//!   (`RedisServer::start(`, `start_preferring(` or `connect_or_start(`,
//!   `redis::`, and the same with `RabbitServer` and `lapin::`) is
//!   `#[ignore = "needs Redis: cargo xtask test runs it"]` (or RabbitMQ, or
//!   Redis and RabbitMQ), so plain `cargo test` shows it as ignored.
//!
//! Each check is a plain function from text to an optional complaint that
//! says how to fix it, tested below on synthetic inputs.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::book::{directives, files_with_extension, tidy_path};
use super::workspace_root;

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

// The dependency rule.

/// The names of the dependencies in every `[*dependencies]` table of a
/// manifest (`[dependencies]`, `[dev-dependencies]`, `[build-dependencies]`,
/// `[target.'cfg(..)'.dependencies]`, and `[dependencies.name]` tables).
fn dependencies(cargo_toml: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_table = false;
    for line in cargo_toml.lines() {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[') {
            let header = header.trim_end_matches(']').trim();
            in_table = header.ends_with("dependencies");
            if let Some((table, name)) = header.rsplit_once('.')
                && table.ends_with("dependencies")
            {
                names.push(name.trim_matches('"').to_string());
            }
            continue;
        }
        if !in_table || line.starts_with('#') {
            continue;
        }
        let Some((key, _)) = line.split_once('=') else {
            continue;
        };
        // `name.workspace = true` and `name = ...` both name `name`.
        let name = key.split('.').next().unwrap_or("").trim();
        if !name.is_empty() {
            names.push(name.trim_matches('"').to_string());
        }
    }
    names
}

/// What the package `name` (with `manifest`) depends on against the rule.
fn check_dependency_rule(name: &str, manifest: &str) -> Vec<String> {
    let own = lesson_number(name).and_then(|n| n.parse::<u32>().ok());
    let mut problems = Vec::new();
    for dependency in dependencies(manifest) {
        let used = lesson_number(&dependency).and_then(|n| n.parse().ok());
        let why = match (own, used) {
            _ if ["benches", "xtask"].contains(&dependency.as_str()) => {
                Some("the benches and xtask use the lessons, never the reverse")
            }
            (_, Some(0)) => {
                Some("the tour uses every lesson, never the reverse")
            }
            (None, Some(_)) if name == "shared" => Some(
                "`shared` depends on no lesson, so every lesson can use it",
            ),
            // The tour runs every lesson.
            (Some(0), Some(_)) => None,
            (Some(own), Some(used)) if used >= own => Some(
                "a lesson builds on `shared` and earlier lessons only, as \
                 the course does",
            ),
            _ => None,
        };
        if let Some(why) = why {
            problems.push(format!(
                "{name} depends on {dependency}: {why}. Move what both need \
                 into `shared`, or drop the dependency"
            ));
        }
    }
    problems
}

#[test]
fn the_dependency_rule_holds_in_every_manifest() {
    let root = workspace_root();
    let mut manifests = vec![("shared".to_string(), root.join("shared"))];
    for folder in lesson_folders(&root) {
        manifests.push((folder.clone(), root.join("lessons").join(folder)));
    }
    let mut problems = Vec::new();
    for (folder, dir) in manifests {
        let manifest = fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        let name = package_name(&manifest).unwrap_or(folder);
        problems.extend(check_dependency_rule(&name, &manifest));
    }
    assert!(
        problems.is_empty(),
        "the dependency rule is broken:\n{}",
        problems
            .iter()
            .map(|p| format!("  - {p}\n"))
            .collect::<String>()
    );
}

#[test]
fn dependencies_come_from_every_dependency_table() {
    let manifest = "[package]\nname = \"lesson-03-gevent\"\n\
                    [dependencies]\nshared.workspace = true\n\
                    lesson-02-greenlet = { path = \"../x\" }\n\
                    # lesson-09-redis.workspace = true\n\
                    [dev-dependencies]\nroxmltree = \"0.21\"\n\
                    [target.'cfg(unix)'.dependencies]\nlibc = \"0.2\"\n\
                    [dependencies.lesson-04-fetch]\npath = \"../y\"\n\
                    [lints]\nworkspace = true\n";
    assert_eq!(
        dependencies(manifest),
        [
            "shared",
            "lesson-02-greenlet",
            "roxmltree",
            "libc",
            "lesson-04-fetch"
        ]
    );
}

#[test]
fn the_dependency_rule_allows_earlier_lessons_only() {
    let uses = |deps: &str| format!("[dependencies]\n{deps}\n");
    let earlier =
        uses("shared.workspace = true\nlesson-02-greenlet.workspace = true");
    assert_eq!(check_dependency_rule("lesson-03-gevent", &earlier), [""; 0]);
    let later = check_dependency_rule(
        "lesson-05-io-models",
        &uses("lesson-06-event-loop.workspace = true"),
    );
    assert_eq!(later.len(), 1, "{later:?}");
    assert!(later[0].contains("earlier lessons only"), "{later:?}");
    let itself = uses("lesson-05-io-models.workspace = true");
    assert_eq!(
        check_dependency_rule("lesson-05-io-models", &itself).len(),
        1
    );
    let on_tour = uses("lesson-00-tour.workspace = true");
    assert_eq!(check_dependency_rule("lesson-01-yield", &on_tour).len(), 1);
    let shared =
        uses("lesson-01-yield.workspace = true\nxtask.workspace = true");
    assert_eq!(check_dependency_rule("shared", &shared).len(), 2);
    let tour = uses("lesson-06-event-loop.workspace = true");
    assert_eq!(check_dependency_rule("lesson-00-tour", &tour), [""; 0]);
}

// No anchor left unused.

/// The `ANCHOR: name` markers of one source file, with their line numbers.
fn anchors(source: &str) -> Vec<(usize, String)> {
    source
        .lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let at = line.find("ANCHOR:")?;
            let name: String = line[at + "ANCHOR:".len()..]
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            (!name.is_empty()).then_some((index + 1, name))
        })
        .collect()
}

/// The `(file, anchor)` pairs a chapter includes, the file resolved
/// against the chapter's folder as mdBook does.
fn included_anchors(md_file: &Path, md_text: &str) -> Vec<(PathBuf, String)> {
    let base = md_file.parent().unwrap_or(Path::new("."));
    let mut found = Vec::new();
    for line in md_text.lines() {
        for directive in directives(line) {
            if !["include", "rustdoc_include"].contains(&directive.kind) {
                continue;
            }
            let target = directive.args.split_whitespace().next().unwrap_or("");
            let Some((path, selector)) = target.split_once(':') else {
                continue;
            };
            let anchor = selector.split(':').next().unwrap_or("");
            if !anchor.is_empty() && anchor.parse::<usize>().is_err() {
                found.push((tidy_path(&base.join(path)), anchor.to_string()));
            }
        }
    }
    found
}

/// One complaint per anchor of `source` (at `file`) that `included` does
/// not name.
fn unused_anchors(
    file: &Path,
    source: &str,
    included: &BTreeSet<(PathBuf, String)>,
) -> Vec<String> {
    let file = tidy_path(file);
    anchors(source)
        .into_iter()
        .filter(|(_, name)| !included.contains(&(file.clone(), name.clone())))
        .map(|(line, name)| {
            let shown = file
                .strip_prefix(workspace_root())
                .unwrap_or(&file)
                .display()
                .to_string();
            format!(
                "{shown}:{line}: anchor `{name}` is included by no chapter; \
                 include it (`{{{{#include ../../{shown}:{name}}}}}`) or \
                 remove its `ANCHOR: {name}` and `ANCHOR_END: {name}` lines"
            )
        })
        .collect()
}

#[test]
fn every_anchor_in_a_lesson_is_included_by_the_book() {
    let root = workspace_root();
    let mut included = BTreeSet::new();
    for md_file in files_with_extension(&root.join("book/src"), "md") {
        let text = fs::read_to_string(&md_file).unwrap();
        included.extend(included_anchors(&md_file, &text));
    }
    let mut problems = Vec::new();
    for folder in lesson_folders(&root) {
        let src = root.join("lessons").join(folder).join("src");
        if !src.is_dir() {
            continue;
        }
        for file in files_with_extension(&src, "rs") {
            let source = fs::read_to_string(&file).unwrap();
            problems.extend(unused_anchors(&file, &source, &included));
        }
    }
    assert!(
        problems.is_empty(),
        "{} anchor(s) no chapter shows:\n{}",
        problems.len(),
        problems
            .iter()
            .map(|p| format!("  - {p}\n"))
            .collect::<String>()
    );
}

#[test]
fn an_anchor_no_chapter_includes_is_reported_with_its_line() {
    let root = workspace_root();
    let lib = root.join("lessons/lesson-09-x/src/lib.rs");
    let chapter = root.join("book/src/09-x.md");
    let md = "```rust\n\
              {{#include ../../lessons/lesson-09-x/src/lib.rs:shown}}\n\
              {{#rustdoc_include ../../lessons/lesson-09-x/src/lib.rs:hidden_lines}}\n\
              {{#include ../../lessons/lesson-09-x/src/lib.rs:3:9}}\n\
              {{#include ../../lessons/lesson-09-x/src/other.rs:left}}\n\
              ```\n";
    let included: BTreeSet<_> =
        included_anchors(&chapter, md).into_iter().collect();
    let source = "// ANCHOR: shown\nfn shown() {}\n// ANCHOR_END: shown\n\
                  // ANCHOR: hidden_lines\n// ANCHOR_END: hidden_lines\n\
                  // ANCHOR: left\nfn left() {}\n// ANCHOR_END: left\n";
    let problems = unused_anchors(&lib, source, &included);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with(
            "lessons/lesson-09-x/src/lib.rs:6: anchor `left` is included by \
             no chapter"
        ),
        "{}",
        problems[0]
    );
}

// Tests that need a broker say so.

/// `text` with the inside of every comment, string and character literal
/// blanked (newlines kept), so that a marker or a brace in a string is not
/// read as code. Byte offsets and line numbers are unchanged.
fn code_only(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut blank = |from: usize, to: usize| {
        for byte in &mut out[from..to.min(bytes.len())] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    };
    let ident = |at: usize| {
        at > 0
            && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_')
    };
    let mut i = 0;
    while i < bytes.len() {
        let next = bytes.get(i + 1).copied();
        match bytes[i] {
            b'/' if next == Some(b'/') => {
                let end = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                blank(i, end);
                i = end;
            }
            b'/' if next == Some(b'*') => {
                let (mut depth, mut j) = (1, i + 2);
                while j < bytes.len() && depth > 0 {
                    if bytes[j..].starts_with(b"/*") {
                        depth += 1;
                        j += 2;
                    } else if bytes[j..].starts_with(b"*/") {
                        depth -= 1;
                        j += 2;
                    } else {
                        j += 1;
                    }
                }
                blank(i, j);
                i = j;
            }
            b'r' if !ident(i)
                || (i > 0 && bytes[i - 1] == b'b' && !ident(i - 1)) =>
            {
                let hashes =
                    bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
                if bytes.get(i + 1 + hashes) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let open = i + 2 + hashes;
                let close: Vec<u8> = std::iter::once(b'"')
                    .chain(std::iter::repeat_n(b'#', hashes))
                    .collect();
                let end = bytes[open..]
                    .windows(close.len())
                    .position(|w| w == close.as_slice())
                    .map_or(bytes.len(), |n| open + n);
                blank(open, end);
                i = end + close.len();
            }
            b'"' => {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                blank(i + 1, j);
                i = j + 1;
            }
            b'\'' if next == Some(b'\\') => {
                let end =
                    text[i + 2..].find('\'').map_or(bytes.len(), |n| i + 2 + n);
                blank(i + 1, end);
                i = end + 1;
            }
            b'\'' if bytes.get(i + 2) == Some(&b'\'') => {
                blank(i + 1, i + 2);
                i += 3;
            }
            _ => i += 1,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What in a test's body means it needs Redis: starting a server, or
/// the client.
const REDIS_MARKERS: [&str; 4] = [
    "RedisServer::start(",
    "RedisServer::start_preferring(",
    "RedisServer::connect_or_start(",
    "redis::",
];

/// The same for RabbitMQ.
const RABBIT_MARKERS: [&str; 4] = [
    "RabbitServer::start(",
    "RabbitServer::start_preferring(",
    "RabbitServer::connect_or_start(",
    "lapin::",
];

/// The reason a test that uses these brokers must give in its `#[ignore]`.
fn broker_reason(redis: bool, rabbit: bool) -> Option<&'static str> {
    match (redis, rabbit) {
        (true, true) => {
            Some("needs Redis and RabbitMQ: cargo xtask test runs it")
        }
        (true, false) => Some("needs Redis: cargo xtask test runs it"),
        (false, true) => Some("needs RabbitMQ: cargo xtask test runs it"),
        (false, false) => None,
    }
}

/// One complaint per test in `text` (the file `shown`) whose body uses a
/// broker and that lacks its `#[ignore = "needs ...: cargo xtask test runs
/// it"]`.
fn broker_tests_without_reason(shown: &str, text: &str) -> Vec<String> {
    let code = code_only(text);
    let code_lines: Vec<&str> = code.lines().collect();
    let lines: Vec<&str> = text.lines().collect();
    let mut problems = Vec::new();
    for (index, line) in code_lines.iter().enumerate() {
        let attribute = line.trim();
        let is_test = attribute == "#[test]"
            || (attribute.starts_with("#[") && attribute.contains("::test"));
        if !is_test {
            continue;
        }
        // The attributes around `#[test]`, up to the `fn` line.
        let mut start = index;
        while start > 0 && code_lines[start - 1].trim_start().starts_with("#[")
        {
            start -= 1;
        }
        let Some(fn_line) =
            (index..code_lines.len()).find(|&i| code_lines[i].contains("fn "))
        else {
            continue;
        };
        // The body: from the `fn` line to its closing brace.
        let mut depth = 0;
        let mut opened = false;
        let mut end = fn_line;
        'body: for (i, body_line) in code_lines.iter().enumerate().skip(fn_line)
        {
            for c in body_line.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
                if opened && depth == 0 {
                    end = i;
                    break 'body;
                }
            }
        }
        let body = code_lines[fn_line..=end].join("\n");
        let uses = |markers: &[&str]| markers.iter().any(|m| body.contains(m));
        let redis = uses(&REDIS_MARKERS);
        let rabbit = uses(&RABBIT_MARKERS);
        let Some(reason) = broker_reason(redis, rabbit) else {
            continue;
        };
        let wanted = format!("#[ignore = \"{reason}\"]");
        let has = lines[start..fn_line].iter().any(|l| l.trim() == wanted);
        if !has {
            let name = lines[fn_line].trim();
            problems.push(format!(
                "{shown}:{}: `{name}` uses a broker; mark it `{wanted}` so \
                 that plain `cargo test` shows it as ignored",
                fn_line + 1
            ));
        }
    }
    problems
}

#[test]
fn every_test_that_needs_a_broker_says_so_in_its_ignore() {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["lessons", "shared", "benches", "xtask"] {
        files.extend(files_with_extension(&root.join(dir), "rs"));
    }
    let mut problems = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        let shown = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .display()
            .to_string();
        problems.extend(broker_tests_without_reason(&shown, &text));
    }
    assert!(
        problems.is_empty(),
        "{} broker test(s) would fail or pass silently without a server:\n{}",
        problems.len(),
        problems
            .iter()
            .map(|p| format!("  - {p}\n"))
            .collect::<String>()
    );
}

#[test]
fn a_broker_test_without_its_reason_is_reported() {
    let text = r###"
#[test]
fn counts_baozi() {
    // RedisServer::start() in a comment is not a use, nor is a start
    // that cannot start anything.
    let error = RedisServer::start_from(None, None);
    let s = "lapin::Connection in a string is not a use either";
    assert_eq!(s.len(), 51);
}

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn stores_baozi() {
    let redis = RedisServer::connect_or_start().unwrap();
}

#[test]
#[ignore]
fn queues_baozi() {
    let rabbit = RabbitServer::start().unwrap();
    let brace = '}';
}

#[tokio::test]
async fn both() {
    let _ = redis::Client::open(r#"redis://"#);
    let _ = lapin::Connection::connect;
}
"###;
    let problems = broker_tests_without_reason("t.rs", text);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[0].starts_with("t.rs:19: `fn queues_baozi() {` uses a broker")
            && problems[0].contains(
                "#[ignore = \"needs RabbitMQ: cargo xtask test runs it\"]"
            ),
        "{}",
        problems[0]
    );
    assert!(
        problems[1].contains("needs Redis and RabbitMQ"),
        "{}",
        problems[1]
    );
}
