//! `Transcript`: the lessons' `print`, which tests can read back.
//!
//! The Python originals teach through what they print, and the order of the
//! lines *is* the lesson ("c1 eats before the producer makes the next
//! baozi"). So every lesson prints through a [`Transcript`]: each line is
//! marked on its lane of the trace, so the timeline shows when it was
//! printed, and then either written to stdout or kept.
//!
//! - [`Transcript::stdout`] streams: each line goes out through
//!   [`crate::out::line`] and nothing is kept, so a run's memory does not
//!   grow with its output (`lesson-01-yield --baozi 100000000` prints
//!   300 million lines). A failed write is recorded by `out`, which writes
//!   nothing after it and lets `exit_code` report it; [`Transcript::closed`]
//!   tells a long loop to stop.
//! - [`Transcript::quiet`] keeps every line, in order, and prints none.
//!   Tests build one, run the lesson's library and compare
//!   [`Transcript::lines`] with the expected output; no stdout capture, no
//!   subprocess.
//!
//! Why keep nothing rather than the last few lines? Nothing reads a
//! printing transcript back: tests read quiet ones, and a learner reads the
//! terminal. A cap would be memory spent on lines no one asks for.
//!
//! Colour is decoration, never content: the kept lines are plain text, and
//! a highlighted tag is coloured only when stdout is a terminal and
//! `NO_COLOR` is unset, so a pipe or a test sees exactly the Python output.

use std::fmt;
use std::io::{self, IsTerminal};
use std::sync::{Arc, Mutex, PoisonError};

use crate::trace::Lane;

/// An ANSI colour for a highlighted tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colour {
    /// `\x1b[31;1m`, bold red.
    Red,
    /// `\x1b[32;1m`, bold green: the Python original's `[producer]`.
    Green,
    /// `\x1b[33;1m`, bold yellow.
    Yellow,
    /// `\x1b[34;1m`, bold blue.
    Blue,
}

impl Colour {
    fn ansi(self) -> &'static str {
        match self {
            Colour::Red => "\x1b[31;1m",
            Colour::Green => "\x1b[32;1m",
            Colour::Yellow => "\x1b[33;1m",
            Colour::Blue => "\x1b[34;1m",
        }
    }
}

/// Where a printing transcript's lines go: [`crate::out::line`], or in this
/// module's tests a function that stands in for stdout.
type Printer = fn(fmt::Arguments<'_>) -> io::Result<()>;

struct Inner {
    /// `Some`: print each line and keep none. `None`: keep each line.
    print: Option<Printer>,
    colour: bool,
    highlights: Vec<(String, Colour)>,
    lines: Mutex<Vec<String>>,
}

/// Prints lines (or keeps them) and marks them on the timeline. Cloning is
/// cheap; clones share one destination, so a transcript can be handed to
/// every thread or coroutine of a run.
#[derive(Clone)]
pub struct Transcript {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Transcript {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transcript")
            .field("prints", &self.inner.print.is_some())
            .field("kept", &self.lines().len())
            .finish()
    }
}

impl Transcript {
    /// A transcript that prints each line to stdout and keeps none.
    pub fn stdout() -> Transcript {
        let colour = io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none();
        Transcript::build(Some(crate::out::line), colour, Vec::new())
    }

    /// A transcript that only keeps the lines: for tests and measured runs.
    pub fn quiet() -> Transcript {
        Transcript::build(None, false, Vec::new())
    }

    fn build(
        print: Option<Printer>,
        colour: bool,
        highlights: Vec<(String, Colour)>,
    ) -> Transcript {
        Transcript {
            inner: Arc::new(Inner {
                print,
                colour,
                highlights,
                lines: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Colours every occurrence of `tag` (for example `"[producer]"`) when
    /// printing to a terminal. Call before handing out clones.
    pub fn highlight(self, tag: &str, colour: Colour) -> Transcript {
        let mut highlights = self.inner.highlights.clone();
        highlights.push((tag.to_owned(), colour));
        Transcript::build(self.inner.print, self.inner.colour, highlights)
    }

    /// Marks `line` on `lane`, then prints it (a stdout transcript) or
    /// keeps it (a quiet one).
    ///
    /// Printing cannot fail here: a failed write (a closed pipe, a full
    /// disk) is recorded by [`crate::out`], which then writes nothing more,
    /// and [`crate::exit_code`] reports it when `main` returns. A long run
    /// asks [`Transcript::closed`] to stop early.
    pub fn say(&self, lane: &Lane, line: impl Into<String>) {
        let line = line.into();
        if lane.trace().is_enabled() {
            lane.mark(line.clone());
        }
        match self.inner.print {
            Some(print) => {
                let _ = print(format_args!("{}", self.coloured(&line)));
            }
            None => self
                .inner
                .lines
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(line),
        }
    }

    /// Whether a stdout transcript can print no more: its reader went away
    /// (`| head`) or a write failed (`> /dev/full`). Nobody will see the
    /// rest of the run, so a long loop stops here. Never true of a quiet
    /// transcript.
    pub fn closed(&self) -> bool {
        self.inner.print.is_some() && crate::out::failed().is_some()
    }

    fn coloured(&self, line: &str) -> String {
        let mut shown = line.to_owned();
        if self.inner.colour {
            for (tag, colour) in &self.inner.highlights {
                let painted = format!("{}{tag}\x1b[0m", colour.ansi());
                shown = shown.replace(tag.as_str(), &painted);
            }
        }
        shown
    }

    /// Every line kept so far, in order: every line said to a quiet
    /// transcript; none for a stdout one, whose lines are on stdout.
    pub fn lines(&self) -> Vec<String> {
        self.inner
            .lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The kept lines joined as they would print, each ending in `\n`.
    pub fn text(&self) -> String {
        self.lines().iter().map(|l| format!("{l}\n")).collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::Trace;

    #[test]
    fn lines_are_kept_in_order_and_marked_on_the_lane() {
        let trace = Trace::new();
        let producer = trace.lane("producer");
        let out = Transcript::quiet().highlight("[producer]", Colour::Green);
        out.say(&producer, "[producer] is making baozi 1");
        out.say(&producer, "[producer] is making baozi 2");
        assert_eq!(
            out.text(),
            "[producer] is making baozi 1\n[producer] is making baozi 2\n"
        );
        let snap = trace.snapshot();
        let marks: Vec<_> = snap.marks().map(|m| m.label.as_ref()).collect();
        assert_eq!(marks, out.lines());
    }

    /// Stands in for stdout: counts the lines and bytes written.
    fn counting(args: fmt::Arguments<'_>) -> io::Result<()> {
        PRINTED_LINES.fetch_add(1, Ordering::Relaxed);
        PRINTED_BYTES.fetch_add(args.to_string().len(), Ordering::Relaxed);
        Ok(())
    }
    static PRINTED_LINES: AtomicUsize = AtomicUsize::new(0);
    static PRINTED_BYTES: AtomicUsize = AtomicUsize::new(0);

    #[test]
    fn a_printing_transcript_streams_and_keeps_nothing() {
        let trace = Trace::disabled();
        let producer = trace.lane("producer");
        let out = Transcript::build(Some(counting), false, Vec::new());
        for n in 1..=100_000 {
            out.say(&producer, format!("[producer] is making baozi {n}"));
        }
        // Every line went out, and none stayed behind: the memory of a
        // run does not grow with what it prints.
        assert_eq!(PRINTED_LINES.load(Ordering::Relaxed), 100_000);
        assert!(PRINTED_BYTES.load(Ordering::Relaxed) > 2_000_000);
        assert!(out.lines().is_empty(), "kept {} lines", out.lines().len());
        assert!(!out.closed(), "no write failed");
    }

    #[test]
    fn colour_wraps_the_tag_only_when_enabled() {
        let green = || vec![("[p]".into(), Colour::Green)];
        let plain = Transcript::build(Some(counting), false, green());
        assert_eq!(plain.coloured("[p] hi"), "[p] hi");
        let tty = Transcript::build(Some(counting), true, green());
        assert_eq!(tty.coloured("[p] hi"), "\x1b[32;1m[p]\x1b[0m hi");
    }
}
