//! The two pictures of a small, hand-made baozi run: the ASCII chart is
//! compared with a checked-in fixture, and the SVG is parsed as XML.
//!
//! The trace is built with fixed times (not from a real run), so both
//! pictures are the same on every machine.

use std::time::Duration;

use shared::{Event, EventKind, Snapshot, State, Trace};

/// What the ASCII chart of [`baozi_small`] must look like, at 80 columns.
const EXPECTED: &str = include_str!("fixtures/baozi_small.txt");

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A 100 ms run shaped like the course's first demo: a producer makes
/// baozi, and two consumers wait for them, eat them, and then sleep with
/// Python's blocking `time.sleep`.
fn baozi_small() -> Snapshot {
    let trace = Trace::new();
    let producer = trace.lane("producer");
    let c1 = trace.lane("c1");
    let c2 = trace.lane("c2");
    // `Lane::mark` stamps the mark with the clock; a fixture needs fixed
    // times, so the marks are recorded as ready-made events.
    let print = |lane: &shared::Lane, at: u64, line: &'static str| {
        trace.record(Event {
            lane: lane.id(),
            label: line.into(),
            start: ms(at),
            kind: EventKind::Mark,
        });
    };

    producer.record_span(State::Running, "make baozi 1", ms(0), ms(5));
    print(&producer, 2, "[producer] is making baozi 1");
    producer.record_span(State::Blocked, "time.sleep(0.02)", ms(5), ms(25));
    producer.record_span(State::Running, "make baozi 2", ms(25), ms(30));
    producer.record_span(
        State::Waiting,
        "queue <full> & \"c1\" isn't eating",
        ms(30),
        ms(60),
    );
    producer.record_span(State::Running, "make baozi 3", ms(60), ms(65));
    print(&producer, 75, "[producer] is done");

    c1.record_span(State::Waiting, "wait for baozi", ms(0), ms(5));
    c1.record_span(State::Running, "eat baozi 1", ms(5), ms(10));
    c1.record_span(State::Blocked, "time.sleep(0.035)", ms(10), ms(45));
    c1.record_span(State::Waiting, "wait for baozi", ms(45), ms(60));
    c1.record_span(State::Running, "eat baozi 3", ms(60), ms(70));
    print(&c1, 80, "[c1] is full");

    c2.record_span(State::Waiting, "wait for baozi", ms(0), ms(30));
    // Two microseconds inside a 100 ms run: far shorter than a column,
    // and still drawn.
    c2.record_span(
        State::Blocked,
        "lock",
        ms(20),
        ms(20) + Duration::from_micros(2),
    );
    c2.record_span(State::Running, "eat baozi 2", ms(30), ms(35));
    c2.record_span(State::Blocked, "time.sleep(0.055)", ms(35), ms(90));
    c2.record_span(State::Waiting, "wait for baozi", ms(90), ms(100));

    trace.snapshot()
}

#[test]
fn the_ascii_chart_matches_the_fixture() {
    let actual = shared::render::ascii(&baozi_small(), 80);
    assert!(
        actual == EXPECTED,
        "the ASCII chart changed. If the change is intended, review it and \
         copy it into shared/tests/it/fixtures/baozi_small.txt:\n{actual}"
    );
}

#[test]
fn the_ascii_chart_is_ascii_and_fits_80_columns() {
    let chart = shared::render::ascii(&baozi_small(), 80);
    assert!(chart.ends_with('\n'));
    for line in chart.lines() {
        assert!(line.len() <= 80, "too wide: {line:?}");
        assert!(line.is_ascii(), "not ASCII: {line:?}");
    }
}

#[test]
fn the_short_blocked_span_is_visible_in_ascii() {
    let chart = shared::render::ascii(&baozi_small(), 80);
    let c2 = chart.lines().find(|l| l.starts_with("c2 ")).unwrap();
    // The 2 µs lock at 20 ms sits inside a long wait: one `X` there.
    let before_the_long_sleep = &c2[..c2.find('#').unwrap()];
    assert_eq!(before_the_long_sleep.matches('X').count(), 1);
}

#[test]
fn the_svg_is_well_formed_with_one_rect_per_span() {
    let snapshot = baozi_small();
    let title = "Baozi <small> & \"quick\"";
    let svg = shared::render::svg(&snapshot, title);
    let doc = roxmltree::Document::parse(&svg)
        .unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{svg}"));

    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    assert!(root.attribute("viewBox").is_some());

    // The document's title, and the visible one, survive escaping.
    let first_title = root
        .children()
        .find(|n| n.has_tag_name("title"))
        .and_then(|n| n.text());
    assert_eq!(first_title, Some(title));
    assert!(
        root.descendants()
            .any(|n| n.has_tag_name("text") && n.text() == Some(title))
    );

    let has_class = |node: &roxmltree::Node<'_, '_>, class: &str| {
        node.attribute("class")
            .is_some_and(|c| c.split_whitespace().any(|w| w == class))
    };
    let spans: Vec<_> = root
        .descendants()
        .filter(|n| n.has_tag_name("rect") && has_class(n, "span"))
        .collect();
    assert_eq!(
        spans.len(),
        snapshot.events.len() - snapshot.marks().count()
    );
    for state in State::ALL {
        let drawn = spans.iter().filter(|n| has_class(n, state.name()));
        assert_eq!(drawn.count(), snapshot.spans_in(state).count());
    }

    // Every span has a tooltip, and the tricky label comes back intact.
    let tooltips: Vec<&str> = spans
        .iter()
        .map(|n| {
            n.children()
                .find(|c| c.has_tag_name("title"))
                .and_then(|c| c.text())
                .unwrap()
        })
        .collect();
    assert!(tooltips.contains(
        &"queue <full> & \"c1\" isn't eating: waiting, 30.000\u{2013}60.000 ms"
    ));

    // One name per lane, and one tick per mark.
    let names = root
        .descendants()
        .filter(|n| n.has_tag_name("text") && has_class(n, "name"))
        .filter_map(|n| n.text())
        .collect::<Vec<_>>();
    assert_eq!(names, snapshot.lanes);
    let marks = root
        .descendants()
        .filter(|n| n.has_tag_name("line") && has_class(n, "mark"))
        .filter(|n| n.children().any(|c| c.has_tag_name("title")))
        .count();
    assert_eq!(marks, snapshot.marks().count());
}

#[test]
fn an_empty_svg_is_still_a_document() {
    let svg = shared::render::svg(&Snapshot::default(), "nothing");
    let doc = roxmltree::Document::parse(&svg).unwrap();
    assert_eq!(doc.root_element().tag_name().name(), "svg");
}

/// The smallest text of an SVG as it renders when the picture is scaled to
/// `window` pixels wide (a phone shows the book about 420 pixels wide):
/// every `font-size` of its `<style>` and attributes, times `window` over
/// the viewBox's width.
fn smallest_rendered_text(svg: &str, window: f64) -> f64 {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let root = doc.root_element();
    let view_box: Vec<f64> = root
        .attribute("viewBox")
        .expect("a viewBox")
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    let scale = window / view_box[2];
    let mut sizes: Vec<f64> = Vec::new();
    for node in root.descendants() {
        if let Some(size) = node.attribute("font-size") {
            sizes.push(size.trim_end_matches("px").parse().unwrap());
        }
        if node.has_tag_name("style") {
            let css = node.text().unwrap_or("");
            for part in css.split("font-size:").skip(1) {
                let number: String = part
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.')
                    .collect();
                sizes.push(number.parse().unwrap());
            }
        }
    }
    assert!(!sizes.is_empty(), "no font size in the SVG");
    sizes.into_iter().fold(f64::MAX, f64::min) * scale
}

/// Below about 10 px, text on a phone is a smudge.
const READABLE_PX: f64 = 10.0;

#[test]
fn svg_text_is_readable_on_a_phone() {
    let long = "lesson 04: 3 URLs, sequential vs threads vs rayon vs tokio \
                vs blocking-in-tokio";
    for title in ["baozi", long] {
        let svg = shared::render::svg(&baozi_small(), title);
        let smallest = smallest_rendered_text(&svg, 420.0);
        assert!(
            smallest >= READABLE_PX,
            "text renders at {smallest:.1} px in a 420 px window"
        );
    }
}

#[test]
fn a_long_title_wraps_instead_of_running_off_the_picture() {
    let long = "lesson 04: 3 URLs, sequential vs threads vs rayon vs tokio \
                vs blocking-in-tokio";
    let svg = shared::render::svg(&baozi_small(), long);
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let lines: Vec<&str> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("title"))
        .filter_map(|n| n.text())
        .collect();
    assert!(lines.len() > 1, "{lines:?}");
    assert_eq!(lines.join(" "), long);
}

#[test]
fn every_line_chart_is_readable_on_a_phone() {
    use shared::render::chart::{
        COUNT, LineChart, NANOSECONDS, Series, line_chart_svg, line_charts_svg,
    };
    let chart = |title| LineChart {
        title,
        x_label: "tasks spawned and joined, N (log scale)",
        y_label: "time per task (log scale)",
        x_units: &COUNT,
        y_units: &NANOSECONDS,
        series: vec![
            Series::new("hub", vec![(1e3, 300.0), (1e5, 320.0)]),
            Series::new("thread", vec![(1e3, 20_000.0), (1e4, 25_000.0)]),
        ],
    };
    let footer = ["data: cargo run --release -p lesson-00-tour -- numbers \
                   (2 cores · Intel(R) Xeon(R) Processor · a long line)"
        .to_owned()];
    let one = line_chart_svg(&chart("one"), &footer).unwrap();
    let two =
        line_charts_svg("both", &[chart("time"), chart("memory")], &footer)
            .unwrap();
    for svg in [one, two] {
        let smallest = smallest_rendered_text(&svg, 420.0);
        assert!(
            smallest >= READABLE_PX,
            "text renders at {smallest:.1} px in a 420 px window"
        );
    }
}
