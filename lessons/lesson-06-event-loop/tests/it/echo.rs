//! The uppercase echo, on our runtime, on tokio's and on the selector:
//! many clients, a message far bigger than a socket buffer, and clients
//! that leave rudely.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

use lesson_06_event_loop::selector::{self, EVENT_READ, Selector, Source};
use lesson_06_event_loop::{EchoServer, Engine, load_ours};
use shared::{Trace, Transcript};

#[test]
fn two_hundred_clients_at_once_get_their_replies_on_each_engine() {
    for &engine in Engine::all() {
        let server = EchoServer::start(engine).unwrap();
        let stats = load_ours(server.addr(), 200, 10, 64).unwrap();
        assert_eq!(stats.round_trips, 2000, "{engine}");
        server.stop().unwrap();
    }
}

/// Sends `message` from one thread while another reads the reply, so
/// neither side's socket buffer can fill up and stall the other; returns
/// the reply.
fn echo_big(addr: SocketAddr, message: &[u8]) -> Vec<u8> {
    let mut writer = TcpStream::connect(addr).unwrap();
    let mut reader = writer.try_clone().unwrap();
    reader
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let len = message.len();
    let replies = thread::spawn(move || {
        let mut reply = vec![0u8; len];
        reader.read_exact(&mut reply).unwrap();
        reply
    });
    writer.write_all(message).unwrap();
    let reply = replies.join().unwrap();
    writer.shutdown(std::net::Shutdown::Write).unwrap();
    reply
}

fn big_message() -> Vec<u8> {
    // 1 MiB: many times the socket buffers, so the server meets partial
    // reads and `WouldBlock` on its writes.
    (0..1024 * 1024).map(|i| b'a' + (i % 26) as u8).collect()
}

#[test]
fn a_one_mib_message_comes_back_whole_and_upper_cased() {
    let message = big_message();
    for &engine in Engine::all() {
        let server = EchoServer::start(engine).unwrap();
        let reply = echo_big(server.addr(), &message);
        assert!(reply == message.to_ascii_uppercase(), "{engine}");
    }
}

#[test]
fn clients_that_leave_mid_message_do_not_hurt_the_server() {
    for &engine in Engine::all() {
        let server = EchoServer::start(engine).unwrap();
        for _ in 0..5 {
            // Half a message, then gone without reading the reply.
            let mut rude = TcpStream::connect(server.addr()).unwrap();
            rude.write_all(b"half a mess").unwrap();
            drop(rude);
            // Far more than the buffers hold, then gone: the server's
            // write meets a reset connection.
            let mut ruder = TcpStream::connect(server.addr()).unwrap();
            let _ = ruder.write_all(&vec![b'x'; 512 * 1024]);
            drop(ruder);
        }
        let stats = load_ours(server.addr(), 3, 5, 16).unwrap();
        assert_eq!(stats.round_trips, 15, "{engine}");
        server.stop().unwrap();
    }
}

/// The course's selectors server on a thread, until `conns` connections
/// have come and gone.
fn selector_server(
    conns: u64,
) -> (SocketAddr, thread::JoinHandle<Vec<String>>) {
    let listener =
        mio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let trace = Trace::disabled();
        let out = Transcript::quiet();
        let mut sel = Selector::new(out.clone(), trace.lane("server")).unwrap();
        sel.register(Source::Listener(listener), EVENT_READ, selector::accept)
            .unwrap();
        while sel.closed() < conns {
            for (key, mask) in
                sel.select(Some(Duration::from_secs(20))).unwrap()
            {
                sel.dispatch(key, mask).unwrap();
            }
        }
        assert_eq!(sel.len(), 1, "only the listener is left");
        out.lines()
    });
    (addr, server)
}

#[test]
fn the_selector_keeps_what_a_partial_write_left_over() {
    let message = big_message();
    let (addr, server) = selector_server(1);
    let reply = echo_big(addr, &message);
    assert!(reply == message.to_ascii_uppercase());
    let lines = server.join().unwrap();
    assert_eq!(
        lines.first().unwrap().split(" from ").next(),
        Some("[server] accepted conn 1")
    );
    assert_eq!(lines.last().unwrap(), "[server] closing conn 1");
}

#[test]
fn the_selector_survives_rude_clients_and_serves_the_next() {
    let (addr, server) = selector_server(3);
    let mut rude = TcpStream::connect(addr).unwrap();
    rude.write_all(b"half a mess").unwrap();
    drop(rude);
    let mut ruder = TcpStream::connect(addr).unwrap();
    let _ = ruder.write_all(&vec![b'x'; 512 * 1024]);
    drop(ruder);
    let mut polite = TcpStream::connect(addr).unwrap();
    polite.write_all(b"in parts.").unwrap();
    let mut reply = [0u8; 9];
    polite.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"IN PARTS.");
    drop(polite);
    let lines = server.join().unwrap();
    let closes = lines.iter().filter(|l| l.contains("closing")).count();
    assert_eq!(closes, 3);
}

#[test]
fn measure_gives_both_engines_and_their_ratio() {
    let figures = lesson_06_event_loop::measure(10, 20);
    let names: Vec<_> = figures.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["echo_rps_ours", "echo_rps_tokio", "ours_vs_tokio"]);
    assert!(figures.iter().all(|f| f.value > 0.0 && f.value.is_finite()));
}

/// The course's read-once callback on an edge-triggered selector: a 64 KiB
/// message arrives in a few edges, each edge gets 1000 bytes read, and
/// the rest sits in the socket with nothing left to report it. The loop
/// goes quiet (a `select` with a timeout returns nothing) with most of
/// the message never echoed. The fixed callbacks echo all of it.
#[test]
fn the_courses_read_once_callback_strands_data_under_edge_triggering() {
    use lesson_06_event_loop::selector::naive;
    let message = vec![b'a'; 64 * 1024];
    for (callback, fixed) in [
        (naive::accept as selector::Callback, false),
        (selector::accept, true),
    ] {
        let listener =
            mio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
                .unwrap();
        let addr = listener.local_addr().unwrap();
        let mut sel = Selector::new(
            Transcript::quiet(),
            Trace::disabled().lane("server"),
        )
        .unwrap();
        sel.register(Source::Listener(listener), EVENT_READ, callback)
            .unwrap();
        let mut client = TcpStream::connect(addr).unwrap();
        // Read the replies as they come, until the server closes.
        let mut reader = client.try_clone().unwrap();
        let replies = thread::spawn(move || {
            let mut echoed = Vec::new();
            let _ = reader.read_to_end(&mut echoed);
            echoed.len()
        });
        client.write_all(&message).unwrap();
        // Serve until the loop has had nothing to do for 200 ms, then
        // close everything (dropping the selector closes its sockets).
        loop {
            let ready = sel.select(Some(Duration::from_millis(200))).unwrap();
            if ready.is_empty() {
                break;
            }
            for (key, mask) in ready {
                sel.dispatch(key, mask).unwrap();
            }
        }
        drop(sel);
        let echoed = replies.join().unwrap();
        if fixed {
            assert_eq!(echoed, message.len());
        } else {
            assert!(echoed > 0, "the first edge is served");
            assert!(echoed < message.len() / 2, "{echoed} echoed");
        }
    }
}
