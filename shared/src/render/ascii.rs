//! The ASCII swim-lane chart: what `--timeline` prints in the terminal.
//!
//! One row per lane, time running left to right, one character per column
//! (this is the small baozi run of `tests/render.rs`, at 76 columns):
//!
//! ```text
//! producer |###XXXXXXXXXXXXX####-------------------###      '                |
//! c1       |---###XXXXXXXXXXXXXXXXXXXXXXX----------#######      '            |
//! c2       |-------------X-----####XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX------|
//!           0ms          20ms         40ms         60ms         80ms     100ms
//! # running  - waiting  X blocked  ' mark
//! ```
//!
//! The lone `X` on c2's first wait is a 2 µs blocking call: far shorter
//! than a column (1.5 ms here), and drawn anyway: see the rules for
//! painting a column on [`ascii`].
//!
//! All arithmetic is on whole nanoseconds, so the same trace always gives
//! the same text, which is what lets the tests compare it exactly.

use std::time::Duration;

use crate::{Event, EventKind, Snapshot, State};

/// Lane names longer than this are cut, so the chart keeps its room. 16
/// fits the longest names the lessons give (`tokio 496 100ms`, `server
/// thread`) and leaves an 80-column chart 60 columns of time.
const NAME_MAX: usize = 16;

/// The narrowest chart we draw: narrower requests are drawn this wide,
/// since the legend alone takes 39 columns.
const MIN_WIDTH: usize = 40;

/// About how many columns each tick label gets on the time axis.
const COLUMNS_PER_TICK: usize = 12;

/// What an empty trace prints instead of a chart. The usual reason is a
/// disabled trace: lessons record only when a picture was asked for.
const EMPTY: &str =
    "(empty trace: nothing was recorded; did you pass --timeline?)";

const LEGEND: &str = "# running  - waiting  X blocked  ' mark";

/// The most lanes drawn as rows: about what a terminal shows in a few
/// screens. A run with 100,000 tasks has 100,000 lanes, and 100,000 rows
/// would scroll the run's own output away; the lanes past this many are
/// counted in one line under the chart instead.
const MAX_LANES: usize = 200;

/// Draws `snapshot` as a swim-lane chart at most `width` columns wide.
///
/// Every lane gets a row (even a lane that recorded nothing), up to
/// [`MAX_LANES`], then come a time axis in milliseconds and a legend; a
/// trace with more lanes gets one line under the chart saying how many
/// were left out. The text is pure ASCII, every line ends in `\n`, and
/// no line is wider than `width` (or than 40, the narrowest chart
/// drawn). A trace with no events at all is not drawn: it gives a
/// one-line message saying so.
///
/// The work is linear in the events: they are dealt out to their lanes
/// once, and each row paints only its own.
///
/// # How a column is painted
///
/// A column is a slice of time (the run's length divided by the number of
/// columns), and a lane usually did several things during one slice. The
/// rules, in order:
///
/// 1. The state that covered most of the slice paints it, if spans cover
///    at least half of it. So a span that only grazes a column does not
///    make itself look longer than it was.
/// 2. Every span also paints the column under its midpoint, however short
///    it is. Without this rule a 1 µs blocking call in a one-second run
///    would vanish, and it is exactly the kind of thing a learner is
///    looking for.
/// 3. When rules 1 and 2 leave several states in one column, blocked wins
///    over running, and running wins over waiting: a blocked thread is the
///    thing the lessons want you to see, and a wait is the background.
/// 4. A column that no span painted shows `'` if a mark (a print, a
///    switch) fell in it, and a space otherwise.
///
/// # Example
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
/// let chart = shared::render::ascii(&trace.snapshot(), 41);
/// let mut lines = chart.lines();
/// let c1 = "c1 |##################XXXXXXXXXXXXXXXXXX|";
/// let axis = "    0ms               50ms          100ms";
/// assert_eq!(lines.next(), Some(c1));
/// assert_eq!(lines.next(), Some(axis));
/// assert!(lines.next().is_some_and(|l| l.contains("X blocked")));
/// ```
pub fn ascii(snapshot: &Snapshot, width: usize) -> String {
    if snapshot.events.is_empty() {
        return format!("{EMPTY}\n");
    }
    let width = width.max(MIN_WIDTH);

    let lanes = snapshot.lane_count();
    let drawn = lanes.min(MAX_LANES);
    let names: Vec<String> = (0..drawn)
        .map(|i| lane_label(snapshot.lane_name(crate::trace::LaneId(i))))
        .collect();
    let name_width = names.iter().map(String::len).max().unwrap_or(0);

    // `name |chart|`: the name, a space and two bars take the rest.
    let columns = width - name_width - 3;
    let scale = Scale::new(snapshot.duration(), columns);

    // Each event to its lane's row, in one pass (events of lanes past
    // `drawn` are not drawn).
    let mut rows: Vec<Vec<&Event>> = vec![Vec::new(); drawn];
    for event in &snapshot.events {
        if let Some(row) = rows.get_mut(event.lane.0) {
            row.push(event);
        }
    }

    let mut out = String::new();
    for (name, events) in names.iter().zip(rows) {
        let cells: String = paint_lane(events, &scale).into_iter().collect();
        out.push_str(&format!("{name:<name_width$} |{cells}|\n"));
    }
    out.push_str(&axis(&scale, name_width));
    out.push('\n');
    out.push_str(LEGEND);
    out.push('\n');
    if lanes > drawn {
        // Short enough for the narrowest chart, whatever the count.
        out.push_str(&format!("({} more lanes not drawn)\n", lanes - drawn));
    }
    out
}

/// A lane name as the chart shows it: ASCII only, at most [`NAME_MAX`]
/// characters, with `~` at the end when it was cut.
fn lane_label(name: &str) -> String {
    // A name with a non-ASCII letter (or a control character) would break
    // the promise of pure ASCII and could misalign the columns.
    let clean: Vec<char> = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect();
    if clean.len() <= NAME_MAX {
        clean.into_iter().collect()
    } else {
        let mut cut: String = clean[..NAME_MAX - 1].iter().collect();
        cut.push('~');
        cut
    }
}

/// The character for a state.
fn glyph(state: State) -> char {
    match state {
        State::Running => '#',
        State::Waiting => '-',
        State::Blocked => 'X',
    }
}

/// Which state wins a shared column: the higher, the more it matters.
fn priority(state: State) -> u8 {
    match state {
        State::Waiting => 0,
        State::Running => 1,
        State::Blocked => 2,
    }
}

/// Where a state's counters live in a `[_; 3]`.
fn slot(state: State) -> usize {
    match state {
        State::Running => 0,
        State::Waiting => 1,
        State::Blocked => 2,
    }
}

/// Maps time onto columns, in whole numbers so that rounding never
/// depends on floating point.
///
/// The trick: measure time in *scaled* units of `1 ns / columns`. Then
/// every column is exactly `total_ns` units wide, column `c` is the range
/// `c * total_ns .. (c + 1) * total_ns`, and an instant `t` is at
/// `t_ns * columns` units. Nothing is ever divided until we ask which
/// column an instant falls in.
#[derive(Debug)]
struct Scale {
    /// The length of the run in nanoseconds (never zero).
    total_ns: u128,
    /// How many columns the chart has (never zero).
    columns: usize,
}

impl Scale {
    /// A scale for a run of `duration` drawn on `columns` columns. A run
    /// of zero length is drawn as if it lasted one millisecond, so that
    /// marks recorded at the very start still have somewhere to go.
    fn new(duration: Duration, columns: usize) -> Scale {
        let total_ns = match duration.as_nanos() {
            0 => Duration::from_millis(1).as_nanos(),
            ns => ns,
        };
        Scale {
            total_ns,
            columns: columns.max(1),
        }
    }

    /// The instant `t` in scaled units.
    fn scaled(&self, t: Duration) -> u128 {
        t.as_nanos() * self.columns as u128
    }

    /// The column an instant falls in; the very end of the run belongs to
    /// the last column.
    fn column_of_ns(&self, ns: u128) -> usize {
        let column = ns * self.columns as u128 / self.total_ns;
        usize::try_from(column)
            .unwrap_or(usize::MAX)
            .min(self.columns - 1)
    }

    fn column_of(&self, t: Duration) -> usize {
        self.column_of_ns(t.as_nanos())
    }

    /// How many scaled units of `start..end` fall in `column`.
    fn overlap(&self, column: usize, start: Duration, end: Duration) -> u128 {
        let left = column as u128 * self.total_ns;
        let right = left + self.total_ns;
        let from = self.scaled(start).max(left);
        let to = self.scaled(end).min(right);
        to.saturating_sub(from)
    }
}

/// The characters of one lane's row, following the rules in the module
/// documentation.
fn paint_lane(events: Vec<&Event>, scale: &Scale) -> Vec<char> {
    let columns = scale.columns;
    // Per column: how long each state covered it (rule 1), which states
    // have a span whose midpoint is here (rule 2), and whether a mark is
    // here (rule 4).
    let mut covered = vec![[0u128; 3]; columns];
    let mut midpoint = vec![[false; 3]; columns];
    let mut marked = vec![false; columns];

    for event in events {
        match event.kind {
            EventKind::Mark => marked[scale.column_of(event.start)] = true,
            EventKind::Span { state, end } => {
                // A span recorded backwards would be a bug elsewhere;
                // drawing it as zero-length keeps the chart honest.
                let end = end.max(event.start);
                let first = scale.column_of(event.start);
                let last = scale.column_of(end);
                // Only the columns the span touches: drawing stays linear
                // in the number of events, however long the spans.
                let touched = &mut covered[first..=last];
                for (column, cover) in (first..).zip(touched) {
                    cover[slot(state)] +=
                        scale.overlap(column, event.start, end);
                }
                let middle = (event.start.as_nanos() + end.as_nanos()) / 2;
                midpoint[scale.column_of_ns(middle)][slot(state)] = true;
            }
        }
    }

    (0..columns)
        .map(|column| {
            let cover = covered[column];
            let total: u128 = cover.iter().sum();
            // Rule 1: the state with the most time, if the lane was busy
            // for at least half the column (ties go to the higher
            // priority).
            let most = State::ALL
                .into_iter()
                .filter(|&s| cover[slot(s)] > 0)
                .max_by_key(|&s| (cover[slot(s)], priority(s)))
                .filter(|_| total * 2 >= scale.total_ns);
            // Rule 2: every span is seen at its midpoint.
            let short = State::ALL
                .into_iter()
                .filter(|&s| midpoint[column][slot(s)]);
            // Rule 3: of all the candidates, the most important wins.
            let winner =
                most.into_iter().chain(short).max_by_key(|&s| priority(s));
            match winner {
                Some(state) => glyph(state),
                // Rule 4: marks show only where no span does.
                None if marked[column] => '\'',
                None => ' ',
            }
        })
        .collect()
}

/// Evenly spaced "round" times for an axis: 1, 2 or 5 times a power of
/// ten nanoseconds, chosen as the smallest step that gives at most
/// `max_steps` steps over the run.
///
/// Shared with the SVG renderer, so that both pictures of a run put their
/// ticks at the same times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Ticks {
    /// The distance between two ticks, in nanoseconds.
    pub(super) step_ns: u128,
    /// How many decimals of a millisecond it takes to write a tick.
    pub(super) decimals: u32,
}

impl Ticks {
    pub(super) fn new(total_ns: u128, max_steps: usize) -> Ticks {
        let max_steps = max_steps.max(1) as u128;
        let mut power: u128 = 1;
        let step_ns = 'search: loop {
            for factor in [1, 2, 5] {
                let step = factor * power;
                if total_ns.div_ceil(step) <= max_steps {
                    break 'search step;
                }
            }
            power *= 10;
        };
        // A step of 0.25 ms needs two decimals; a step of 20 ms none.
        let decimals = (0..6u32)
            .find(|&d| step_ns % 10u128.pow(6 - d) == 0)
            .unwrap_or(6);
        Ticks { step_ns, decimals }
    }

    /// The tick times strictly inside the run, starting with 0. The end of
    /// the run is labelled separately, with its exact length.
    pub(super) fn inside(&self, total_ns: u128) -> impl Iterator<Item = u128> {
        let step = self.step_ns;
        (0..)
            .map(move |i| i * step)
            .take_while(move |&t| t < total_ns)
    }

    /// `ns` written in milliseconds with this axis's decimals: `20ms`,
    /// `0.25ms` (and the start always as `0ms`).
    pub(super) fn label(&self, ns: u128) -> String {
        // The start is always plain `0ms`: `0.00ms` only adds noise.
        if ns == 0 {
            return "0ms".to_owned();
        }
        format!("{}ms", format_ms(ns, self.decimals))
    }
}

/// `ns` in milliseconds with `decimals` decimals, rounded half up, in
/// whole-number arithmetic (so `1_500_000` with 1 decimal is `"1.5"`).
pub(super) fn format_ms(ns: u128, decimals: u32) -> String {
    let unit = 10u128.pow(decimals);
    let rounded = (ns * unit + 500_000) / 1_000_000;
    if decimals == 0 {
        format!("{rounded}")
    } else {
        let width = decimals as usize;
        format!("{}.{:0width$}", rounded / unit, rounded % unit)
    }
}

/// The time axis row: tick labels written under the columns they name,
/// `0ms` at the first column and the run's length ending under the
/// closing `|`. A label that would touch another one is left out.
fn axis(scale: &Scale, name_width: usize) -> String {
    let first = name_width + 2;
    let line_width = first + scale.columns + 1;
    let mut row = vec![b' '; line_width];
    let mut taken: Vec<(usize, usize)> = Vec::new();

    let ticks = Ticks::new(scale.total_ns, scale.columns / COLUMNS_PER_TICK);
    // The end label goes in first, so that a round tick just before the
    // end gives way to it rather than the other way round.
    let end = ticks.label(scale.total_ns);
    let mut labels = vec![(line_width.saturating_sub(end.len()), end)];
    for t in ticks.inside(scale.total_ns) {
        labels.push((first + scale.column_of_ns(t), ticks.label(t)));
    }

    for (at, text) in labels {
        let span = (at, at + text.len());
        // Keep one blank column between labels, and stay on the line.
        let free = span.1 <= line_width
            && taken.iter().all(|&(a, b)| span.1 < a || b < span.0);
        if free {
            row[span.0..span.1].copy_from_slice(text.as_bytes());
            taken.push(span);
        }
    }
    // Every byte written is ASCII, so this conversion cannot fail; the
    // fallback keeps the function total anyway.
    String::from_utf8(row)
        .unwrap_or_default()
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Trace;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn us(n: u64) -> Duration {
        Duration::from_micros(n)
    }

    /// The chart cells of the row that starts with `name`.
    fn row<'a>(chart: &'a str, name: &str) -> &'a str {
        let line = chart
            .lines()
            .find(|l| l.split(' ').next() == Some(name))
            .unwrap();
        let start = line.find('|').unwrap() + 1;
        &line[start..line.len() - 1]
    }

    #[test]
    fn an_empty_trace_says_so_in_one_line() {
        let trace = Trace::new();
        let _idle = trace.lane("c1");
        assert_eq!(ascii(&trace.snapshot(), 80), format!("{EMPTY}\n"));
    }

    #[test]
    fn a_one_microsecond_span_in_a_one_second_run_is_visible() {
        let trace = Trace::new();
        let hub = trace.lane("hub");
        let c1 = trace.lane("c1");
        let c2 = trace.lane("c2");
        hub.record_span(State::Waiting, "run", ms(0), ms(1000));
        c1.record_span(State::Blocked, "recv", ms(500), ms(500) + us(1));
        c2.record_span(State::Running, "poll", ms(250), ms(250) + us(1));
        let chart = ascii(&trace.snapshot(), 80);
        assert_eq!(row(&chart, "c1").trim(), "X");
        assert_eq!(row(&chart, "c2").trim(), "#");
        assert_eq!(row(&chart, "hub").trim_matches('-'), "");
    }

    #[test]
    fn blocked_wins_over_running_wins_over_waiting() {
        let trace = Trace::new();
        let c1 = trace.lane("c1");
        c1.record_span(State::Waiting, "wait", ms(0), ms(1000));
        // Nested short spans inside one long wait, each in its own column.
        c1.record_span(State::Running, "eat", ms(100), ms(100) + us(1));
        c1.record_span(State::Blocked, "sleep", ms(500), ms(500) + us(1));
        // Both in the same column: the blocked one must show.
        c1.record_span(State::Running, "eat", ms(800), ms(800) + us(1));
        c1.record_span(State::Blocked, "sleep", ms(800), ms(800) + us(2));
        let cells = row(&ascii(&trace.snapshot(), 80), "c1").to_owned();
        assert_eq!(cells.matches('#').count(), 1);
        assert_eq!(cells.matches('X').count(), 2);
        assert_eq!(cells.matches('-').count(), cells.len() - 3);
    }

    #[test]
    fn a_span_grazing_a_column_does_not_paint_it() {
        let trace = Trace::new();
        let c1 = trace.lane("c1");
        // 75 columns at width 80: each column is 1 ms of a 75 ms run.
        c1.record_span(State::Running, "eat", ms(0), us(10_100));
        c1.record_span(State::Waiting, "wait", us(10_100), ms(75));
        let cells = row(&ascii(&trace.snapshot(), 80), "c1").to_owned();
        assert_eq!(cells.len(), 75);
        assert_eq!(&cells[..11], "##########-");
    }

    #[test]
    fn marks_show_only_where_no_span_does() {
        let trace = Trace::new();
        let c1 = trace.lane("c1");
        c1.record_span(State::Running, "eat", ms(0), ms(10));
        for at in [ms(5), ms(50)] {
            trace.record(Event {
                lane: c1.id(),
                label: "print".into(),
                start: at,
                kind: EventKind::Mark,
            });
        }
        trace
            .lane("c1")
            .record_span(State::Waiting, "end", ms(99), ms(100));
        let cells = row(&ascii(&trace.snapshot(), 80), "c1").to_owned();
        assert_eq!(cells.matches('\'').count(), 1);
        assert!(!cells[..7].contains('\''));
    }

    #[test]
    fn lanes_without_events_and_long_names_still_get_a_row() {
        let trace = Trace::new();
        let long = trace.lane("a-very-long-lane-name");
        let _idle = trace.lane("idle");
        let _unicode = trace.lane("包子");
        long.record_span(State::Running, "work", ms(0), ms(10));
        let chart = ascii(&trace.snapshot(), 60);
        let names: Vec<&str> =
            chart.lines().take(3).map(|l| &l[..NAME_MAX]).collect();
        assert_eq!(
            names,
            ["a-very-long-lan~", "idle            ", "??              "]
        );
        assert!(chart.lines().all(|l| l.len() <= 60 && l.is_ascii()));
    }

    #[test]
    fn a_hundred_thousand_lanes_give_a_chart_a_terminal_can_show() {
        // One short wait per lane, as `tasks --count 100000 --timeline`
        // records: 200 rows, the axis, the legend and one line for the
        // rest, each row painted from its own events only.
        const LANES: u64 = 100_000;
        let mut snapshot = Snapshot::default();
        for i in 0..LANES {
            snapshot.lanes.push(format!("task {i}"));
            snapshot.events.push(Event {
                lane: crate::trace::LaneId(i as usize),
                label: "sleep".into(),
                start: us(i),
                kind: EventKind::Span {
                    state: State::Waiting,
                    end: us(i) + ms(100),
                },
            });
        }
        let chart = ascii(&snapshot, 80);
        let lines: Vec<&str> = chart.lines().collect();
        assert_eq!(lines.len(), MAX_LANES + 3, "{chart}");
        assert!(lines[0].starts_with("task 0 "), "{}", lines[0]);
        assert!(lines[MAX_LANES - 1].starts_with("task 199 "));
        assert_eq!(lines[MAX_LANES + 2], "(99800 more lanes not drawn)");
        assert!(lines.iter().all(|l| l.len() <= 80 && l.is_ascii()));
    }

    #[test]
    fn narrow_requests_are_drawn_at_the_minimum_width() {
        let trace = Trace::new();
        trace
            .lane("c1")
            .record_span(State::Running, "eat", ms(0), ms(10));
        let chart = ascii(&trace.snapshot(), 10);
        assert_eq!(chart.lines().map(str::len).max(), Some(MIN_WIDTH));
    }

    #[test]
    fn ticks_are_round_and_few() {
        let ticks = Ticks::new(100_000_000, 5);
        assert_eq!(ticks.step_ns, 20_000_000);
        assert_eq!(ticks.label(40_000_000), "40ms");
        let fine = Ticks::new(37_000, 4);
        assert_eq!(fine.step_ns, 10_000);
        assert_eq!(fine.label(20_000), "0.02ms");
        assert_eq!(format_ms(1_234_567, 3), "1.235");
        assert_eq!(format_ms(999_999_999, 0), "1000");
    }

    #[test]
    fn the_axis_names_the_start_and_the_end() {
        let scale = Scale::new(ms(1003), 60);
        let axis = axis(&scale, 4);
        assert!(axis.starts_with("      0ms "), "{axis}");
        assert!(axis.ends_with(" 1003ms"), "{axis}");
        assert_eq!(axis.len(), 4 + 2 + 60 + 1);
    }
}
