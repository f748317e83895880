//! `Transcript`: the lessons' `print`, which also remembers what it printed.
//!
//! The Python originals teach through what they print, and the order of the
//! lines *is* the lesson ("c1 eats before the producer makes the next
//! baozi"). So every lesson prints through a [`Transcript`]: each line is
//! written to stdout (unless the transcript is quiet), kept in order for the
//! tests, and marked on its lane of the trace so the timeline shows when it
//! was printed. Tests build a quiet transcript, run the lesson's library and
//! compare [`Transcript::lines`] with the expected output; no stdout capture,
//! no subprocess.
//!
//! Colour is decoration, never content: the kept lines are plain text, and
//! a highlighted tag is coloured only when stdout is a terminal and
//! `NO_COLOR` is unset, so a pipe or a test sees exactly the Python output.

use std::io::{IsTerminal, Write};
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

struct Inner {
    echo: bool,
    colour: bool,
    highlights: Vec<(String, Colour)>,
    lines: Mutex<Vec<String>>,
}

/// Prints lines, keeps them, and marks them on the timeline. Cloning is
/// cheap; clones share one list of lines, so a transcript can be handed to
/// every thread or coroutine of a run.
#[derive(Clone)]
pub struct Transcript {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Transcript {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transcript")
            .field("echo", &self.inner.echo)
            .field("lines", &self.lines().len())
            .finish()
    }
}

impl Transcript {
    /// A transcript that prints to stdout as well as keeping the lines.
    pub fn stdout() -> Transcript {
        let colour = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none();
        Transcript::build(true, colour, Vec::new())
    }

    /// A transcript that only keeps the lines: for tests and measured runs.
    pub fn quiet() -> Transcript {
        Transcript::build(false, false, Vec::new())
    }

    fn build(
        echo: bool,
        colour: bool,
        highlights: Vec<(String, Colour)>,
    ) -> Transcript {
        Transcript {
            inner: Arc::new(Inner {
                echo,
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
        Transcript::build(self.inner.echo, self.inner.colour, highlights)
    }

    /// Prints `line`, keeps it, and marks it on `lane`.
    ///
    /// The line is kept and printed under one lock, so the kept order is
    /// the printed order even when threads print at once.
    pub fn say(&self, lane: &Lane, line: impl Into<String>) {
        let line = line.into();
        if lane.trace().is_enabled() {
            lane.mark(line.clone());
        }
        let mut lines = self
            .inner
            .lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if self.inner.echo {
            let shown = self.coloured(&line);
            // A closed pipe (`| head`) is not an error worth a panic trace:
            // the reader has seen what it wanted.
            let _ = writeln!(std::io::stdout().lock(), "{shown}");
        }
        lines.push(line);
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

    /// Every line said so far, in order.
    pub fn lines(&self) -> Vec<String> {
        self.inner
            .lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The lines joined as they were printed, each ending in `\n`.
    pub fn text(&self) -> String {
        self.lines().iter().map(|l| format!("{l}\n")).collect()
    }
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn colour_wraps_the_tag_only_when_enabled() {
        let plain =
            Transcript::build(true, false, vec![("[p]".into(), Colour::Green)]);
        assert_eq!(plain.coloured("[p] hi"), "[p] hi");
        let tty =
            Transcript::build(true, true, vec![("[p]".into(), Colour::Green)]);
        assert_eq!(tty.coloured("[p] hi"), "\x1b[32;1m[p]\x1b[0m hi");
    }
}
