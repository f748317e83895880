//! Every runtime's server survives hostile and heavy clients and closes
//! every descriptor it opened.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use lesson_07_many_sockets::client::{HelloClient, load};
use lesson_07_many_sockets::{Log, Mode, Runtime, Server};

use crate::common::{fd_lock, open_fds, settle_to};

/// Runs `abuse` against each runtime's server (fixed handler), checks a
/// well-behaved client is still served afterwards, stops the server, and
/// checks the descriptor count is back where it was.
fn survives<G>(abuse: impl Fn(std::net::SocketAddr) -> G) {
    let _one_at_a_time = fd_lock();
    for runtime in Runtime::ALL {
        let before = open_fds();
        let server = Server::start(runtime, 0, Mode::Fixed, Log::silent())
            .expect("starts");
        // Whatever `abuse` returns stays alive (a connection still open)
        // while another client is served.
        let still_open = abuse(server.addr());
        let mut client = HelloClient::connect(server.addr()).expect("connects");
        assert_eq!(
            client.round_trip(7).expect("served"),
            "hello 7",
            "{runtime:?}"
        );
        drop(client);
        drop(still_open);
        server.stop().expect("stops");
        let after = settle_to(before);
        assert!(
            after <= before,
            "{runtime:?} left descriptors open: {before} → {after}"
        );
    }
}

#[test]
fn a_thousand_concurrent_connections() {
    survives(|addr| {
        let stats = load(addr, 1_000, 2).expect("every client served");
        assert_eq!(stats.round_trips, 2_000);
    });
}

#[test]
fn clients_that_reset_mid_message() {
    survives(|addr| {
        for _ in 0..20 {
            let mut conn = TcpStream::connect(addr).expect("connects");
            conn.write_all(b"hello, and then").expect("writes");
            // SO_LINGER 0: close sends RST instead of FIN.
            let fd = std::os::fd::AsFd::as_fd(&conn);
            rustix::net::sockopt::set_socket_linger(fd, Some(Duration::ZERO))
                .expect("linger");
            drop(conn);
        }
    });
}

#[test]
fn clients_that_send_garbage() {
    survives(|addr| {
        let mut conn = TcpStream::connect(addr).expect("connects");
        let garbage: Vec<u8> =
            (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
        conn.write_all(&garbage).expect("writes");
        let mut back = vec![0; garbage.len()];
        conn.read_exact(&mut back).expect("echoed");
        assert_eq!(back, garbage);
    });
}

#[test]
fn a_client_that_sends_one_byte_at_a_time() {
    survives(|addr| {
        let mut conn = TcpStream::connect(addr).expect("connects");
        conn.set_nodelay(true).expect("nodelay");
        for &b in b"hello 0" {
            conn.write_all(&[b]).expect("writes");
            let mut one = [0];
            conn.read_exact(&mut one).expect("echoed");
            assert_eq!(one[0], b);
        }
    });
}

/// The server reads 1 KiB, sends it back, and reads again only when that
/// send is done: a client that never reads fills its receive buffer and
/// the server's send buffer, and the handler then waits in `send`,
/// holding its 1 KiB; whatever else the client sends waits in the
/// kernel's buffers (on loopback, autotuned up to `tcp_rmem`'s 32 MiB
/// here). Nothing grows in the server; the other clients are served; the
/// client's close ends the handler.
#[test]
fn a_client_that_sends_a_mebibyte_and_never_reads() {
    survives(|addr| {
        let mut conn = TcpStream::connect(addr).expect("connects");
        conn.set_write_timeout(Some(Duration::from_millis(300)))
            .expect("timeout");
        let chunk = vec![b'x'; 64 * 1024];
        let mut sent = 0;
        while sent < (1 << 20) {
            match conn.write(&chunk) {
                Ok(n) => sent += n,
                Err(_) => break, // every buffer is full
            }
        }
        conn
    });
}

#[test]
fn stopping_during_load_closes_every_connection() {
    let _one_at_a_time = fd_lock();
    for runtime in Runtime::ALL {
        let before = open_fds();
        let server = Server::start(runtime, 0, Mode::Fixed, Log::silent())
            .expect("starts");
        let addr = server.addr();
        let conns: Vec<_> = (0..100)
            .map(|_| {
                let mut c = HelloClient::connect(addr).expect("connects");
                c.round_trip(0).expect("served");
                c
            })
            .collect();
        server.stop().expect("stops");
        // Every client sees its connection end.
        for c in conns {
            let mut c = c.into_inner();
            let mut buf = [0; 8];
            let n = c.read(&mut buf).unwrap_or(0);
            assert_eq!(n, 0, "{runtime:?}");
        }
        let after = settle_to(before);
        assert!(
            after <= before,
            "{runtime:?} left descriptors open: {before} → {after}"
        );
    }
}
