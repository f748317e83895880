//! The delay server: its routes, its in-flight counter and trace, and that
//! dropping it really stops it. The client here is a few lines of
//! `std::net`, so that `shared` needs no HTTP client to be tested.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use shared::{DelayServer, State, Trace};

/// One `GET` on a fresh connection that the server closes after
/// answering; returns the status code and the body.
fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let code = head.split(' ').nth(1).unwrap().parse().unwrap();
    (code, body.to_owned())
}

#[test]
fn each_route_answers_as_documented() {
    let server = DelayServer::start(None).unwrap();
    assert!(server.addr().ip().is_loopback());
    assert_eq!(get(server.addr(), "/delay/1"), (200, "/delay/1\n".into()));
    let (code, body) = get(server.addr(), "/bytes/1000");
    assert_eq!((code, body.len()), (200, 1000));
    assert_eq!(get(server.addr(), "/status/503").0, 503);
    assert_eq!(get(server.addr(), "/status/99").0, 400);
    assert_eq!(get(server.addr(), "/delay/99999999").0, 400);
    assert_eq!(get(server.addr(), "/elsewhere").0, 404);
    assert_eq!(server.served(), 6);
    assert_eq!(server.in_flight(), 0);
}

#[test]
fn the_peak_counts_requests_served_at_once() {
    const CLIENTS: usize = 6;
    let trace = Trace::new();
    let server = DelayServer::start(Some(&trace)).unwrap();
    let addr = server.addr();
    // Six clients at once, each waiting 300 ms at the server: they
    // overlap, whatever order the threads start in, as long as they all
    // start within 300 ms.
    std::thread::scope(|s| {
        for _ in 0..CLIENTS {
            s.spawn(move || assert_eq!(get(addr, "/delay/300").0, 200));
        }
    });
    assert_eq!(server.peak_in_flight(), CLIENTS);

    // The trace says the same: one lane per connection, one waiting span
    // per request, and six of them open together.
    let snap = trace.snapshot();
    let served: Vec<_> = snap.spans_in(State::Waiting).collect();
    assert_eq!(served.len(), CLIENTS);
    assert_eq!(snap.peak_overlap(served.iter().copied()), CLIENTS);
    assert_eq!(snap.lanes.len(), CLIENTS);
    assert!(served.iter().all(|s| s.label == "/delay/300"));

    // One after another, the peak (after a reset) is one.
    server.reset_peak();
    for _ in 0..3 {
        get(addr, "/delay/5");
    }
    assert_eq!(server.peak_in_flight(), 1);
}

#[test]
fn a_kept_alive_connection_serves_requests_one_after_another() {
    let trace = Trace::new();
    let server = DelayServer::start(Some(&trace)).unwrap();
    let mut conn = TcpStream::connect(server.addr()).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // Two requests on one connection (the second closes it).
    write!(
        conn,
        "GET /delay/5 HTTP/1.1\r\nHost: t\r\n\r\n\
         GET /delay/6 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answers = String::new();
    conn.read_to_string(&mut answers).unwrap();
    assert_eq!(answers.matches("HTTP/1.1 200 OK").count(), 2);
    assert_eq!(server.connections(), 1);
    let snap = trace.snapshot();
    let spans: Vec<_> = snap.spans_on("conn 1").collect();
    assert_eq!(spans.len(), 2);
    assert_eq!(snap.peak_overlap(spans.iter().copied()), 1);
}

#[test]
fn dropping_the_server_closes_its_port() {
    let server = DelayServer::start(None).unwrap();
    let addr = server.addr();
    assert_eq!(get(addr, "/delay/0").0, 200);
    drop(server);
    let refused = TcpStream::connect(addr).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
}

#[test]
fn url_joins_paths_with_or_without_a_slash() {
    let server = DelayServer::start(None).unwrap();
    let base = format!("http://{}", server.addr());
    assert_eq!(server.url("/delay/3"), format!("{base}/delay/3"));
    assert_eq!(server.url("bytes/3"), format!("{base}/bytes/3"));
}
