//! SVG charts of the `numbers` run, for the book's numbers chapter.
//!
//! The `numbers` run writes one CSV per experiment (see [`crate::numbers`]);
//! [`render_dir`] reads them back and draws one chart per CSV with
//! [plotters](https://docs.rs/plotters), through its SVG backend only: no
//! font or bitmap backend is compiled in, so text is written as SVG `<text>`
//! and the browser picks the font. (Without a font backend plotters can
//! only *estimate* how wide a label is; the layout leaves room for that.)
//!
//! **Run it:**
//!
//! ```text
//! cargo run --release -p lesson-00-tour -- numbers          # writes target/numbers/*.csv
//! cargo run --release -p lesson-00-tour -- charts           # writes book/src/figures/numbers-*.svg
//! ```
//!
//! **What to notice:** almost every axis is logarithmic. The figures span
//! six orders of magnitude (a state-machine switch is a fraction of a
//! nanosecond, a cross-core thread hand-off tens of microseconds), and on a
//! linear axis everything but the slowest bar would be invisible. On a log
//! axis equal distances are equal *ratios*, which is what the course's
//! claims are about: "a hundred times cheaper" looks the same at every
//! scale.
//!
//! Every chart names, in its footer, the command that measured its data and
//! the machine it ran on (from `machine.csv`), so a figure in the book can
//! always be traced back and re-run.
//!
//! The peers' rows (Go, gevent, greenlet, asyncio: see
//! [`crate::numbers::peers`]) are drawn on the same axes as ours but
//! dashed: a dashed line with hollow points, or a pale bar with a dashed
//! outline. A chart that draws one names the peers' versions in its
//! footer.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::numbers::peers::{VERSION_KEYS, is_peer};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use shared::render::chart::{
    self, BYTES, CAPTION, COUNT, FONT, NANOSECONDS, SECONDS, Series, TEXT,
    Units, WIDTH, colour, drawable, drawing_error, footer_height, tick,
    wrap_footer,
};

/// The command that writes the CSVs the charts are drawn from.
pub const NUMBERS_COMMAND: &str =
    "cargo run --release -p lesson-00-tour -- numbers";

/// Every chart [`render_dir`] can draw, in the chapter's order: the SVG's
/// file name and the CSV it is drawn from.
pub const CHARTS: [(&str, &str); 5] = [
    ("numbers-spawn-time.svg", "spawn.csv"),
    ("numbers-spawn-memory.svg", "spawn.csv"),
    ("numbers-switch.svg", "switch.csv"),
    ("numbers-channels.svg", "channels.csv"),
    ("numbers-fetch.svg", "fetch.csv"),
];

/// Draws every chart whose CSV is in `csv_dir` into `out_dir`, and
/// returns the paths it wrote, in the order of [`CHARTS`]: [`draw_dir`],
/// then [`Drawn::write`]. Nothing to draw writes nothing and creates no
/// folder.
pub fn render_dir(
    csv_dir: &Path,
    out_dir: &Path,
) -> shared::Result<Vec<PathBuf>> {
    draw_dir(csv_dir)?.write(out_dir)
}

/// The charts of one `numbers` run, drawn in memory and not yet written,
/// and the ones that could not be drawn with the reason why.
#[derive(Debug)]
pub struct Drawn {
    /// Each chart's file name and SVG text, in the order of [`CHARTS`].
    pub charts: Vec<(&'static str, String)>,
    /// One line per chart left out: its file name and which data it
    /// lacks (`numbers-fetch.svg: no fetch.csv in target/numbers`).
    pub skipped: Vec<String>,
}

impl Drawn {
    /// Writes every chart into `out_dir` and returns the paths written.
    /// The folder is created when it is missing (only the folder itself:
    /// its parent must exist, so a typo is an error rather than a new
    /// tree of folders), and only when there is a chart to write.
    pub fn write(&self, out_dir: &Path) -> shared::Result<Vec<PathBuf>> {
        if self.charts.is_empty() {
            return Ok(Vec::new());
        }
        crate::numbers::make_folder(out_dir)?;
        let mut written = Vec::new();
        for (svg_name, svg) in &self.charts {
            let path = out_dir.join(svg_name);
            fs::write(&path, svg)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            written.push(path);
        }
        Ok(written)
    }
}

/// Draws, in memory, every chart whose CSV is in `csv_dir`.
///
/// A missing CSV skips its charts, so a partial run still gives the charts
/// it can; so does a CSV with nothing to draw (memory per task, when no
/// runtime's memory was measured). Each skipped chart is named in
/// [`Drawn::skipped`] with the data it lacks. A CSV that is there but
/// malformed is an error naming the file and line. `machine.csv`, when
/// present, is quoted in each chart's footer.
pub fn draw_dir(csv_dir: &Path) -> shared::Result<Drawn> {
    let footer = footer_text(csv_dir)?;
    let mut drawn = Drawn {
        charts: Vec::new(),
        skipped: Vec::new(),
    };
    for (svg_name, csv_name) in CHARTS {
        let Some(table) = Table::read(&csv_dir.join(csv_name))? else {
            drawn.skipped.push(format!(
                "{svg_name}: no {csv_name} in {}",
                csv_dir.display()
            ));
            continue;
        };
        let chart = match svg_name {
            "numbers-spawn-time.svg" => Chart::Lines(LineChart {
                title: "Spawn + join: time per task against N (log-log)",
                series: "runtime",
                x: "tasks",
                y: "ns_per_task",
                x_desc: "tasks spawned and joined, N (log scale)",
                y_desc: "time per task, ns / µs (log scale)",
                x_units: &COUNT,
                y_units: &NANOSECONDS,
            }),
            "numbers-spawn-memory.svg" => Chart::Lines(LineChart {
                title: "Resident memory per live task against N (log-log)",
                series: "runtime",
                x: "tasks",
                y: "bytes_per_task",
                x_desc: "tasks alive at once, N (log scale)",
                y_desc: "resident bytes per task, B / kB (log scale)",
                x_units: &COUNT,
                y_units: &BYTES,
            }),
            "numbers-switch.svg" => Chart::Bars(BarChart {
                title: "One switch or hand-off, by mechanism (log scale)",
                name: "mechanism",
                value: "ns",
                value_desc: "time per one-way switch, ns / µs (log scale)",
            }),
            "numbers-channels.svg" => Chart::Bars(BarChart {
                title: "Channel ping-pong: one round trip, by channel \
                        (log scale)",
                name: "channel",
                value: "ns_per_round_trip",
                value_desc: "time per round trip, ns / µs (log scale)",
            }),
            "numbers-fetch.svg" => Chart::Lines(LineChart {
                title: "Fetch N URLs: total time per strategy (log-log)",
                series: "strategy",
                x: "urls",
                y: "seconds",
                x_desc: "URLs fetched, N (log scale)",
                y_desc: "total time, ms / s (log scale)",
                x_units: &COUNT,
                y_units: &SECONDS,
            }),
            // A name in CHARTS without a drawing here is a bug in this
            // file, which the tests catch by checking every chart is drawn.
            other => return Err(format!("no drawing for {other}").into()),
        };
        let svg = match &chart {
            Chart::Lines(lines) => lines.render(&table, &footer)?,
            Chart::Bars(bars) => bars.render(&table, &footer)?,
        };
        match svg {
            Some(svg) => drawn.charts.push((svg_name, svg)),
            None => drawn.skipped.push(format!(
                "{svg_name}: {csv_name} has no `{}` figure to draw",
                chart.figure()
            )),
        }
    }
    Ok(drawn)
}

/// The footer of the charts: the command that made the data and, when
/// `machine.csv` is there, the machine it ran on; and, for a chart that
/// draws a peer, the peers' versions.
struct Footer {
    lines: [String; 3],
    /// `dashed: peers, not Rust: go1.19.8 · python 3.11.7 · …`, when
    /// `machine.csv` names any peer's version.
    peers: Option<String>,
}

impl Footer {
    /// The footer of a chart, which draws a peer or not.
    fn lines(&self, draws_peers: bool) -> Vec<String> {
        let mut lines = self.lines.to_vec();
        if draws_peers && let Some(peers) = &self.peers {
            // The software line may be blank (no machine.csv): the peers
            // go after the three fixed lines either way.
            lines.push(peers.clone());
        }
        lines
    }
}

fn footer_text(csv_dir: &Path) -> shared::Result<Footer> {
    let Some(machine) = Table::read(&csv_dir.join("machine.csv"))? else {
        return Ok(Footer {
            lines: [
                format!("data: {NUMBERS_COMMAND}"),
                String::new(),
                String::new(),
            ],
            peers: None,
        });
    };
    let key = machine.column("key")?;
    let value = machine.column("value")?;
    let get = |wanted: &str| {
        machine
            .rows
            .iter()
            .find(|row| row.fields[key] == wanted)
            .map(|row| row.fields[value].as_str())
    };
    // A quick run was made by a different command, and its figures mean
    // less: the footer says both.
    let quick = get("mode") == Some("quick");
    let command = if quick {
        format!("data: {NUMBERS_COMMAND} --quick")
    } else {
        format!("data: {NUMBERS_COMMAND}")
    };
    // The machine and the date on one line, the software on the next:
    // each fits the chart's width, so neither is cut by wrapping.
    let mut machine_line = Vec::new();
    if let Some(cores) = get("cores") {
        machine_line.push(format!("{cores} cores"));
    }
    for wanted in ["cpu", "date"] {
        if let Some(text) = get(wanted) {
            machine_line.push(text.to_owned());
        }
    }
    let mut software = Vec::new();
    for wanted in ["kernel", "rustc"] {
        if let Some(text) = get(wanted) {
            software.push(text.to_owned());
        }
    }
    // A tiny run is the tests' size: say so, whatever made it.
    if let Some(mode) = get("mode").filter(|m| *m != "full") {
        software.push(format!("{mode} mode"));
    }
    // The peers' versions, each with its name: Go's already says `go`.
    let peers: Vec<String> = VERSION_KEYS
        .iter()
        .filter_map(|key| {
            let version = get(key).filter(|v| !v.is_empty())?;
            Some(if version.starts_with(key) {
                version.to_owned()
            } else {
                format!("{key} {version}")
            })
        })
        .collect();
    Ok(Footer {
        lines: [command, machine_line.join(" · "), software.join(" · ")],
        peers: (!peers.is_empty())
            .then(|| format!("dashed: peers, not Rust: {}", peers.join(" · "))),
    })
}

/// One CSV file: its header and its data rows, each with its line number
/// for error messages.
struct Table {
    path: PathBuf,
    header: Vec<String>,
    rows: Vec<Record>,
}

/// One data row of a [`Table`].
struct Record {
    line: usize,
    fields: Vec<String>,
}

impl Table {
    /// Reads `path`; `Ok(None)` when there is no such file.
    ///
    /// The format is the `numbers` run's: a header line, then one row per
    /// line, fields separated by commas. Names are snake_case and numbers
    /// plain, so there is no quoting to handle, and a quote is an error
    /// rather than something silently mis-split. Blank lines are skipped.
    fn read(path: &Path) -> shared::Result<Option<Table>> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(
                    format!("cannot read {}: {e}", path.display()).into()
                );
            }
        };
        Table::parse(path, &text).map(Some)
    }

    fn parse(path: &Path, text: &str) -> shared::Result<Table> {
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(index, line)| (index + 1, line.trim()))
            .filter(|(_, line)| !line.is_empty());
        let Some((header_line, header)) = lines.next() else {
            return Err(format!(
                "{}: the file is empty; expected a header line",
                path.display()
            )
            .into());
        };
        let split = |line_number: usize, line: &str| {
            if line.contains('"') {
                return Err(format!(
                    "{}:{line_number}: quoted fields are not supported \
                     (names are snake_case, numbers plain)",
                    path.display()
                ));
            }
            Ok(line.split(',').map(|f| f.trim().to_owned()).collect())
        };
        let header: Vec<String> = split(header_line, header)?;
        let mut rows = Vec::new();
        for (line, text) in lines {
            let fields: Vec<String> = split(line, text)?;
            if fields.len() != header.len() {
                return Err(format!(
                    "{}:{line}: {} fields, but the header has {} ({})",
                    path.display(),
                    fields.len(),
                    header.len(),
                    header.join(",")
                )
                .into());
            }
            rows.push(Record { line, fields });
        }
        Ok(Table {
            path: path.to_owned(),
            header,
            rows,
        })
    }

    /// The index of the column called `name`.
    fn column(&self, name: &str) -> shared::Result<usize> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            format!(
                "{}: no column `{name}` (the header is `{}`)",
                self.path.display(),
                self.header.join(",")
            )
            .into()
        })
    }

    /// The number in column `column` of `row`: `None` when the field is
    /// empty (a figure that was not measured), an error naming file and
    /// line when it is not a finite, non-negative number.
    fn number(
        &self,
        row: &Record,
        column: usize,
    ) -> shared::Result<Option<f64>> {
        let field = &row.fields[column];
        if field.is_empty() {
            return Ok(None);
        }
        match field.parse::<f64>() {
            Ok(value) if value.is_finite() && value >= 0.0 => Ok(Some(value)),
            _ => Err(format!(
                "{}:{}: column `{}`: `{field}` is not a number \
                 (expected a finite, non-negative one)",
                self.path.display(),
                row.line,
                self.header[column]
            )
            .into()),
        }
    }

    /// An axis range that a log axis can draw: both ends positive normal
    /// numbers. A value near the largest `f64` (`1e308`) makes the padded
    /// end infinite, one near the smallest (`1e-307`) makes it subnormal or
    /// zero, and plotters, asked for the ticks of such an axis, never
    /// returns: refuse it instead.
    fn check_drawable(
        &self,
        range: &std::ops::Range<f64>,
    ) -> shared::Result<()> {
        if drawable(range) {
            Ok(())
        } else {
            Err(format!(
                "{}: a value is too large or too small to draw on a log \
                 axis",
                self.path.display()
            )
            .into())
        }
    }
}

/// The two kinds of chart the chapter needs.
enum Chart {
    Lines(LineChart),
    Bars(BarChart),
}

impl Chart {
    /// The CSV column the chart draws (for a message when it has none).
    fn figure(&self) -> &'static str {
        match self {
            Chart::Lines(lines) => lines.y,
            Chart::Bars(bars) => bars.value,
        }
    }
}

/// Several series of (N, value) points on log-log axes, one line per
/// distinct value of the `series` column, drawn by
/// [`shared::render::chart`] (which lessons 03 and 04 draw their sweeps
/// with too).
struct LineChart {
    title: &'static str,
    series: &'static str,
    x: &'static str,
    y: &'static str,
    x_desc: &'static str,
    y_desc: &'static str,
    x_units: &'static Units,
    y_units: &'static Units,
}

impl LineChart {
    /// The SVG text, or `None` when the table has no point to draw.
    fn render(
        &self,
        table: &Table,
        footer: &Footer,
    ) -> shared::Result<Option<String>> {
        let (name, x, y) = (
            table.column(self.series)?,
            table.column(self.x)?,
            table.column(self.y)?,
        );
        // Series in the order they first appear in the CSV, which is the
        // order the `numbers` run measured them in. A point with an empty
        // or zero value has no place on a log axis and is left out.
        let mut series: Vec<Series<'_>> = Vec::new();
        for row in &table.rows {
            let (Some(px), Some(py)) =
                (table.number(row, x)?, table.number(row, y)?)
            else {
                continue;
            };
            if px <= 0.0 || py <= 0.0 {
                continue;
            }
            let label = row.fields[name].as_str();
            match series.iter_mut().find(|s| s.name == label) {
                Some(s) => s.points.push((px, py)),
                None => series.push(Series {
                    name: label,
                    points: vec![(px, py)],
                    dashed: is_pitfall(label) || is_peer(label),
                }),
            }
        }
        if series.is_empty() {
            return Ok(None);
        }
        let footer = footer.lines(series.iter().any(|s| is_peer(s.name)));
        let chart = chart::LineChart {
            title: self.title,
            x_label: self.x_desc,
            y_label: self.y_desc,
            x_units: self.x_units,
            y_units: self.y_units,
            series,
        };
        // The error of a value no log axis can hold names the CSV it
        // came from.
        chart::line_chart_svg(&chart, &footer)
            .map(Some)
            .map_err(|e| format!("{}: {e}", table.path.display()).into())
    }
}

/// Lesson 04's pitfall, a blocking call inside tokio, takes as long as
/// the sequential strategy, so its points lie on top of sequential's. It is
/// drawn dashed with hollow points (as in lesson 04's own chart) so that
/// both stay visible. (The peers are dashed too, for another reason: they
/// are not ours; see [`is_peer`].)
fn is_pitfall(series: &str) -> bool {
    series == "blocking-in-tokio"
}

/// One horizontal bar per row, on a logarithmic value axis, top to bottom
/// in the order of the CSV, each labelled with its value.
struct BarChart {
    title: &'static str,
    name: &'static str,
    value: &'static str,
    value_desc: &'static str,
}

impl BarChart {
    /// The SVG text, or `None` when the table has no row to draw.
    fn render(
        &self,
        table: &Table,
        footer: &Footer,
    ) -> shared::Result<Option<String>> {
        let (name, value) =
            (table.column(self.name)?, table.column(self.value)?);
        let mut bars = Vec::new();
        for row in &table.rows {
            if let Some(v) = table.number(row, value)? {
                bars.push((row.fields[name].clone(), v));
            }
        }
        if bars.is_empty() {
            return Ok(None);
        }
        // A zero (a switch too cheap to see) still gets its row and label;
        // its bar has no length.
        let positive = bars.iter().map(|b| b.1).filter(|v| *v > 0.0);
        let min = positive.clone().fold(f64::MAX, f64::min);
        let max = positive.fold(f64::MIN, f64::max);
        let (min, max) = if min > max { (1.0, 1.0) } else { (min, max) };
        // Bars start at a power of ten below the cheapest, so even the
        // cheapest bar has a visible length; the right end leaves room
        // for the value printed after the longest bar.
        let low = 10f64.powf((min / 2.0).log10().floor());
        let high = max * 12.0;
        table.check_drawable(&(low..high))?;
        let count = bars.len() as i32;
        // Each bar gets a row tall enough for its name at full size, so a
        // phone (which scales the chart to its width) can read them.
        let plot_height = 130 + 36 * bars.len() as u32;
        let footer =
            wrap_footer(&footer.lines(bars.iter().any(|b| is_peer(&b.0))));
        let height = plot_height + footer_height(&footer);

        let mut svg = String::new();
        let fail = |e| drawing_error(self.title, e);
        {
            let root = SVGBackend::with_string(&mut svg, (WIDTH, height))
                .into_drawing_area();
            root.fill(&WHITE).map_err(fail)?;
            let (plot, bottom) = root.split_vertically(plot_height);
            // Category `i` of the segmented axis is drawn from the bottom
            // up, so the first row of the CSV gets the top category.
            let row_of = |i: i32| count - 1 - i;
            let mut chart = ChartBuilder::on(&plot)
                .caption(self.title, (FONT, CAPTION))
                .margin(12)
                .x_label_area_size(52)
                .y_label_area_size(150)
                .build_cartesian_2d(
                    (low..high).log_scale(),
                    (0..count - 1).into_segmented(),
                )
                .map_err(fail)?;
            let x_ticks = |v: &f64| tick(*v, &NANOSECONDS);
            let y_names = |v: &SegmentValue<i32>| match v {
                SegmentValue::CenterOf(i) => usize::try_from(row_of(*i))
                    .ok()
                    .and_then(|row| bars.get(row))
                    .map(|bar| bar.0.clone())
                    .unwrap_or_default(),
                _ => String::new(),
            };
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(bars.len())
                .x_desc(self.value_desc)
                .x_label_formatter(&x_ticks)
                .y_label_formatter(&y_names)
                .label_style((FONT, TEXT))
                .axis_desc_style((FONT, TEXT))
                .light_line_style(RGBColor(240, 240, 240))
                .draw()
                .map_err(fail)?;
            let label_style = TextStyle::from((FONT, TEXT).into_font())
                .pos(Pos::new(HPos::Left, VPos::Center));
            for (row, (label, v)) in bars.iter().enumerate() {
                let i = row_of(row as i32);
                let end = v.max(low);
                let colour = colour(label, row);
                // A peer's bar is pale, with a dashed outline: on the same
                // axis as ours, but plainly not one of ours.
                let fill = if is_peer(label) {
                    pale(colour).filled()
                } else {
                    colour.filled()
                };
                let mut bar = Rectangle::new(
                    [
                        (low, SegmentValue::Exact(i)),
                        (end, SegmentValue::Exact(i + 1)),
                    ],
                    fill,
                );
                bar.set_margin(5, 5, 0, 0);
                chart.draw_series([bar]).map_err(fail)?;
                if is_peer(label) {
                    // The outline in pixels: the bar's corners, inside
                    // the same 5-pixel margin as the bar.
                    let (left, top) =
                        chart.backend_coord(&(low, SegmentValue::Exact(i + 1)));
                    let (right, bottom) =
                        chart.backend_coord(&(end, SegmentValue::Exact(i)));
                    let (top, bottom) = (top.min(bottom), top.max(bottom));
                    dashed_outline(
                        &root,
                        (left, top + 5),
                        (right, bottom - 5),
                        colour,
                    )
                    .map_err(fail)?;
                }
                chart
                    .draw_series([EmptyElement::at((
                        end,
                        SegmentValue::CenterOf(i),
                    )) + Text::new(
                        tick(*v, &NANOSECONDS),
                        (6, 0),
                        label_style.clone(),
                    )])
                    .map_err(fail)?;
            }
            chart::draw_footer(&bottom, &footer).map_err(fail)?;
            root.present().map_err(fail)?;
        }
        Ok(Some(svg))
    }
}

/// `colour` mixed with three parts of white: a peer's bar fill.
fn pale(colour: RGBColor) -> RGBColor {
    let mix = |c: u8| ((u16::from(c) + 3 * 255) / 4) as u8;
    RGBColor(mix(colour.0), mix(colour.1), mix(colour.2))
}

/// A rectangle's outline from `(left, top)` to `(right, bottom)`, in
/// pixels of `area`, drawn as dashes (6 pixels on, 4 off): plotters has
/// dashed lines for series only, so the dashes are drawn one by one.
fn dashed_outline<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    (left, top): (i32, i32),
    (right, bottom): (i32, i32),
    colour: RGBColor,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    const ON: i32 = 6;
    const OFF: i32 = 4;
    let corners = [(left, top), (right, top), (right, bottom), (left, bottom)];
    for side in 0..4 {
        let (x0, y0) = corners[side];
        let (x1, y1) = corners[(side + 1) % 4];
        let length = (x1 - x0).abs().max((y1 - y0).abs());
        let mut at = 0;
        while at < length {
            let to = (at + ON).min(length);
            let point = |d: i32| {
                (x0 + (x1 - x0).signum() * d, y0 + (y1 - y0).signum() * d)
            };
            area.draw(&PathElement::new(
                vec![point(at), point(to)],
                colour.stroke_width(2),
            ))?;
            at = to + OFF;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_reports_file_and_line() {
        let path = Path::new("switch.csv");
        let err = Table::parse(path, "mechanism,ns\ngreenlet,5,6\n")
            .err()
            .unwrap()
            .to_string();
        assert!(err.starts_with("switch.csv:2: 3 fields"), "{err}");
        let table =
            Table::parse(path, "mechanism,ns\n\ngreenlet,five\n").unwrap();
        let err = table.number(&table.rows[0], 1).unwrap_err().to_string();
        assert!(err.starts_with("switch.csv:3: column `ns`"), "{err}");
        let err = Table::parse(path, "\n\n").err().unwrap().to_string();
        assert!(err.contains("empty"), "{err}");
    }
}
