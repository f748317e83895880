//! Log-log line charts of measured figures, as SVG: the one chart renderer
//! of the workspace, used by lesson 03's spawn sweep, lesson 04's fetch
//! sweep and the tour's numbers chapter.
//!
//! Why log-log: the figures span orders of magnitude (a state-machine task
//! costs a few hundred nanoseconds, an OS thread tens of microseconds; one
//! URL takes 100 ms, a thousand of them in sequence 100 s), and on a linear
//! axis everything but the largest value would be squashed against zero.
//! On a log axis equal distances are equal *ratios*, which is what the
//! course's claims are about: "a hundred times cheaper" looks the same at
//! every scale, and a cost that grows as N is a straight line at 45°.
//!
//! Why [plotters](https://docs.rs/plotters) with its SVG backend only: no
//! font or bitmap backend is compiled in, so nothing is linked from the
//! system (no fontconfig, no freetype) and the build stays quick. Text is
//! written as SVG `<text>` and the browser picks the font. The price:
//! without a font backend plotters can only *estimate* how wide a label
//! is, so the layout leaves generous room for labels and the legend.
//!
//! ```
//! use shared::render::chart::{
//!     COUNT, LineChart, SECONDS, Series, line_chart_svg,
//! };
//! let chart = LineChart {
//!     title: "Fetch N URLs",
//!     x_label: "URLs",
//!     y_label: "total time",
//!     x_units: &COUNT,
//!     y_units: &SECONDS,
//!     series: vec![Series::new("tokio", vec![(1.0, 0.1), (10.0, 0.1)])],
//! };
//! let svg = line_chart_svg(&chart, &[]).unwrap();
//! // plotters writes each text on a line of its own.
//! assert!(svg.contains(">\ntokio\n</text>"));
//! ```

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Width of every chart in pixels. Narrow on purpose: a phone shows the
/// book about 420 pixels wide and scales a picture down to fit, so at 560
/// the smallest text ([`TEXT`]) still renders at about 10 px there, and on
/// a desktop the chart is shown at 1:1.
pub const WIDTH: u32 = 560;
/// Height of one plot (a panel of [`line_charts_svg`], or a bar chart),
/// without the title, legend and footer around it.
pub const HEIGHT: u32 = 400;
/// The size of every label, tick, legend entry and footer line, in
/// plotters' units (plotters writes 0.806 of it as the SVG's `font-size`:
/// 17 becomes 13.7 px).
pub const TEXT: u32 = 17;
/// The size of a title or a panel's caption.
pub const CAPTION: u32 = 20;
/// The strip above stacked panels that holds the figure's title.
const TITLE: u32 = 34;
/// The height of one row of the legend, or of one line of the footer.
const ROW: u32 = 24;
/// No font backend: the browser resolves the family.
pub const FONT: &str = "sans-serif";
/// Roughly how wide a character of [`TEXT`] is in [`FONT`], in pixels:
/// plotters cannot measure text without a font backend, so the footer
/// wraps by this estimate.
const CHAR: f64 = 7.6;

/// How a value on an axis is written: the scale of each unit and its
/// suffix, smallest first (`1000.0, " µs"` for nanoseconds).
pub type Units = [(f64, &'static str)];

/// Plain counts: `100`, `10k`, `1M`.
pub const COUNT: [(f64, &str); 3] = [(1.0, ""), (1e3, "k"), (1e6, "M")];
/// Values in nanoseconds: `300 ns`, `87 µs`.
pub const NANOSECONDS: [(f64, &str); 4] =
    [(1.0, " ns"), (1e3, " µs"), (1e6, " ms"), (1e9, " s")];
/// Values in bytes, in decimal kilobytes so that the ticks (powers of ten)
/// read as round numbers: 1 kB, 10 kB. Prose uses KiB where pages matter.
pub const BYTES: [(f64, &str); 4] =
    [(1.0, " B"), (1e3, " kB"), (1e6, " MB"), (1e9, " GB")];
/// Values in seconds: `100 ms`, `10 s`.
pub const SECONDS: [(f64, &str); 4] =
    [(1e-6, " µs"), (1e-3, " ms"), (1.0, " s"), (60.0, " min")];

/// One line of a [`LineChart`]: a name (its legend entry, which also picks
/// its [`colour`]) and its (x, y) points.
#[derive(Clone, Debug, PartialEq)]
pub struct Series<'a> {
    /// The legend's name; the same name has the same colour in every
    /// chart.
    pub name: &'a str,
    /// The points, in any order (they are drawn sorted by x). A point with
    /// an x or y of zero or less has no place on a log axis and is left
    /// out.
    pub points: Vec<(f64, f64)>,
    /// Drawn dashed, with hollow points: for a series that lies on top of
    /// another (lesson 04's pitfall on sequential), so both stay visible,
    /// and for a series that is not ours (the tour's Go and Python peers).
    pub dashed: bool,
}

impl<'a> Series<'a> {
    /// A solid series.
    pub fn new(name: &'a str, points: Vec<(f64, f64)>) -> Series<'a> {
        Series {
            name,
            points,
            dashed: false,
        }
    }
}

/// One log-log line chart: a title, the axes' descriptions and units, and
/// one line per series.
#[derive(Clone, Debug)]
pub struct LineChart<'a> {
    /// The caption above the plot.
    pub title: &'a str,
    /// What the x axis counts ("URLs fetched, N (log scale)").
    pub x_label: &'a str,
    /// What the y axis measures; may be empty.
    pub y_label: &'a str,
    /// How x ticks are written ([`COUNT`]).
    pub x_units: &'a Units,
    /// How y ticks are written ([`NANOSECONDS`], [`BYTES`], [`SECONDS`]).
    pub y_units: &'a Units,
    /// The lines, in the legend's order.
    pub series: Vec<Series<'a>>,
}

/// Draws `chart` as a self-contained SVG (white background), [`WIDTH`]
/// wide: the plot, its legend under it and, when `footer` is not empty, a
/// footer of one or more lines per entry (say which command made the
/// data and on what machine, so that a figure can be traced and re-run).
///
/// A chart without a drawable point is drawn with empty axes. A value too
/// large or too small for a log axis (near `1e308` or `1e-308`) is an
/// error, not a hang inside plotters.
pub fn line_chart_svg(
    chart: &LineChart<'_>,
    footer: &[String],
) -> crate::Result<String> {
    draw(None, std::slice::from_ref(chart), footer)
}

/// Draws `charts` one above the other under one `title`, with one legend
/// for all of them: each series' name appears once, and since a name has
/// the same colour in every panel, one legend entry serves them all.
/// Otherwise as [`line_chart_svg`].
pub fn line_charts_svg(
    title: &str,
    charts: &[LineChart<'_>],
    footer: &[String],
) -> crate::Result<String> {
    draw(Some(title), charts, footer)
}

/// One series after cleaning: drawable points only, sorted by x.
struct Line<'a> {
    name: &'a str,
    dashed: bool,
    points: Vec<(f64, f64)>,
}

/// One legend entry: a name, whether it is dashed, and its colour.
struct Entry<'a> {
    name: &'a str,
    dashed: bool,
    colour: RGBColor,
}

fn draw(
    title: Option<&str>,
    charts: &[LineChart<'_>],
    footer: &[String],
) -> crate::Result<String> {
    let panels: Vec<Vec<Line<'_>>> = charts.iter().map(clean).collect();
    // The legend: every name with a point in some panel, in order of
    // first appearance. Its colour is fixed by the name (the index only
    // matters for a name the palette does not know).
    let mut legend: Vec<Entry<'_>> = Vec::new();
    for line in panels.iter().flatten() {
        if !legend.iter().any(|e| e.name == line.name) {
            legend.push(Entry {
                name: line.name,
                dashed: line.dashed,
                colour: colour(line.name, legend.len()),
            });
        }
    }
    let ranges = charts
        .iter()
        .zip(&panels)
        .map(|(chart, lines)| axis_ranges(chart, lines))
        .collect::<crate::Result<Vec<_>>>()?;

    let name = title.or(charts.first().map(|c| c.title)).unwrap_or("");
    let fail = |e| drawing_error(name, e);
    // Panels are stacked, not side by side: side by side, a phone would
    // scale the pair down to half the text size.
    let count = u32::try_from(charts.len().max(1)).unwrap_or(1);
    // A long title is cut into lines: SVG text does not wrap, and a line
    // wider than the chart would be cut off at both ends.
    let title_lines = match title {
        Some(title) => {
            let max = (f64::from(WIDTH) - 24.0)
                / (CHAR * f64::from(CAPTION) / f64::from(TEXT));
            wrap(title, max as usize)
        }
        None => Vec::new(),
    };
    let title_height = match u32::try_from(title_lines.len()).unwrap_or(1) {
        0 => 0,
        n => TITLE + ROW * (n - 1),
    };
    let legend_height = legend_height(legend.len());
    let footer = wrap_footer(footer);
    let footer_height = footer_height(&footer);
    let height = title_height + HEIGHT * count + legend_height + footer_height;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height))
            .into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let (heading, body) = root.split_vertically(title_height);
        let (plots, rest) = body.split_vertically(HEIGHT * count);
        let (legend_area, bottom) = rest.split_vertically(legend_height);
        let style = TextStyle::from((FONT, CAPTION).into_font())
            .pos(Pos::new(HPos::Center, VPos::Center));
        let row = i32::try_from(ROW).unwrap_or(0);
        for (index, line) in title_lines.iter().enumerate() {
            let y = 20 + row * i32::try_from(index).unwrap_or(0);
            let at = (i32::try_from(WIDTH / 2).unwrap_or(0), y);
            heading
                .draw(&Text::new(line.as_str(), at, style.clone()))
                .map_err(fail)?;
        }
        let areas = plots.split_evenly((charts.len().max(1), 1));
        for (((chart, lines), (x_range, y_range)), area) in
            charts.iter().zip(&panels).zip(ranges).zip(&areas)
        {
            draw_panel(area, chart, lines, &legend, x_range, y_range)
                .map_err(fail)?;
        }
        draw_legend(&legend_area, &legend).map_err(fail)?;
        draw_footer(&bottom, &footer).map_err(fail)?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// The legend's entries per row: two columns of [`WIDTH`] / 2.
const LEGEND_COLUMNS: usize = 2;

/// The height of a legend of `entries` entries (none for none).
fn legend_height(entries: usize) -> u32 {
    let rows = entries.div_ceil(LEGEND_COLUMNS);
    match rows {
        0 => 0,
        rows => ROW * u32::try_from(rows).unwrap_or(1) + 8,
    }
}

/// The chart's series with only their drawable points, sorted by x; a
/// series with none is left out (and so is not in the legend).
fn clean<'a>(chart: &LineChart<'a>) -> Vec<Line<'a>> {
    chart
        .series
        .iter()
        .filter_map(|series| {
            let mut points: Vec<(f64, f64)> = series
                .points
                .iter()
                .copied()
                .filter(|&(x, y)| x > 0.0 && y > 0.0)
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            (!points.is_empty()).then_some(Line {
                name: series.name,
                dashed: series.dashed,
                points,
            })
        })
        .collect()
}

/// The x and y ranges of one panel: around its points, padded, at least
/// two decades wide, and drawable.
fn axis_ranges(
    chart: &LineChart<'_>,
    lines: &[Line<'_>],
) -> crate::Result<(Range<f64>, Range<f64>)> {
    let all = || lines.iter().flat_map(|line| line.points.iter());
    if all().next().is_none() {
        // Nothing measured: empty axes over two decades.
        return Ok((log_range(1.0, 100.0, 1.0), log_range(1.0, 100.0, 1.0)));
    }
    let bounds = |pick: fn(&(f64, f64)) -> f64| {
        all()
            .map(pick)
            .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)))
    };
    let (x_min, x_max) = bounds(|p| p.0);
    let (y_min, y_max) = bounds(|p| p.1);
    let x_range = log_range(x_min, x_max, 1.4);
    let y_range = log_range(y_min, y_max, 1.6);
    if drawable(&x_range) && drawable(&y_range) {
        Ok((x_range, y_range))
    } else {
        Err(format!(
            "a value is too large or too small to draw on a log axis \
             (chart `{}`)",
            chart.title
        )
        .into())
    }
}

/// One panel: the caption, log-log axes with their ticks and light grid,
/// then each series' line and points.
fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &LineChart<'_>,
    lines: &[Line<'_>],
    legend: &[Entry<'_>],
    x_range: Range<f64>,
    y_range: Range<f64>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let mut plot = ChartBuilder::on(area)
        .caption(chart.title, (FONT, CAPTION))
        .margin(12)
        .x_label_area_size(52)
        .y_label_area_size(84)
        .build_cartesian_2d(x_range.log_scale(), y_range.log_scale())?;
    let x_ticks = |v: &f64| tick(*v, chart.x_units);
    let y_ticks = |v: &f64| tick(*v, chart.y_units);
    plot.configure_mesh()
        .x_desc(chart.x_label)
        .y_desc(chart.y_label)
        .x_label_formatter(&x_ticks)
        .y_label_formatter(&y_ticks)
        .label_style((FONT, TEXT))
        .axis_desc_style((FONT, TEXT))
        .light_line_style(RGBColor(240, 240, 240))
        .draw()?;
    for line in lines {
        let colour = legend
            .iter()
            .find(|e| e.name == line.name)
            .map_or(BLACK, |e| e.colour);
        let style = colour.stroke_width(2);
        let points = line.points.iter().copied();
        if line.dashed {
            plot.draw_series(DashedLineSeries::new(points, 6, 4, style))?;
        } else {
            plot.draw_series(LineSeries::new(points, style))?;
        }
        plot.draw_series(
            line.points.iter().map(|&p| marker(p, line.dashed, colour)),
        )?;
    }
    Ok(())
}

/// A data point: a dot, or a ring for a dashed series, so that a point
/// lying on another series' dot still shows.
fn marker<C>(at: C, dashed: bool, colour: RGBColor) -> Circle<C, i32> {
    if dashed {
        Circle::new(at, 6, colour.stroke_width(2))
    } else {
        Circle::new(at, 4, colour.filled())
    }
}

/// The legend, under the plots: a short line and dot in each series'
/// colour, and its name, in [`LEGEND_COLUMNS`] columns.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    legend: &[Entry<'_>],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let style = TextStyle::from((FONT, TEXT).into_font())
        .pos(Pos::new(HPos::Left, VPos::Center));
    let column_width = i32::try_from(WIDTH).unwrap_or(0)
        / i32::try_from(LEGEND_COLUMNS).unwrap_or(1);
    for (index, entry) in legend.iter().enumerate() {
        let row = i32::try_from(index / LEGEND_COLUMNS).unwrap_or(0);
        let column = i32::try_from(index % LEGEND_COLUMNS).unwrap_or(0);
        let y = 12 + i32::try_from(ROW).unwrap_or(0) * row;
        let x = 60 + column_width * column;
        // A dashed series gets a dashed swatch: two strokes with a gap
        // where its ring sits.
        let swatch: &[_] = if entry.dashed {
            &[(0, 6), (20, 26)]
        } else {
            &[(0, 26)]
        };
        for &(from, to) in swatch {
            area.draw(&PathElement::new(
                vec![(x + from, y), (x + to, y)],
                entry.colour.stroke_width(2),
            ))?;
        }
        area.draw(&marker((x + 13, y), entry.dashed, entry.colour))?;
        area.draw(&Text::new(entry.name, (x + 34, y), style.clone()))?;
    }
    Ok(())
}

/// `footer` with each entry cut into lines that fit [`WIDTH`] at [`TEXT`]
/// size, at spaces; an empty entry stays one blank line. Call it before
/// [`footer_height`] and [`draw_footer`].
pub fn wrap_footer(footer: &[String]) -> Vec<String> {
    let max = ((f64::from(WIDTH) - 24.0) / CHAR) as usize;
    let mut lines: Vec<String> =
        footer.iter().flat_map(|entry| wrap(entry, max)).collect();
    // A blank last line is no line.
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// `text` cut at spaces into lines of at most `max` characters (a longer
/// word gets a line of its own); an empty text is one empty line.
fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > max {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// The height of the strip [`draw_footer`] needs for `lines` (already
/// wrapped): none for none.
pub fn footer_height(lines: &[String]) -> u32 {
    match u32::try_from(lines.len()).unwrap_or(0) {
        0 => 0,
        n => ROW * n + 8,
    }
}

/// The footer strip: one grey line of text per entry of `lines` (wrapped
/// by [`wrap_footer`]; an empty entry leaves its line blank). Public so
/// that other kinds of chart (the tour's bar charts) carry the same
/// footer.
pub fn draw_footer<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    lines: &[String],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let style = TextStyle::from((FONT, TEXT).into_font())
        .color(&RGBColor(90, 90, 90))
        .pos(Pos::new(HPos::Left, VPos::Center));
    let row = i32::try_from(ROW).unwrap_or(0);
    for (index, line) in lines.iter().enumerate() {
        if !line.is_empty() {
            let y = row / 2 + row * i32::try_from(index).unwrap_or(0);
            area.draw(&Text::new(line.as_str(), (12, y), style.clone()))?;
        }
    }
    Ok(())
}

/// A chart error as the course's [`Error`](crate::Error), naming the
/// chart's title so the message says which chart failed. plotters' own
/// error type is generic over the backend; this flattens it to text.
pub fn drawing_error(
    title: &str,
    error: impl std::fmt::Display,
) -> crate::Error {
    format!("drawing the chart `{title}` failed: {error}").into()
}

/// A fixed colour per name, so the same runtime has the same colour in
/// every chart of the book, whichever lesson drew it and whichever other
/// series share it: a reader who learned "tokio is blue" on one figure can
/// read the next without the legend. Green for the greenlet family, blue
/// for tokio, purple for may, red for OS threads, grey for sequential.
/// `index` picks a spare colour for a name the palette does not know.
pub fn colour(name: &str, index: usize) -> RGBColor {
    match name {
        "thread" | "thread_same_core" | "std_mpsc" | "threads" => {
            RGBColor(214, 39, 40)
        }
        "thread_cross_core" => RGBColor(140, 20, 30),
        "hub" | "greenlet" => RGBColor(44, 160, 44),
        "bare" => RGBColor(140, 86, 75),
        "corosensei" | "crossbeam" => RGBColor(255, 127, 14),
        "state_machine" | "sequential" => RGBColor(127, 127, 127),
        "may" | "may_yield" | "may_mpsc" => RGBColor(148, 103, 189),
        "tokio_ct" | "tokio_yield_now" | "tokio_mpsc" | "tokio" => {
            RGBColor(31, 119, 180)
        }
        "tokio_mt" => RGBColor(23, 190, 207),
        "rayon" => RGBColor(188, 189, 34),
        "blocking-in-tokio" => RGBColor(227, 119, 194),
        // The tour's peers, drawn dashed: Go in teal, gevent in olive,
        // Python's bare greenlet in a darker olive, asyncio in pink.
        "go_procs1" | "go_gosched" | "go_chan" => RGBColor(0, 139, 139),
        "go_procs2" => RGBColor(0, 70, 100),
        "gevent" | "gevent_sleep0" | "gevent_queue" => RGBColor(188, 189, 34),
        "py_greenlet" => RGBColor(107, 110, 20),
        "asyncio" | "asyncio_sleep0" | "asyncio_queue" => {
            RGBColor(227, 119, 194)
        }
        _ => {
            const SPARE: [RGBColor; 4] = [
                RGBColor(188, 189, 34),
                RGBColor(227, 119, 194),
                RGBColor(23, 190, 207),
                RGBColor(140, 86, 75),
            ];
            SPARE[index % SPARE.len()]
        }
    }
}

/// `1k`, `10 µs`, `2.5 MB`: an axis tick or a bar's value, in the largest
/// unit that keeps the number at least 1, with three significant digits at
/// most and no trailing zeros.
pub fn tick(value: f64, units: &Units) -> String {
    let (scale, suffix) = units
        .iter()
        .rev()
        .find(|(scale, _)| value >= *scale * 0.999_999)
        .unwrap_or(&units[0]);
    let number = value / scale;
    let decimals = match number {
        n if n >= 100.0 => 0,
        n if n >= 10.0 => 1,
        _ => 2,
    };
    let text = format!("{number:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text}{suffix}")
}

/// A log-axis range around `[min, max]` (both positive), padded by `pad`
/// on each side and at least two decades wide, so that plotters labels
/// the powers of ten (1k, 10k) and draws its light grid lines at 2×, 3×
/// … 9× them. (On a narrower range it labels 10, 20, 30 … and packs its
/// light lines into a grey smear.)
pub fn log_range(min: f64, max: f64, pad: f64) -> Range<f64> {
    let (low, high) = (min / pad, max * pad);
    const WIDEST: f64 = 120.0;
    if high / low >= WIDEST {
        return low..high;
    }
    let centre = (low * high).sqrt();
    let half = WIDEST.sqrt();
    centre / half..centre * half
}

/// Whether a log axis can draw `range`: both ends positive normal numbers.
/// A value near the largest `f64` (`1e308`) makes the padded end infinite,
/// one near the smallest (`1e-307`) makes it subnormal or zero, and
/// plotters, asked for the ticks of such an axis, never returns.
pub fn drawable(range: &Range<f64>) -> bool {
    let normal = |v: f64| v.is_normal() && v > 0.0;
    normal(range.start) && normal(range.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_read_as_round_numbers() {
        assert_eq!(tick(1000.0, &COUNT), "1k");
        assert_eq!(tick(1_000_000.0, &COUNT), "1M");
        assert_eq!(tick(100.0, &COUNT), "100");
        assert_eq!(tick(0.1, &NANOSECONDS), "0.1 ns");
        assert_eq!(tick(10_000.0, &NANOSECONDS), "10 µs");
        assert_eq!(tick(2500.0, &BYTES), "2.5 kB");
        assert_eq!(tick(0.05, &SECONDS), "50 ms");
        assert_eq!(tick(3.0, &SECONDS), "3 s");
    }

    #[test]
    fn values_keep_three_significant_digits() {
        assert_eq!(tick(0.123, &NANOSECONDS), "0.12 ns");
        assert_eq!(tick(48.0, &NANOSECONDS), "48 ns");
        assert_eq!(tick(450.0, &NANOSECONDS), "450 ns");
        assert_eq!(tick(41_234.0, &NANOSECONDS), "41.2 µs");
        assert_eq!(tick(2_950.0, &NANOSECONDS), "2.95 µs");
    }

    #[test]
    fn log_ranges_span_at_least_two_decades() {
        let r = log_range(250.0, 300.0, 1.2);
        assert!(r.end / r.start >= 100.0, "{r:?}");
        assert!(r.start < 250.0 && r.end > 300.0, "{r:?}");
        let r = log_range(1000.0, 1_000_000.0, 1.4);
        assert_eq!(r, 1000.0 / 1.4..1_000_000.0 * 1.4);
    }

    fn chart<'a>(title: &'a str, series: Vec<Series<'a>>) -> LineChart<'a> {
        LineChart {
            title,
            x_label: "tasks",
            y_label: "time",
            x_units: &COUNT,
            y_units: &NANOSECONDS,
            series,
        }
    }

    #[test]
    fn side_by_side_panels_share_one_legend() {
        let left = chart(
            "time",
            vec![
                Series::new("hub", vec![(1e3, 300.0), (1e4, 320.0)]),
                Series::new("may", vec![(1e3, 900.0)]),
            ],
        );
        // may has no point here: it is still in the legend, once.
        let right = chart(
            "memory",
            vec![
                Series::new("hub", vec![(1e3, 4400.0), (1e4, 4300.0)]),
                Series::new("may", vec![(1e3, 0.0)]),
            ],
        );
        let svg =
            line_charts_svg("a < b", &[left, right], &["data: x".to_owned()])
                .unwrap();
        assert_eq!(svg.matches(">\nhub\n</text>").count(), 1, "{svg}");
        assert_eq!(svg.matches(">\nmay\n</text>").count(), 1, "{svg}");
        assert!(svg.contains("a &lt; b"));
        assert!(svg.contains("data: x"));
    }

    #[test]
    fn a_long_title_is_cut_into_lines_that_fit() {
        let title = "lesson 03: spawn + join per task, and memory per live \
                     task, against the number of tasks alive at once";
        let panel = chart("time", vec![Series::new("hub", vec![(1e3, 300.0)])]);
        let svg = line_charts_svg(title, &[panel], &[]).unwrap();
        let first =
            "lesson 03: spawn + join per task, and memory per live task,";
        assert!(svg.contains(&format!(">\n{first}\n</text>")), "{svg}");
        assert!(!svg.contains(title), "{svg}");
        assert_eq!(wrap("a b c", 3), ["a b", "c"]);
        assert_eq!(wrap("", 3), [""]);
    }

    #[test]
    fn a_value_no_log_axis_can_hold_is_an_error() {
        let huge =
            chart("huge", vec![Series::new("hub", vec![(1.0, 1.7e308)])]);
        let error = line_chart_svg(&huge, &[]).unwrap_err().to_string();
        assert!(error.starts_with("a value is too large"), "{error}");
        // An empty chart is drawn, with empty axes.
        assert!(line_chart_svg(&chart("empty", vec![]), &[]).is_ok());
    }
}
