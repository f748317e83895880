//! What the demos print: the gevent transcript exactly, the selectors
//! exchange by its structure (ports and the interleaving of two threads
//! differ from run to run).

use lesson_06_event_loop::{Scale, gevent_demo, selector_demo};
use shared::course::{GEVENT_FOO_BAR, lines};
use shared::{State, Trace, Transcript};

fn scale(factor: f64) -> Scale {
    Scale::new(factor).unwrap()
}

/// What gevent prints for the course's foo/bar/func3 (lesson 03 prints
/// the same six lines, from the same file).
#[test]
fn foo_bar_func3_print_gevents_six_lines() {
    let out = Transcript::quiet();
    gevent_demo(scale(0.05), &out, &Trace::disabled()).unwrap();
    assert_eq!(out.lines(), lines(GEVENT_FOO_BAR));
}

#[test]
fn the_three_sleeps_overlap_on_one_thread() {
    let trace = Trace::new();
    gevent_demo(scale(0.05), &Transcript::quiet(), &trace).unwrap();
    let snap = trace.snapshot();
    // foo and bar each wait once, and their waits overlap.
    let waits: Vec<_> = ["foo", "bar"]
        .iter()
        .flat_map(|lane| snap.spans_on(lane))
        .filter(|span| span.state() == Some(State::Waiting))
        .collect();
    assert_eq!(waits.len(), 2);
    assert!(waits[0].overlaps(waits[1]));
    // But no two tasks ever run at once: one thread.
    let runs: Vec<_> = snap.spans_in(State::Running).collect();
    assert_eq!(snap.peak_overlap(runs), 1);
}

#[test]
fn a_scale_out_of_range_is_an_error() {
    for factor in [0.0, -1.0, 1000.0, f64::NAN] {
        let err = Scale::new(factor);
        assert!(err.unwrap_err().contains("scale"));
    }
}

#[test]
fn the_selectors_exchange_echoes_every_message_upper_cased() {
    let out = Transcript::quiet();
    selector_demo(&out, &Trace::disabled()).unwrap();
    let lines = out.lines();
    let server: Vec<_> =
        lines.iter().filter(|l| l.starts_with("[server]")).collect();
    let client: Vec<_> = lines
        .iter()
        .filter(|l| !l.starts_with("[server]"))
        .collect();

    // The client (lesson 05's copy of the course's client, untagged as
    // in the course):
    // connect, then per message two sends and two replies.
    assert!(client[0].starts_with("connecting to 127.0.0.1 port "));
    let said: Vec<String> = client[1..]
        .iter()
        .map(|l| l.split_once(": ").unwrap().1.to_owned())
        .collect();
    let mut expected = Vec::new();
    for message in ["This is the message. ", "It will be sent ", "in parts."] {
        for _ in 0..2 {
            expected.push(format!("sending \"b'{message}'\""));
        }
        for _ in 0..2 {
            let upper = message.to_ascii_uppercase();
            expected.push(format!("received \"b'{upper}'\""));
        }
    }
    assert_eq!(said, expected);

    // The server: two accepts, every message echoed to each connection,
    // two closes.
    let accepts = server
        .iter()
        .filter(|l| l.contains("accepted conn"))
        .count();
    let echoes = server.iter().filter(|l| l.contains("echoing b'")).count();
    let closes = server.iter().filter(|l| l.contains("closing conn")).count();
    assert_eq!((accepts, closes), (2, 2));
    // TCP may hand a message over in pieces; on loopback it does not.
    assert_eq!(echoes, 6);
}

/// The course's picture of an event-driven server, as facts: three
/// connections are open and waiting at once, yet the server's lanes
/// (all on its one thread) never run two things at once.
#[test]
fn slow_clients_are_served_together_by_one_thread() {
    let trace = Trace::new();
    let out = Transcript::quiet();
    // Client i starts (i - 1) × 50 ms in and pauses 150 ms: the three
    // are all connected and waiting together for about 50 ms, a window
    // wide enough for a loaded machine's scheduling delays.
    lesson_06_event_loop::slow_clients(3, 150, &trace, &out).unwrap();
    assert_eq!(out.lines().len(), 6, "two replies per client");
    let snap = trace.snapshot();
    let server_lanes =
        ["reactor", "main", "accept", "conn 1", "conn 2", "conn 3"];
    let on_server = |state| {
        server_lanes
            .iter()
            .flat_map(|lane| snap.spans_on(lane))
            .filter(move |span| span.state() == Some(state))
            .collect::<Vec<_>>()
    };
    let conn_waits: Vec<_> = ["conn 1", "conn 2", "conn 3"]
        .iter()
        .flat_map(|lane| snap.spans_on(lane))
        .filter(|span| span.state() == Some(State::Waiting))
        .collect();
    assert_eq!(snap.peak_overlap(conn_waits), 3, "all three wait at once");
    assert_eq!(snap.peak_overlap(on_server(State::Running)), 1);
    // The thread never blocks: when it is off the CPU, it is asleep in
    // `epoll_wait`, waiting for any event.
    assert!(on_server(State::Blocked).is_empty());
    let reactor_waits: Vec<_> = snap
        .spans_on("reactor")
        .filter(|span| span.state() == Some(State::Waiting))
        .collect();
    assert!(!reactor_waits.is_empty());
    assert!(reactor_waits.iter().all(|span| span.label == "epoll_wait"));
}

/// The run the book shows (`output/selectors.txt`).
const SELECTORS: &str = include_str!("../../output/selectors.txt");

/// `lines` with every port number (a run of four or more digits) named
/// by the order it first appears in, client lines first: the server's
/// port, then the client's two sockets.
fn without_ports(lines: &[&str]) -> Vec<String> {
    let (client, server): (Vec<&str>, Vec<&str>) =
        lines.iter().partition(|l| !l.starts_with("[server]"));
    let mut ports: Vec<String> = Vec::new();
    let mut name = |digits: &str| {
        let n = match ports.iter().position(|p| p == digits) {
            Some(n) => n,
            None => {
                ports.push(digits.to_owned());
                ports.len() - 1
            }
        };
        format!("<port {n}>")
    };
    let mut rename = |line: &str| {
        let mut out = String::new();
        let mut digits = String::new();
        for c in line.chars().chain(std::iter::once(' ')) {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            if digits.len() >= 4 {
                out.push_str(&name(&digits));
            } else {
                out.push_str(&digits);
            }
            digits.clear();
            out.push(c);
        }
        out.pop();
        out
    };
    let client: Vec<String> = client.into_iter().map(&mut rename).collect();
    let server: Vec<String> = server.into_iter().map(&mut rename).collect();
    client.into_iter().chain(server).collect()
}

/// The book's transcript of the selectors demo is a real one: the same
/// lines, up to port numbers, in the same order on each thread (the
/// client's, and the server's for each connection); only how the two
/// threads interleave may differ.
#[test]
fn the_selectors_exchange_prints_what_the_book_shows() {
    let out = Transcript::quiet();
    selector_demo(&out, &Trace::disabled()).unwrap();
    let ran = out.lines();
    let ran: Vec<&str> = ran.iter().map(String::as_str).collect();
    let (ran, shown) = (without_ports(&ran), without_ports(&lines(SELECTORS)));
    let actor =
        |lines: &[String], keep: &dyn Fn(&str) -> bool| -> Vec<String> {
            lines.iter().filter(|l| keep(l)).cloned().collect()
        };
    let client = |l: &str| !l.starts_with("[server]");
    assert_eq!(actor(&ran, &client), actor(&shown, &client));
    for conn in ["conn 1", "conn 2"] {
        let server = |l: &str| l.starts_with("[server]") && l.contains(conn);
        assert_eq!(actor(&ran, &server), actor(&shown, &server), "{conn}");
    }
    let (mut ran, mut shown) = (ran, shown);
    ran.sort();
    shown.sort();
    assert_eq!(ran, shown);
}
