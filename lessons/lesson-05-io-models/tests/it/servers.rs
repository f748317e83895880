//! Every model against the same clients: the course's exchange, a client
//! that vanishes mid-message, a 64 KiB message, 200 clients at once; and
//! after each, every file descriptor the server opened is closed again.
//!
//! The fd counts read `/proc/self/fd`, which is shared by every thread of
//! this test binary, so every test runs alone (`common::serial`).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use lesson_05_io_models::{
    LoadConfig, Model, Server, course_client, load, load_with,
};
use shared::{Trace, Transcript};

use crate::common::{open_fds, serial};
use crate::output::without_ports;

/// Runs `body` against a fresh server of `model` and checks the process
/// has as many fds open afterwards as before.
fn with_server(model: Model, body: impl FnOnce(&Server)) {
    let before = open_fds();
    let server = Server::start(model).unwrap();
    body(&server);
    server.stop().unwrap();
    assert_eq!(open_fds(), before, "{model} leaked file descriptors");
}

#[test]
fn the_course_exchange_is_the_same_under_every_model_but_blocking() {
    let _serial = serial();
    for model in Model::usable()
        .into_iter()
        .filter(|&m| m != Model::Blocking)
    {
        with_server(model, |server| {
            let out = Transcript::quiet();
            course_client(server.addr(), &out, &Trace::disabled()).unwrap();
            let expected =
                without_ports(include_str!("../../output/client.txt"));
            assert_eq!(without_ports(&out.text()), expected, "{model}");
            // The two sockets are two different clients.
            let lines = out.lines();
            assert_ne!(lines[1], lines[2], "{model}");
        });
    }
}

/// The course's client cannot finish against the blocking server: it sends
/// on both sockets, then waits for both replies, but the server serves the
/// first socket until it closes, and the second socket's message waits
/// unread. This is the "second client waits" of the lesson, shown with
/// the course's own sequence of calls.
#[test]
fn the_blocking_server_answers_the_course_s_second_socket_only_after_the_first_closes()
 {
    let _serial = serial();
    with_server(Model::Blocking, |server| {
        let message = b"This is the message. ";
        let mut first = TcpStream::connect(server.addr()).unwrap();
        let mut second = TcpStream::connect(server.addr()).unwrap();
        first.write_all(message).unwrap();
        second.write_all(message).unwrap();
        let mut reply = [0; 21];
        first.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b"THIS IS THE MESSAGE. ");
        // No reply on the second socket while the first is open: the
        // server is blocked in `recv` on the first. (Not a time bound: the
        // reply cannot come, however long we wait.)
        second
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let stalled = second.read(&mut reply).unwrap_err();
        assert_eq!(stalled.kind(), io::ErrorKind::WouldBlock);
        // The first client hangs up; the server gets to the second.
        drop(first);
        second.set_read_timeout(None).unwrap();
        second.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b"THIS IS THE MESSAGE. ");
    });
}

#[test]
fn a_client_that_vanishes_mid_message_does_not_hurt_the_others() {
    let _serial = serial();
    for model in Model::usable() {
        with_server(model, |server| {
            // Half a 64 KiB message, then gone; once politely (FIN), once
            // with a reset (linger 0 makes close send RST).
            let mut polite = TcpStream::connect(server.addr()).unwrap();
            polite.write_all(&[b'a'; 32 * 1024]).unwrap();
            drop(polite);
            let mut rude = TcpStream::connect(server.addr()).unwrap();
            rude.write_all(&[b'b'; 1000]).unwrap();
            set_linger_zero(&rude);
            drop(rude);
            let report = load(server.addr(), 3, 10).unwrap();
            assert_eq!(report.round_trips, 30, "{model}");
        });
    }
}

/// `SO_LINGER` with a zero timeout: `close` then resets the connection.
fn set_linger_zero(stream: &TcpStream) {
    rustix::net::sockopt::set_socket_linger(stream, Some(Duration::ZERO))
        .unwrap();
}

#[test]
fn a_64_kib_message_comes_back_whole_in_every_model() {
    let _serial = serial();
    let message: Vec<u8> = (0..64 * 1024)
        .map(|i| b"abcdefghijklmnopqrstuvwxyz0123456789 -"[i % 38])
        .collect();
    for model in Model::usable() {
        with_server(model, |server| {
            let config = LoadConfig {
                clients: 4,
                messages: 3,
                message: message.clone(),
            };
            // `load_with` checks every byte of every reply.
            let report = load_with(server.addr(), &config).unwrap();
            assert_eq!(report.round_trips, 12, "{model}");
        });
    }
}

#[test]
fn two_hundred_clients_at_once_are_all_answered() {
    let _serial = serial();
    for model in Model::usable()
        .into_iter()
        .filter(|&m| m != Model::Blocking)
    {
        with_server(model, |server| {
            let report = load(server.addr(), 200, 5).unwrap();
            assert_eq!(report.round_trips, 1000, "{model}");
        });
    }
}

/// The blocking server and 200 clients connected at once: every one is
/// answered, one after another. From the server's trace: each
/// connection's `recv`/`send` spans all end before the next connection's
/// first one starts, on the one server thread.
#[test]
fn the_blocking_server_serves_two_hundred_clients_one_after_another() {
    let _serial = serial();
    let before = open_fds();
    let trace = Trace::new();
    let server = Server::start_traced(Model::Blocking, trace.clone()).unwrap();
    let report = load(server.addr(), 200, 5).unwrap();
    assert_eq!(report.round_trips, 1000);
    server.stop().unwrap();
    assert_eq!(open_fds(), before, "blocking leaked file descriptors");

    let snap = trace.snapshot();
    // Connection number -> (first start, last end) of its server spans.
    let mut served = std::collections::BTreeMap::new();
    for event in snap.spans_on("server thread") {
        let Some(id) = event
            .label
            .strip_prefix('c')
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue; // `accept`
        };
        let span = served.entry(id).or_insert((event.start, event.end()));
        span.0 = span.0.min(event.start);
        span.1 = span.1.max(event.end());
    }
    assert_eq!(served.len(), 200);
    let spans: Vec<_> = served.values().collect();
    for pair in spans.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "two clients served at once");
    }
}

#[test]
fn stopping_a_server_with_clients_still_connected_closes_everything() {
    let _serial = serial();
    for model in Model::usable() {
        let before = open_fds();
        let server = Server::start(model).unwrap();
        let mut idle = TcpStream::connect(server.addr()).unwrap();
        idle.write_all(b"half").unwrap();
        server.stop().unwrap();
        drop(idle);
        assert_eq!(open_fds(), before, "{model} leaked file descriptors");
    }
}

/// The course's `select` cannot watch a socket numbered 1024 or above
/// (Python: `ValueError: filedescriptor out of range in select()`); ours
/// sizes its sets to the highest fd, so it can.
#[test]
fn select_serves_sockets_numbered_past_1024() {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    use std::os::fd::{AsRawFd, OwnedFd};
    let _serial = serial();
    let limit = getrlimit(Resource::Nofile);
    let want = 1200;
    if limit.current.is_some_and(|soft| soft < want) {
        if limit.maximum.is_some_and(|hard| hard < want) {
            eprintln!("skipped: the open-file limit is below {want}");
            return;
        }
        let raised = Rlimit {
            current: Some(want),
            maximum: limit.maximum,
        };
        setrlimit(Resource::Nofile, raised).unwrap();
    }
    // Take the low numbers, so that the server's sockets get high ones.
    let filler: Vec<OwnedFd> = (0..1030)
        .map(|_| std::fs::File::open("/dev/null").unwrap().into())
        .collect();
    assert!(filler.last().unwrap().as_raw_fd() >= 1024);
    with_server(Model::Select, |server| {
        let report = load(server.addr(), 5, 10).unwrap();
        assert_eq!(report.round_trips, 50);
    });
    drop(filler);
    setrlimit(Resource::Nofile, limit).unwrap();
}
