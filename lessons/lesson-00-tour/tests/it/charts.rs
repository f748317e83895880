//! The chart generator, on a small synthetic set of CSVs: every chart is
//! written, is well-formed SVG, and shows every series of its CSV; a
//! malformed CSV is an error naming its file and line; a missing CSV skips
//! its chart, and says so; nothing to draw creates no folder.

use std::fs;
use std::path::{Path, PathBuf};

use lesson_00_tour::charts::{CHARTS, NUMBERS_COMMAND, draw_dir, render_dir};

const TOUR: &str = env!("CARGO_BIN_EXE_lesson-00-tour");

const SPAWN: &str = "\
runtime,tasks,ns_per_task,bytes_per_task
thread,1000,21000,12500
thread,10000,26000,11800
hub,1000,310,4300
hub,10000,330,4200
hub,100000,360,4180
may,1000,950,
may,10000,990,
tokio_ct,1000,95,380
tokio_ct,10000,90,330
tokio_ct,100000,88,320
tokio_mt,1000,420,400
tokio_mt,10000,410,350
tokio_mt,100000,400,340
";

const SWITCH: &str = "\
mechanism,ns
state_machine,0.12
corosensei,3.9
greenlet,5.1
bare,2.2
may_yield,48
tokio_yield_now,31
thread_same_core,2900
thread_cross_core,41000
";

const CHANNELS: &str = "\
channel,ns_per_round_trip
std_mpsc,9000
crossbeam,7000
tokio_mpsc,450
may_mpsc,800
";

const FETCH: &str = "\
strategy,urls,seconds
sequential,10,0.52
sequential,100,5.1
threads,10,0.055
threads,100,0.07
rayon,10,0.26
rayon,100,2.6
tokio,10,0.052
tokio,100,0.06
blocking-in-tokio,10,0.51
blocking-in-tokio,100,5.0
";

const MACHINE: &str = "\
key,value
cores,2
cpu,Synthetic CPU @ 1.00GHz
kernel,6.1.0-test
rustc,rustc 1.95.0 (synthetic)
date,2026-11-23
mode,quick
";

/// A fresh scratch folder under cargo's per-test temporary directory,
/// named for the test and the process, so concurrent runs never collide.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("charts-{name}-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).unwrap();
        }
        fs::create_dir_all(dir.join("csv")).unwrap();
        Scratch(dir)
    }

    /// Writes the full synthetic set of CSVs.
    fn with_every_csv(name: &str) -> Scratch {
        let scratch = Scratch::new(name);
        for (file, text) in [
            ("spawn.csv", SPAWN),
            ("switch.csv", SWITCH),
            ("channels.csv", CHANNELS),
            ("fetch.csv", FETCH),
            ("machine.csv", MACHINE),
        ] {
            scratch.write(file, text);
        }
        scratch
    }

    fn csv(&self) -> PathBuf {
        self.0.join("csv")
    }

    fn out(&self) -> PathBuf {
        self.0.join("figures")
    }

    fn write(&self, file: &str, text: &str) {
        fs::write(self.csv().join(file), text).unwrap();
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// What a test needs to know of one SVG: its text, element by element,
/// and the colours its lines and bars are drawn in.
struct Svg {
    texts: Vec<String>,
    /// The stroke colour of every coloured `<polyline>`: the lines of the
    /// series and their legend swatches.
    line_colours: Vec<String>,
    /// The fill colour of every `<rect>` that is not the white background.
    bar_colours: Vec<String>,
}

/// Parses `path` as XML (panicking with the parser's message if it is not
/// well-formed) and collects what the assertions look at.
fn read_svg(path: &Path) -> Svg {
    let text = fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| {
        panic!("{} is not well-formed XML: {e}", path.display())
    });
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg", "{}", path.display());
    let mut svg = Svg {
        texts: Vec::new(),
        line_colours: Vec::new(),
        bar_colours: Vec::new(),
    };
    for node in root.descendants() {
        match node.tag_name().name() {
            // plotters writes each label's text on a line of its own.
            "text" => svg.texts.push(
                node.descendants()
                    .filter(|n| n.is_text())
                    .filter_map(|n| n.text())
                    .collect::<String>()
                    .trim()
                    .to_owned(),
            ),
            // The axes and their ticks are black polylines too.
            "polyline" => {
                let stroke = node.attribute("stroke").unwrap_or("").to_owned();
                if stroke != "#000000" {
                    svg.line_colours.push(stroke);
                }
            }
            "rect" => {
                let fill = node.attribute("fill").unwrap_or("").to_owned();
                if !fill.eq_ignore_ascii_case("#ffffff") {
                    svg.bar_colours.push(fill);
                }
            }
            _ => {}
        }
    }
    svg
}

/// The distinct names of the first column of `csv`, in order.
fn names(csv: &str) -> Vec<&str> {
    let mut names = Vec::new();
    for line in csv.lines().skip(1) {
        let name = line.split(',').next().unwrap();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

fn file_names(paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn every_chart_is_written_as_well_formed_svg_naming_its_command() {
    let scratch = Scratch::with_every_csv("all");
    let written = render_dir(&scratch.csv(), &scratch.out()).unwrap();
    // The names the book's chapter embeds, in the chapter's order.
    assert_eq!(
        file_names(&written),
        [
            "numbers-spawn-time.svg",
            "numbers-spawn-memory.svg",
            "numbers-switch.svg",
            "numbers-channels.svg",
            "numbers-fetch.svg",
        ]
    );
    assert_eq!(
        CHARTS.len(),
        written.len(),
        "a chart of CHARTS was not drawn"
    );
    for path in &written {
        assert!(path.starts_with(scratch.out()), "{}", path.display());
        let svg = read_svg(path);
        // The footer names the command that made the data (a quick run,
        // per machine.csv) and the machine.
        let command = format!("data: {NUMBERS_COMMAND} --quick");
        assert!(
            svg.texts.contains(&command),
            "{} does not name its command; its texts: {:?}",
            path.display(),
            svg.texts
        );
        assert!(
            svg.texts
                .iter()
                .any(|t| t.contains("Synthetic CPU @ 1.00GHz")
                    && t.contains("2 cores")
                    && t.contains("2026-11-23")),
            "{} does not name the machine: {:?}",
            path.display(),
            svg.texts
        );
    }
}

/// A line chart shows one series per name: a legend entry, and lines in
/// the series' own colour (at least two: the data and the legend's
/// swatch; a dashed series draws each dash as a line of its own).
fn assert_one_line_per_series(path: &Path, series: &[&str]) {
    let svg = read_svg(path);
    for name in series {
        assert!(
            svg.texts.iter().any(|t| t == name),
            "{} has no legend entry `{name}`: {:?}",
            path.display(),
            svg.texts
        );
    }
    let mut colours = svg.line_colours.clone();
    colours.sort();
    colours.dedup();
    assert_eq!(
        colours.len(),
        series.len(),
        "{}: one colour per series, got {:?}",
        path.display(),
        svg.line_colours
    );
    for colour in &colours {
        let lines = svg.line_colours.iter().filter(|c| *c == colour).count();
        assert!(
            lines >= 2,
            "{}: the series in {colour} has {lines} line(s), expected its \
             line and its legend swatch",
            path.display()
        );
    }
}

#[test]
fn line_charts_show_one_series_per_runtime_and_strategy() {
    let scratch = Scratch::with_every_csv("lines");
    render_dir(&scratch.csv(), &scratch.out()).unwrap();
    let out = scratch.out();
    assert_one_line_per_series(
        &out.join("numbers-spawn-time.svg"),
        &names(SPAWN),
    );
    // may has no memory figures in the synthetic set, so no memory line.
    let with_memory: Vec<&str> =
        names(SPAWN).into_iter().filter(|n| *n != "may").collect();
    assert_one_line_per_series(
        &out.join("numbers-spawn-memory.svg"),
        &with_memory,
    );
    assert_one_line_per_series(&out.join("numbers-fetch.svg"), &names(FETCH));
}

#[test]
fn bar_charts_show_one_bar_per_mechanism_and_channel_with_its_value() {
    let scratch = Scratch::with_every_csv("bars");
    render_dir(&scratch.csv(), &scratch.out()).unwrap();
    for (file, csv, values) in [
        (
            "numbers-switch.svg",
            SWITCH,
            &["0.12 ns", "5.1 ns", "2.9 µs", "41 µs"][..],
        ),
        ("numbers-channels.svg", CHANNELS, &["9 µs", "450 ns"][..]),
    ] {
        let svg = read_svg(&scratch.out().join(file));
        let names = names(csv);
        assert_eq!(svg.bar_colours.len(), names.len(), "{file}: one bar each");
        for expected in names.iter().chain(values) {
            assert!(
                svg.texts.iter().any(|t| t == expected),
                "{file} has no text `{expected}`: {:?}",
                svg.texts
            );
        }
    }
}

#[test]
fn a_malformed_csv_is_an_error_naming_its_file_and_line() {
    let scratch = Scratch::with_every_csv("malformed");
    scratch.write("switch.csv", "mechanism,ns\ngreenlet,5.1\nbare,fast\n");
    let error = render_dir(&scratch.csv(), &scratch.out())
        .unwrap_err()
        .to_string();
    let at = scratch.csv().join("switch.csv:3:");
    assert!(
        error.starts_with(&at.display().to_string()),
        "error does not start with `{}`: {error}",
        at.display()
    );
    assert!(error.contains("`fast` is not a number"), "{error}");

    scratch.write("switch.csv", SWITCH);
    scratch.write("fetch.csv", "strategy,urls,seconds\ntokio,10\n");
    let error = render_dir(&scratch.csv(), &scratch.out())
        .unwrap_err()
        .to_string();
    assert!(error.contains("fetch.csv:2: 2 fields"), "{error}");

    scratch.write("fetch.csv", "strategy,n,seconds\ntokio,10,0.05\n");
    let error = render_dir(&scratch.csv(), &scratch.out())
        .unwrap_err()
        .to_string();
    assert!(error.contains("fetch.csv: no column `urls`"), "{error}");
}

#[test]
fn a_missing_csv_skips_its_charts_and_only_those() {
    let scratch = Scratch::with_every_csv("missing");
    fs::remove_file(scratch.csv().join("spawn.csv")).unwrap();
    fs::remove_file(scratch.csv().join("machine.csv")).unwrap();
    let written = render_dir(&scratch.csv(), &scratch.out()).unwrap();
    assert_eq!(
        file_names(&written),
        [
            "numbers-switch.svg",
            "numbers-channels.svg",
            "numbers-fetch.svg"
        ]
    );
    assert!(!scratch.out().join("numbers-spawn-time.svg").exists());
    // Without machine.csv the footer still names the command.
    let svg = read_svg(&scratch.out().join("numbers-switch.svg"));
    let command = format!("data: {NUMBERS_COMMAND}");
    assert!(svg.texts.contains(&command), "{:?}", svg.texts);

    // Nothing to draw at all is not an error: an empty list.
    let empty = Scratch::new("none");
    let written = render_dir(&empty.csv(), &empty.out()).unwrap();
    assert!(written.is_empty(), "{written:?}");
}

#[test]
fn names_with_markup_characters_stay_well_formed_text() {
    let scratch = Scratch::with_every_csv("odd-names");
    scratch.write("switch.csv", "mechanism,ns\na<b&c>'d',5.1\nµs→ns,41000\n");
    scratch.write(
        "machine.csv",
        "key,value\ncores,2\ncpu,Vendor <R> & Co.\nmode,full\n",
    );
    render_dir(&scratch.csv(), &scratch.out()).unwrap();
    let svg = read_svg(&scratch.out().join("numbers-switch.svg"));
    for expected in ["a<b&c>'d'", "µs→ns"] {
        assert!(
            svg.texts.iter().any(|t| t == expected),
            "no text `{expected}`: {:?}",
            svg.texts
        );
    }
    assert!(
        svg.texts.iter().any(|t| t.contains("Vendor <R> & Co.")),
        "{:?}",
        svg.texts
    );
}

#[test]
fn a_value_no_log_axis_can_hold_is_an_error_not_a_hang() {
    let scratch = Scratch::with_every_csv("huge");
    // 1.7e308 is finite, but the axis padded around it is not.
    scratch.write("switch.csv", "mechanism,ns\ngreenlet,1.7e308\n");
    let error = render_dir(&scratch.csv(), &scratch.out())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("switch.csv: a value is too large"),
        "{error}"
    );
    // And 1e-310 is above zero, but subnormal.
    scratch.write("switch.csv", "mechanism,ns\ngreenlet,1e-310\nbare,2\n");
    let error = render_dir(&scratch.csv(), &scratch.out())
        .unwrap_err()
        .to_string();
    assert!(error.contains("or too small to draw"), "{error}");

    scratch.write("switch.csv", SWITCH);
    scratch.write("fetch.csv", "strategy,urls,seconds\ntokio,1.7e308,0.05\n");
    let error = render_dir(&scratch.csv(), &scratch.out())
        .unwrap_err()
        .to_string();
    assert!(error.contains("fetch.csv: a value is too large"), "{error}");
}

#[test]
fn charts_with_nothing_to_draw_name_the_missing_data_and_create_nothing() {
    let scratch = Scratch::new("nothing-to-draw");
    let to = scratch.0.join("figures");
    let output = std::process::Command::new(TOUR)
        .arg("charts")
        .arg("--from")
        .arg(scratch.csv())
        .arg("--to")
        .arg(&to)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: no chart drawn"), "{stderr}");
    for csv in ["spawn.csv", "switch.csv", "channels.csv", "fetch.csv"] {
        assert!(stderr.contains(csv), "{stderr}");
    }
    assert!(!to.exists(), "{} was created", to.display());
}

#[test]
fn a_chart_left_out_is_named_with_the_data_it_lacks() {
    let scratch = Scratch::with_every_csv("left-out");
    fs::remove_file(scratch.csv().join("fetch.csv")).unwrap();
    // No runtime's memory was measured: nothing for the memory chart.
    let no_memory: String = SPAWN
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            let bytes = if fields[0] == "runtime" {
                fields[3]
            } else {
                ""
            };
            format!("{},{},{},{bytes}\n", fields[0], fields[1], fields[2])
        })
        .collect();
    scratch.write("spawn.csv", &no_memory);
    let drawn = draw_dir(&scratch.csv()).unwrap();
    let skipped = drawn.skipped.join("\n");
    assert_eq!(drawn.skipped.len(), 2, "{skipped}");
    assert!(
        skipped.contains(
            "numbers-spawn-memory.svg: spawn.csv has no `bytes_per_task`"
        ),
        "{skipped}"
    );
    assert!(
        skipped.contains("numbers-fetch.svg: no fetch.csv"),
        "{skipped}"
    );
}

#[test]
fn charts_create_only_the_last_folder_of_to() {
    let scratch = Scratch::with_every_csv("deep");
    let deep = scratch.0.join("a").join("b");
    let error = render_dir(&scratch.csv(), &deep).unwrap_err().to_string();
    assert!(error.contains("does not exist"), "{error}");
    assert!(!scratch.0.join("a").exists());
    // One missing level is created.
    let written = render_dir(&scratch.csv(), &scratch.0.join("a")).unwrap();
    assert_eq!(written.len(), CHARTS.len());
}

#[test]
fn every_chart_is_readable_on_a_phone() {
    let scratch = Scratch::with_every_csv("phone");
    for path in render_dir(&scratch.csv(), &scratch.out()).unwrap() {
        let text = fs::read_to_string(&path).unwrap();
        // A phone shows the book about 420 pixels wide and scales the
        // chart down to fit.
        let smallest = smallest_text_on_a_phone(&text);
        assert!(
            smallest >= 10.0,
            "{}: text renders at {smallest:.1} px in a 420 px window",
            path.display()
        );
    }
}

/// The smallest text of an SVG, in pixels, when a 420 px wide phone
/// scales it to its width: every `font-size` (attributes, and the
/// `<style>` of the swim-lane charts) times 420 over the viewBox's width.
fn smallest_text_on_a_phone(text: &str) -> f64 {
    let doc = roxmltree::Document::parse(text).unwrap();
    let root = doc.root_element();
    let view_box = root.attribute("viewBox").unwrap();
    let width: f64 =
        view_box.split_whitespace().nth(2).unwrap().parse().unwrap();
    let mut sizes: Vec<f64> = Vec::new();
    for node in root.descendants() {
        if let Some(size) = node.attribute("font-size") {
            sizes.push(size.trim_end_matches("px").parse().unwrap());
        }
        if node.has_tag_name("style") {
            for part in node.text().unwrap_or("").split("font-size:").skip(1) {
                let number: String = part
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.')
                    .collect();
                sizes.push(number.parse().unwrap());
            }
        }
    }
    assert!(!sizes.is_empty(), "no text size found");
    sizes.into_iter().fold(f64::MAX, f64::min) * 420.0 / width
}

#[test]
fn every_figure_of_the_book_is_readable_on_a_phone() {
    let figures =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book/src/figures");
    let mut checked = 0;
    for entry in fs::read_dir(&figures).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "svg") {
            continue;
        }
        let smallest =
            smallest_text_on_a_phone(&fs::read_to_string(&path).unwrap());
        assert!(
            smallest >= 10.0,
            "{}: text renders at {smallest:.1} px in a 420 px window; \
             regenerate it (`just figures`, `just numbers`)",
            path.display()
        );
        checked += 1;
    }
    assert!(checked > 0, "no figure in {}", figures.display());
}

/// The peers' rows, as a `numbers` run with Go and Python installed adds
/// them to the synthetic set.
const SPAWN_PEERS: &str = "\
go_procs1,1000,340,2640
go_procs1,10000,870,2700
go_procs2,1000,470,2770
go_procs2,10000,270,2740
gevent,1000,18000,7800
gevent,10000,31000,7900
asyncio,1000,4600,1340
asyncio,10000,9900,1370
";

const SWITCH_PEERS: &str = "\
go_gosched,68
py_greenlet,260
";

const MACHINE_PEERS: &str = "\
go,go1.19.8
python,3.11.7
gevent,26.9.0
greenlet,3.5.6
";

/// `#RRGGBB` of a series' colour, as plotters writes it.
fn hex(name: &str) -> String {
    let c = shared::render::chart::colour(name, 0);
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// How many polylines of `svg` are drawn in `name`'s colour.
fn lines_in(svg: &Svg, name: &str) -> usize {
    let hex = hex(name);
    svg.line_colours
        .iter()
        .filter(|c| c.eq_ignore_ascii_case(&hex))
        .count()
}

#[test]
fn peers_are_drawn_dashed_on_our_axes_with_their_versions_in_the_footer() {
    let scratch = Scratch::with_every_csv("peers");
    scratch.write("spawn.csv", &format!("{SPAWN}{SPAWN_PEERS}"));
    scratch.write("switch.csv", &format!("{SWITCH}{SWITCH_PEERS}"));
    scratch.write("machine.csv", &format!("{MACHINE}{MACHINE_PEERS}"));
    render_dir(&scratch.csv(), &scratch.out()).unwrap();
    let out = scratch.out();

    // The spawn chart: every series, ours and theirs, once in the legend,
    // each in a colour of its own; ours are one line (and a swatch),
    // theirs a line of dashes.
    let spawn = read_svg(&out.join("numbers-spawn-time.svg"));
    let all = format!("{SPAWN}{SPAWN_PEERS}");
    assert_one_line_per_series(
        &out.join("numbers-spawn-time.svg"),
        &names(&all),
    );
    for ours in names(SPAWN) {
        assert_eq!(lines_in(&spawn, ours), 2, "{ours} is not solid");
    }
    for peer in ["go_procs1", "go_procs2", "gevent", "asyncio"] {
        assert!(lines_in(&spawn, peer) > 4, "{peer} is not dashed");
    }
    let footer = spawn.texts.join(" ");
    for version in [
        "go1.19.8",
        "python 3.11.7",
        "gevent 26.9.0",
        "greenlet 3.5.6",
    ] {
        assert!(footer.contains(version), "no `{version}` in {footer}");
    }
    assert!(footer.contains("dashed: peers"), "{footer}");

    // The switch chart: a peer's bar is pale with a dashed outline, ours
    // are solid with no outline.
    let switch = read_svg(&out.join("numbers-switch.svg"));
    let bars = names(SWITCH).len() + SWITCH_PEERS.lines().count();
    assert_eq!(switch.bar_colours.len(), bars, "one bar each");
    for peer in ["go_gosched", "py_greenlet"] {
        assert!(lines_in(&switch, peer) >= 4, "{peer}'s bar is not dashed");
        assert!(
            !switch
                .bar_colours
                .iter()
                .any(|c| c.eq_ignore_ascii_case(&hex(peer))),
            "{peer}'s bar is filled in its full colour"
        );
        assert!(switch.texts.iter().any(|t| t == peer), "{:?}", switch.texts);
    }
    assert_eq!(lines_in(&switch, "greenlet"), 0);
    assert!(switch.texts.join(" ").contains("go1.19.8"));

    // A chart without a peer names no peer's version.
    let fetch = read_svg(&out.join("numbers-fetch.svg"));
    assert!(
        !fetch.texts.join(" ").contains("go1.19.8"),
        "{:?}",
        fetch.texts
    );
}
