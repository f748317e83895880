//! The SVG swim-lane chart: the picture of a real run that the book embeds.
//!
//! It draws what the ASCII chart draws, but with room for detail: every
//! span is its own rectangle (hover it for its label, state and times),
//! every mark a small tick, and nothing is merged into columns. The
//! document is self-contained (its colours live in an embedded `<style>`,
//! no fonts or scripts are fetched) so that it can be committed under
//! `book/src/figures/` and shown by any browser or viewer.
//!
//! Why so narrow, with each lane's name *above* its bar: a phone shows the
//! book about 400 pixels wide, and a picture is scaled down to fit. At
//! [`WIDTH`] = 560 and a 14 px font, the smallest text still renders at
//! 10.5 px in a 420 px window (a test checks it), and every lane's bar gets
//! the whole width instead of sharing it with a column of names.
//!
//! Why a white background rectangle: mdBook has dark themes, and an SVG
//! with a transparent background would put our dark text on a dark page.
//! With its own background the picture reads the same in every theme.
//!
//! Every piece of text that came from a trace (lane names, labels, the
//! title) goes through [`escape`]: a print like `if a < b && c > d` is a
//! perfectly good label, and must not break the XML.

use crate::trace::LaneId;
use crate::{EventKind, Snapshot, State};

use super::ascii::{Ticks, format_ms};

/// The width of the picture, in pixels: narrow enough that a phone shows
/// its text at a readable size (see the module's opening).
const WIDTH: f64 = 560.0;
/// The size of every piece of text but the title, in pixels.
const FONT_SIZE: f64 = 14.0;
/// The title's size.
const TITLE_SIZE: f64 = 16.0;
/// The blank border around everything.
const PAD: f64 = 12.0;
/// The distance between two lines of the title or the legend.
const LINE: f64 = 20.0;
/// The height of one lane's row: its name, then its band.
const LANE_HEIGHT: f64 = 40.0;
/// Where the band starts below the row's top (the name sits above it),
/// how tall the band is, and the bar drawn inside it.
const BAND_TOP: f64 = 18.0;
const BAND_HEIGHT: f64 = 20.0;
const BAR_HEIGHT: f64 = 16.0;
/// Roughly how wide one character of the monospace font is, as a
/// fraction of its size.
const CHAR_WIDTH: f64 = 0.6;
/// Lane names longer than this are cut (with `…`); a name has the whole
/// width, so only a runaway label is cut.
const NAME_MAX: usize = 60;
/// At most this many steps on the time axis.
const MAX_TICKS: usize = 6;

/// Colours per state, and the fonts. Green for running and red for
/// blocked are the colours the course's pictures use everywhere; waiting
/// is a pale blue, because a wait is the background the rest stands on.
/// The meaning is the same in every figure: blue is a lane asleep until
/// *any* event it waits for (a timer, a ready socket; `select`,
/// `epoll_wait` and a parked task alike), red is a thread stuck in *one*
/// blocking call (`recv` on one socket, `thread::sleep`). The legend says
/// so in words.
const STYLE: &str = "
    .background { fill: #ffffff; }
    text { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas,
           monospace; font-size: 14px; fill: #222222; }
    .title { font-size: 16px; font-weight: bold; }
    .lane { fill: #f0f0f0; }
    .running { fill: #2e9d4a; }
    .waiting { fill: #8fbbe8; }
    .blocked { fill: #d93636; }
    .mark { stroke: #222222; stroke-width: 2; }
    .axis { stroke: #888888; stroke-width: 1; }
    .tick { fill: #555555; }
    .note { fill: #888888; font-style: italic; }
";

/// What each colour means, in the legend's words.
fn meaning(state: State) -> &'static str {
    match state {
        State::Running => "running: on the CPU",
        State::Waiting => "waiting: asleep until any event",
        State::Blocked => "blocked: stuck in one blocking call",
    }
}

/// Draws `snapshot` as a self-contained SVG 1.1 document.
///
/// The picture is [`WIDTH`] pixels wide and as tall as its lanes need: a
/// title (wrapped when long), one row per lane (even a lane that recorded
/// nothing) with its name above its bar, a time axis in milliseconds and a
/// legend, one entry per line. Each span is one
/// `<rect class="span running">` (or `waiting`, `blocked`) with a
/// tooltip, so the file can also be read by a test or a script. Spans
/// shorter than a pixel are still drawn one pixel wide.
///
/// ```
/// use shared::{State, Trace};
/// use std::time::Duration;
///
/// let ms = Duration::from_millis;
/// let trace = Trace::new();
/// let c1 = trace.lane("c1");
/// c1.record_span(State::Running, "eat 1", ms(0), ms(50));
/// c1.record_span(State::Blocked, "time.sleep", ms(50), ms(100));
///
/// let svg = shared::render::svg(&trace.snapshot(), "baozi & threads");
/// assert!(svg.contains("<title>baozi &amp; threads</title>"));
/// assert_eq!(svg.matches("<rect class=\"span ").count(), 2);
/// assert!(svg.trim_end().ends_with("</svg>"));
/// ```
pub fn svg(snapshot: &Snapshot, title: &str) -> String {
    let names: Vec<String> = (0..snapshot.lane_count())
        .map(|i| short_name(snapshot.lane_name(LaneId(i))))
        .collect();

    let chart = Chart {
        left: PAD,
        right: WIDTH - PAD,
        total_ns: match snapshot.duration().as_nanos() {
            // Same convention as the ASCII chart: a run of zero length
            // is drawn as one millisecond.
            0 => 1_000_000,
            ns => ns,
        },
    };
    let title_lines = wrap(title, chars_in(WIDTH - 2.0 * PAD, TITLE_SIZE));
    let lanes_top = PAD + LINE * title_lines.len() as f64 + 8.0;
    // At least one row's height, so that an empty trace's note has room.
    let rows = names.len().max(1);
    let axis_y = lanes_top + LANE_HEIGHT * rows as f64 + 4.0;
    let legend_y = axis_y + 48.0;
    let legend_lines = State::ALL.len() + 1;
    let height = legend_y + LINE * (legend_lines - 1) as f64 + PAD;

    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" \
         width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\n",
        w = px(WIDTH),
        h = px(height),
    ));
    // The first `<title>` child is the document's accessible name, and
    // what a browser tab shows when the file is opened on its own.
    out.push_str(&format!("<title>{}</title>\n", escape(title)));
    out.push_str(&format!("<style>{STYLE}</style>\n"));
    out.push_str(&format!(
        "<rect class=\"background\" x=\"0\" y=\"0\" width=\"{}\" \
         height=\"{}\"/>\n",
        px(WIDTH),
        px(height),
    ));
    // A title that fits is one `<text>`; a long one is cut into lines at
    // spaces, one `<text>` each, since SVG 1.1 text does not wrap.
    for (i, line) in title_lines.iter().enumerate() {
        out.push_str(&format!(
            "<text class=\"title\" x=\"{}\" y=\"{}\">{}</text>\n",
            px(PAD),
            px(PAD + TITLE_SIZE + LINE * i as f64),
            escape(line),
        ));
    }

    // One row per lane: the name, and a pale band under it.
    for (i, name) in names.iter().enumerate() {
        let top = lanes_top + LANE_HEIGHT * i as f64;
        out.push_str(&format!(
            "<text class=\"name\" x=\"{}\" y=\"{}\">{}</text>\n",
            px(chart.left),
            px(top + FONT_SIZE),
            escape(name),
        ));
        out.push_str(&format!(
            "<rect class=\"lane\" x=\"{}\" y=\"{}\" width=\"{}\" \
             height=\"{}\"/>\n",
            px(chart.left),
            px(top + BAND_TOP),
            px(chart.right - chart.left),
            px(BAND_HEIGHT),
        ));
    }

    // Spans first, then marks, so that a mark is never hidden under a bar.
    for event in &snapshot.events {
        let EventKind::Span { state, end } = event.kind else {
            continue;
        };
        let top = lanes_top + LANE_HEIGHT * event.lane.0 as f64;
        let x = chart.x(event.start.as_nanos());
        // A span shorter than a pixel still gets one: a 1 µs blocking
        // call is exactly what a reader may be looking for.
        let width = (chart.x(end.as_nanos()) - x).max(1.0);
        out.push_str(&format!(
            "<rect class=\"span {state}\" x=\"{}\" y=\"{}\" width=\"{}\" \
             height=\"{}\"><title>{}: {state}, {}\u{2013}{} ms</title>\
             </rect>\n",
            px(x),
            px(top + BAND_TOP + (BAND_HEIGHT - BAR_HEIGHT) / 2.0),
            px(width),
            px(BAR_HEIGHT),
            escape(&event.label),
            format_ms(event.start.as_nanos(), 3),
            format_ms(end.as_nanos(), 3),
        ));
    }
    for mark in snapshot.marks() {
        let top = lanes_top + LANE_HEIGHT * mark.lane.0 as f64 + BAND_TOP;
        let x = px(chart.x(mark.start.as_nanos()));
        out.push_str(&format!(
            "<line class=\"mark\" x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\">\
             <title>{}: mark, {} ms</title></line>\n",
            px(top),
            px(top + 10.0),
            escape(&mark.label),
            format_ms(mark.start.as_nanos(), 3),
        ));
    }
    if snapshot.events.is_empty() {
        out.push_str(&format!(
            "<text class=\"note\" x=\"{}\" y=\"{}\">(empty trace: nothing \
             was recorded)</text>\n",
            px(chart.left + 8.0),
            px(lanes_top + BAND_TOP + FONT_SIZE),
        ));
    }

    out.push_str(&axis(&chart, axis_y));
    out.push_str(&legend(chart.left, legend_y));
    out.push_str("</svg>\n");
    out
}

/// How many characters of a font of `size` fit in `width`.
fn chars_in(width: f64, size: f64) -> usize {
    (width / (CHAR_WIDTH * size)) as usize
}

/// `text` cut into lines of at most `max` characters, at spaces (a word
/// longer than a line gets a line of its own). Never empty.
fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let fits =
            line.chars().count() + 1 + word.chars().count() <= max.max(1);
        if line.is_empty() {
            line.push_str(word);
        } else if fits {
            line.push(' ');
            line.push_str(word);
        } else {
            lines.push(std::mem::take(&mut line));
            line.push_str(word);
        }
    }
    lines.push(line);
    lines
}

/// Where the time axis lies on the page.
struct Chart {
    /// The x of time 0 and of the end of the run.
    left: f64,
    right: f64,
    /// The length of the run in nanoseconds (never zero).
    total_ns: u128,
}

impl Chart {
    /// The x coordinate of an instant.
    fn x(&self, ns: u128) -> f64 {
        let fraction = ns as f64 / self.total_ns as f64;
        self.left + fraction * (self.right - self.left)
    }
}

/// The time axis: a line under the lanes, a tick at each round time
/// (the same times as the ASCII chart's) and at the end. Every tick gets
/// a label unless the label would print over another one.
fn axis(chart: &Chart, y: f64) -> String {
    let ticks = Ticks::new(chart.total_ns, MAX_TICKS);
    let mut out = format!(
        "<line class=\"axis\" x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\"/>\n",
        px(chart.left),
        px(chart.right),
        y = px(y),
    );
    // The end goes first, so that a round tick just before the end gives
    // way to the run's real length rather than the other way round. The
    // first label starts at its tick, the last ends at its tick, and the
    // others are centred on theirs.
    let mut wanted = vec![(chart.total_ns, "end")];
    wanted.extend(ticks.inside(chart.total_ns).map(|ns| {
        let anchor = if ns == 0 { "start" } else { "middle" };
        (ns, anchor)
    }));
    let mut taken: Vec<(f64, f64)> = Vec::new();
    for (ns, anchor) in wanted {
        let x = chart.x(ns);
        let label = ticks.label(ns);
        let width = CHAR_WIDTH * FONT_SIZE * label.len() as f64;
        let (from, to) = match anchor {
            "start" => (x, x + width),
            "end" => (x - width, x),
            _ => (x - width / 2.0, x + width / 2.0),
        };
        out.push_str(&format!(
            "<line class=\"axis\" x1=\"{x}\" y1=\"{}\" x2=\"{x}\" \
             y2=\"{}\"/>\n",
            px(y),
            px(y + 4.0),
            x = px(x),
        ));
        // Keep at least a character's width between two labels.
        let gap = CHAR_WIDTH * FONT_SIZE;
        if taken.iter().all(|&(a, b)| to + gap <= a || b + gap <= from) {
            taken.push((from, to));
            out.push_str(&format!(
                "<text class=\"tick\" x=\"{}\" y=\"{}\" \
                 text-anchor=\"{anchor}\">{label}</text>\n",
                px(x),
                px(y + 4.0 + FONT_SIZE + 2.0),
            ));
        }
    }
    out
}

/// The legend: a swatch per state with what it means, and a tick for
/// marks, one entry per line so that each reads at full size on a phone.
fn legend(left: f64, y: f64) -> String {
    let mut out = String::new();
    let swatch = FONT_SIZE;
    let text_x = px(left + swatch + 8.0);
    for (i, state) in State::ALL.into_iter().enumerate() {
        let baseline = y + LINE * i as f64;
        out.push_str(&format!(
            "<rect class=\"key {state}\" x=\"{}\" y=\"{}\" width=\"{s}\" \
             height=\"{s}\"/>\n<text x=\"{text_x}\" y=\"{}\">{}</text>\n",
            px(left),
            px(baseline - swatch + 2.0),
            px(baseline),
            meaning(state),
            s = px(swatch),
        ));
    }
    let baseline = y + LINE * State::ALL.len() as f64;
    out.push_str(&format!(
        "<line class=\"mark\" x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\"/>\n\
         <text x=\"{text_x}\" y=\"{}\">mark: a print, a switch</text>\n",
        px(baseline - swatch + 2.0),
        px(baseline + 2.0),
        px(baseline),
        x = px(left + swatch / 2.0),
    ));
    out
}

/// A lane name cut to [`NAME_MAX`] characters, with `…` when it was cut.
fn short_name(name: &str) -> String {
    if name.chars().count() <= NAME_MAX {
        name.to_owned()
    } else {
        let mut cut: String = name.chars().take(NAME_MAX - 1).collect();
        cut.push('\u{2026}');
        cut
    }
}

/// A coordinate with at most one decimal, and none when it is whole: short,
/// and the same text on every machine.
fn px(v: f64) -> String {
    let text = format!("{v:.1}");
    match text.strip_suffix(".0") {
        Some(whole) => whole.to_owned(),
        None => text,
    }
}

/// Makes `text` safe inside an XML element or a quoted attribute.
///
/// The five special characters become entities. Control characters (an
/// ANSI colour code in a printed line, say) are not allowed in XML 1.0 at
/// all, not even as entities, so they become `\u{FFFD}`, the replacement
/// character, and the picture still opens. Public (as
/// `shared::render::escape_xml`) for lessons that draw their own charts.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            // U+FFFE and U+FFFF are not characters at all, to XML.
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.push('\u{FFFD}')
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_handles_the_five_and_control_characters() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
        assert_eq!(escape("\x1b[32mok"), "\u{FFFD}[32mok");
    }

    #[test]
    fn coordinates_are_short_and_stable() {
        assert_eq!(px(16.0), "16");
        assert_eq!(px(1.0 / 3.0), "0.3");
        assert_eq!(px(799.96), "800");
    }

    #[test]
    fn long_titles_wrap_at_spaces() {
        assert_eq!(wrap("a short title", 40), ["a short title"]);
        assert_eq!(wrap("one two three", 8), ["one two", "three"]);
        assert_eq!(wrap("unbreakable-word x", 5), ["unbreakable-word", "x"]);
        assert_eq!(wrap("", 10), [""]);
    }

    #[test]
    fn long_names_are_cut() {
        assert_eq!(short_name("c1"), "c1");
        let cut = short_name(&"a-lane-name-that-goes-on-and-on".repeat(3));
        assert_eq!(cut.chars().count(), NAME_MAX);
        assert!(cut.ends_with('\u{2026}'));
    }
}
