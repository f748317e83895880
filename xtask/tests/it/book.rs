//! The book builds, and everything it includes or links to exists.
//!
//! `cargo test --workspace` builds `book/` with the mdBook library itself
//! (`mdbook-driver`), into a scratch folder under `target/`, so a learner
//! needs nothing installed and the checkout stays clean.
//!
//! Building is not enough on its own: mdBook does *not* fail when an
//! `{{#include path:anchor}}` names a missing file (it logs an error and
//! leaves the raw directive in the page), and a missing anchor silently
//! includes nothing. So this test also reads the Markdown itself and checks:
//!
//! - every `{{#include}}` / `{{#rustdoc_include}}` / `{{#playground}}` points
//!   at an existing file, and when it names an anchor, that file has both
//!   `ANCHOR: name` and `ANCHOR_END: name`;
//! - every chapter in `SUMMARY.md`, and every relative link or image in any
//!   chapter, resolves to an existing file (`#fragment`s are not checked);
//! - no rendered HTML page still contains a raw `{{#` directive.
//!
//! The checkers are plain functions, tested below on deliberately broken
//! inputs so that this test can fail.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use super::workspace_root;

use mdbook_driver::MDBook;

/// One thing wrong with the book: where, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    file: PathBuf,
    line: usize,
    message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Paths are shown relative to the workspace root when they can be,
        // so the message reads like `book/src/01-yield.md:42: ...`.
        write!(f, "{}:{}: {}", shown(&self.file), self.line, self.message)
    }
}

/// `path` with `.` and `..` resolved by spelling alone (the file may not
/// exist), so messages say `/work/lessons/x.rs`, not `/work/book/src/../../lessons/x.rs`.
pub(crate) fn tidy_path(path: &Path) -> PathBuf {
    let mut tidy = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if tidy.file_name().is_some() => {
                tidy.pop();
            }
            other => tidy.push(other),
        }
    }
    tidy
}

/// A path for a message: relative to the workspace root when it is inside.
fn shown(path: &Path) -> String {
    let tidy = tidy_path(path);
    let root = workspace_root();
    tidy.strip_prefix(&root)
        .unwrap_or(&tidy)
        .display()
        .to_string()
}

/// A fresh, empty scratch folder under cargo's per-test temporary directory.
/// The process id keeps two concurrent `cargo test` runs apart.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("book-{name}-{}", std::process::id()));
    if dir.exists() {
        fs::remove_dir_all(&dir).unwrap();
    }
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every file under `dir` (recursively) whose name ends with `extension`.
pub(crate) fn files_with_extension(
    dir: &Path,
    extension: &str,
) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == extension) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// One `{{#kind args}}` directive found in a Markdown line.
pub(crate) struct Directive<'a> {
    pub(crate) kind: &'a str,
    pub(crate) args: &'a str,
    text: &'a str,
}

/// The mdBook directives on one line, as mdBook finds them: `{{#kind args}}`,
/// skipping escaped ones (`\{{#...}}`), which mdBook prints literally.
pub(crate) fn directives(line: &str) -> Vec<Directive<'_>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = line[from..].find("{{") {
        let start = from + offset;
        let Some(len) = line[start..].find("}}") else {
            break;
        };
        let end = start + len + 2;
        from = end;
        if line[..start].ends_with('\\') {
            continue;
        }
        let inner = line[start + 2..end - 2].trim_start();
        let Some(inner) = inner.strip_prefix('#') else {
            continue;
        };
        let (kind, args) =
            inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
        found.push(Directive {
            kind,
            args: args.trim(),
            text: &line[start..end],
        });
    }
    found
}

/// Checks every include-like directive of one Markdown file: the file it
/// names exists (relative to the Markdown file, as mdBook resolves it), and
/// a named anchor is opened and closed in that file.
fn check_includes(md_file: &Path, md_text: &str) -> Vec<Problem> {
    let base = md_file.parent().unwrap_or(Path::new("."));
    let mut problems = Vec::new();
    for (index, line) in md_text.lines().enumerate() {
        for directive in directives(line) {
            let problem = |message: String| Problem {
                file: md_file.to_path_buf(),
                line: index + 1,
                message,
            };
            let takes_anchor = match directive.kind {
                "include" | "rustdoc_include" => true,
                "playground" => false,
                // `{{#title ...}}` and unknown kinds name no file.
                _ => continue,
            };
            let target = directive.args.split_whitespace().next().unwrap_or("");
            let (path, selector) = match target.split_once(':') {
                Some((path, selector)) if takes_anchor => (path, selector),
                _ => (target, ""),
            };
            if path.is_empty() {
                problems.push(problem(format!(
                    "`{}` names no file. Write it as \
                     `{{{{#include ../../lessons/<lesson>/src/lib.rs:<anchor>}}}}`.",
                    directive.text
                )));
                continue;
            }
            let resolved = base.join(path);
            let Ok(source) = fs::read_to_string(&resolved) else {
                problems.push(problem(format!(
                    "`{}` points at `{path}`, which does not exist \
                     (looked for {}). Fix the path: it is relative to this \
                     Markdown file.",
                    directive.text,
                    shown(&resolved)
                )));
                continue;
            };
            // mdBook reads `path:name` as an anchor and `path:3`, `path:3:9`,
            // `path::9` as line ranges.
            let anchor = selector.split(':').next().unwrap_or("");
            if anchor.is_empty() || anchor.parse::<usize>().is_ok() {
                continue;
            }
            let has_start = has_anchor_marker(&source, "ANCHOR:", anchor);
            let has_end = has_anchor_marker(&source, "ANCHOR_END:", anchor);
            if !has_start || !has_end {
                let missing = match (has_start, has_end) {
                    (false, false) => {
                        format!(
                            "has neither `ANCHOR: {anchor}` nor `ANCHOR_END: {anchor}`"
                        )
                    }
                    (false, true) => format!("has no `ANCHOR: {anchor}`"),
                    _ => format!("has no `ANCHOR_END: {anchor}`"),
                };
                let known = anchors_in(&source);
                let known = if known.is_empty() {
                    "it has no anchors at all".to_string()
                } else {
                    format!("its anchors are: {}", known.join(", "))
                };
                let file = shown(&resolved);
                problems.push(problem(format!(
                    "`{}`: {file} {missing}, so mdBook would include nothing. \
                     Put `// ANCHOR: {anchor}` and `// ANCHOR_END: {anchor}` \
                     around the code to show in {file}, or fix the anchor name \
                     ({known}).",
                    directive.text
                )));
            }
        }
    }
    problems
}

/// Whether `source` has a line with `marker` followed by exactly `anchor`
/// (mdBook's anchors are `[\w-]+`, so `baozi` does not match `baozi_count`).
fn has_anchor_marker(source: &str, marker: &str, anchor: &str) -> bool {
    source.lines().any(|line| {
        line.match_indices(marker).any(|(at, _)| {
            let rest = line[at + marker.len()..].trim_start();
            rest.strip_prefix(anchor).is_some_and(|after| {
                !after.starts_with(|c: char| {
                    c.is_alphanumeric() || c == '_' || c == '-'
                })
            })
        })
    })
}

/// The anchor names opened in `source`, for a helpful message.
fn anchors_in(source: &str) -> Vec<String> {
    source
        .lines()
        .filter_map(|line| {
            let at = line.find("ANCHOR:")?;
            let name: String = line[at + "ANCHOR:".len()..]
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

/// The link and image targets on one line of Markdown prose: `[text](x)`,
/// `![alt](x)` and reference definitions `[name]: x`. Inline code spans are
/// skipped; the caller skips fenced code blocks.
fn link_targets(line: &str) -> Vec<String> {
    let prose = strip_code_spans(line);
    let mut targets = Vec::new();
    let trimmed = prose.trim_start();
    if let Some(label) = trimmed.strip_prefix('[')
        && let Some(close) = label.find(']')
        && let Some(target) = label[close + 1..].strip_prefix(':')
    {
        targets.push(target.trim().to_string());
    }
    let mut from = 0;
    while let Some(offset) = prose[from..].find("](") {
        let start = from + offset + 2;
        // A target may hold balanced parentheses; it ends at the `)` that
        // closes the one after `]`.
        let mut depth = 1;
        let mut end = None;
        for (i, c) in prose[start..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(start + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else { break };
        targets.push(prose[start..end].trim().to_string());
        from = end + 1;
    }
    targets
}

/// `line` with every inline code span (`` `...` ``) blanked out.
fn strip_code_spans(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    for c in line.chars() {
        if c == '`' {
            in_code = !in_code;
            out.push(' ');
        } else if in_code {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// Checks that every relative link and image of one Markdown file points at
/// an existing file. External links, pure `#fragment`s and draft chapters
/// (`[Title]()` in SUMMARY.md) are not checked.
fn check_links(md_file: &Path, md_text: &str) -> Vec<Problem> {
    let base = md_file.parent().unwrap_or(Path::new("."));
    let mut problems = Vec::new();
    let mut fence: Option<&str> = None;
    for (index, line) in md_text.lines().enumerate() {
        let trimmed = line.trim_start();
        let marker =
            ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (None, Some(m)) => {
                fence = Some(m);
                continue;
            }
            (Some(open), Some(m)) if open == m => {
                fence = None;
                continue;
            }
            (Some(_), _) => continue,
            (None, None) => {}
        }
        for target in link_targets(line) {
            // `<path with spaces>` and `path "title"` are both Markdown.
            let target = target.trim_start_matches('<');
            let target = target.split([' ', '>']).next().unwrap_or("");
            let path = target.split(['#', '?']).next().unwrap_or("");
            let external = target.contains("://")
                || target.starts_with("mailto:")
                || target.starts_with('/');
            if path.is_empty() || external {
                continue;
            }
            let resolved = base.join(path);
            if !resolved.exists() {
                let hint = if path.ends_with(".svg") || path.ends_with(".png") {
                    " If it is a figure, regenerate the figures with \
                     `just figures` (its cargo command is in the README)."
                } else if path.ends_with(".md") {
                    " For a chapter that is not written yet, write its name \
                     without a link (or as a draft `[Title]()` in SUMMARY.md)."
                } else {
                    ""
                };
                problems.push(Problem {
                    file: md_file.to_path_buf(),
                    line: index + 1,
                    message: format!(
                        "link to `{target}` does not resolve (looked for {}). \
                         Fix the path, which is relative to this file, or \
                         create the file.{hint}",
                        shown(&resolved)
                    ),
                });
            }
        }
    }
    problems
}

/// Checks that no rendered HTML page under `out_dir` still holds a raw mdBook
/// directive: the sign of an include mdBook could not expand.
fn check_rendered_html(out_dir: &Path) -> Vec<Problem> {
    let mut problems = Vec::new();
    for page in files_with_extension(out_dir, "html") {
        let html = fs::read_to_string(&page).unwrap();
        for (index, line) in html.lines().enumerate() {
            if let Some(at) = line.find("{{#") {
                let snippet: String = line[at..].chars().take(80).collect();
                problems.push(Problem {
                    file: page.clone(),
                    line: index + 1,
                    message: format!(
                        "the rendered page still contains `{snippet}`: mdBook \
                         could not expand this directive. Fix the include in \
                         the chapter this page is built from (the source \
                         checks name the file and line)."
                    ),
                });
            }
        }
    }
    problems
}

/// Formats problems one per line, for an assertion message.
fn report(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("  {p}\n")).collect()
}

#[test]
fn every_include_chapter_link_and_image_resolves() {
    let src = workspace_root().join("book/src");
    let summary = src.join("SUMMARY.md");
    assert!(
        summary.is_file(),
        "{} is missing: the book needs it to list its chapters",
        summary.display()
    );
    let mut problems = Vec::new();
    for md_file in files_with_extension(&src, "md") {
        let text = fs::read_to_string(&md_file).unwrap();
        problems.extend(check_includes(&md_file, &text));
        problems.extend(check_links(&md_file, &text));
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) in the book's sources:\n{}",
        problems.len(),
        report(&problems)
    );
}

#[test]
fn book_builds_with_every_directive_expanded() {
    let root = workspace_root();
    let out = scratch_dir("html");
    let mut book = MDBook::load(root.join("book")).unwrap_or_else(|e| {
        panic!(
            "mdBook could not load book/ (a chapter in SUMMARY.md without \
             its file is an error here, since book.toml sets \
             create-missing = false): {e:#}"
        )
    });
    // Build into the scratch folder, not book/book, so the checkout stays
    // clean and concurrent runs do not collide.
    book.config.build.build_dir = out.clone();
    book.build()
        .unwrap_or_else(|e| panic!("mdBook could not build book/: {e:#}"));

    assert!(
        out.join("index.html").is_file(),
        "the build wrote no pages into {}",
        out.display()
    );
    let problems = check_rendered_html(&out);
    assert!(
        problems.is_empty(),
        "{} raw directive(s) left in the rendered book:\n{}",
        problems.len(),
        report(&problems)
    );
    fs::remove_dir_all(&out).unwrap();
}

// The checkers themselves, on deliberately broken inputs.

/// A scratch folder for one synthetic test, removed when the test ends
/// (pass or fail: it holds nothing worth keeping).
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A scratch "book": `src/chapter.md` beside `code/lib.rs`, with anchors
/// `shown` (complete) and `half` (opened, never closed). Returns the
/// folder's guard and the chapter's path.
fn tiny_book(name: &str) -> (Scratch, PathBuf) {
    let dir = scratch_dir(name);
    fs::create_dir_all(dir.join("src/figures")).unwrap();
    fs::create_dir_all(dir.join("code")).unwrap();
    fs::write(
        dir.join("code/lib.rs"),
        "// ANCHOR: shown\nfn shown() {}\n// ANCHOR_END: shown\n\
         // ANCHOR: half\nfn half() {}\n",
    )
    .unwrap();
    fs::write(dir.join("src/figures/seen.svg"), "<svg/>").unwrap();
    fs::write(dir.join("src/other.md"), "# Other\n").unwrap();
    let chapter = dir.join("src/chapter.md");
    (Scratch(dir), chapter)
}

#[test]
fn check_includes_accepts_good_includes_and_ranges() {
    let (_dir, chapter) = tiny_book("includes-good");
    let text = "```rust,ignore\n\
                {{#include ../code/lib.rs:shown}}\n\
                {{#include ../code/lib.rs}}\n\
                {{#include ../code/lib.rs:2:3}}\n\
                {{#rustdoc_include ../code/lib.rs:shown}}\n\
                \\{{#include nowhere.rs:escaped}}\n\
                ```\n";
    assert_eq!(check_includes(&chapter, text), []);
}

#[test]
fn check_includes_reports_a_missing_anchor_with_line_and_fix() {
    let (_dir, chapter) = tiny_book("includes-anchor");
    let text = "# Chapter\n{{#include ../code/lib.rs:hidden}}\n";
    let problems = check_includes(&chapter, text);
    assert_eq!(problems.len(), 1, "{}", report(&problems));
    assert_eq!(problems[0].line, 2);
    assert_eq!(problems[0].file, chapter);
    let message = &problems[0].message;
    assert!(message.contains("ANCHOR: hidden"), "{message}");
    assert!(
        message.contains("its anchors are: shown, half"),
        "{message}"
    );
}

#[test]
fn check_includes_reports_an_anchor_that_is_never_closed() {
    let (_dir, chapter) = tiny_book("includes-half");
    let problems = check_includes(&chapter, "{{#include ../code/lib.rs:half}}");
    assert_eq!(problems.len(), 1, "{}", report(&problems));
    assert!(
        problems[0].message.contains("has no `ANCHOR_END: half`"),
        "{}",
        problems[0]
    );
}

#[test]
fn check_includes_does_not_take_a_prefix_for_an_anchor() {
    let (_dir, chapter) = tiny_book("includes-prefix");
    let problems = check_includes(&chapter, "{{#include ../code/lib.rs:sho}}");
    assert_eq!(problems.len(), 1, "{}", report(&problems));
}

#[test]
fn check_includes_reports_a_missing_file() {
    let (_dir, chapter) = tiny_book("includes-file");
    let text = "one\ntwo\n  {{#include ../code/gone.rs:shown}}\n";
    let problems = check_includes(&chapter, text);
    assert_eq!(problems.len(), 1, "{}", report(&problems));
    assert_eq!(problems[0].line, 3);
    assert!(
        problems[0]
            .message
            .contains("`../code/gone.rs`, which does not exist"),
        "{}",
        problems[0]
    );
}

#[test]
fn check_links_reports_missing_chapters_and_figures_only() {
    let (_dir, chapter) = tiny_book("links");
    let text = "\
[Other](other.md) and [its part](other.md#part) and [a section](#here)
![seen](figures/seen.svg) and [docs](https://docs.rs/corosensei)
- [Coming later]()
![gone](figures/gone.svg)
`[not a link](in-code.md)`
```markdown
[in a fence](fenced.md)
```
[Missing](missing.md)
[ref]: also-missing.md
";
    let problems = check_links(&chapter, text);
    let found: Vec<(usize, bool)> = problems
        .iter()
        .map(|p| (p.line, p.message.contains("just figures")))
        .collect();
    assert_eq!(
        found,
        [(4, true), (9, false), (10, false)],
        "{}",
        report(&problems)
    );
    assert!(
        problems[1].message.contains("`missing.md`"),
        "{}",
        problems[1]
    );
}

#[test]
fn check_rendered_html_finds_a_leftover_directive() {
    let scratch = Scratch(scratch_dir("html-leftover"));
    let dir = &scratch.0;
    fs::write(dir.join("fine.html"), "<p>all expanded</p>\n").unwrap();
    fs::write(
        dir.join("broken.html"),
        "<pre>\n{{#include ../../lessons/x/src/lib.rs:gone}}\n</pre>\n",
    )
    .unwrap();
    let problems = check_rendered_html(dir);
    assert_eq!(problems.len(), 1, "{}", report(&problems));
    assert_eq!(problems[0].file, dir.join("broken.html"));
    assert_eq!(problems[0].line, 2);
}
