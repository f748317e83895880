//! `client --port P` against peers that are not this lesson's server: it
//! checks every reply against what it sent, and names the peer when the
//! two differ or the peer hangs up.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;

use crate::common::{LESSON, serial};

/// A peer on a free loopback port that takes the client's two
/// connections and answers each with `answer` (given what it read).
fn peer(answer: fn(&[u8]) -> Vec<u8>) -> (u16, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let thread = std::thread::spawn(move || {
        let mut conns = Vec::new();
        for _ in 0..2 {
            let Ok((mut conn, _)) = listener.accept() else {
                return;
            };
            let mut buf = [0; 64];
            let n = conn.read(&mut buf).unwrap_or(0);
            let _ = conn.write_all(&answer(&buf[..n]));
            conns.push(conn);
        }
    });
    (port, thread)
}

fn client_against(answer: fn(&[u8]) -> Vec<u8>, start: &str) -> String {
    let _serial = serial();
    let (port, thread) = peer(answer);
    let args = ["client", "--port", &port.to_string()];
    let start = start.replace('P', &port.to_string());
    let output = LESSON.assert_one_error_line(&args, &start);
    thread.join().unwrap();
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn a_peer_that_answers_http_is_a_wrong_reply_naming_it() {
    let stderr = client_against(
        |_| b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec(),
        "error: wrong reply from 127.0.0.1:P",
    );
    assert!(stderr.contains("b'HTTP/1.1 400 Bad Requ'"), "{stderr}");
    assert!(stderr.contains("b'THIS IS THE MESSAGE. '"), "{stderr}");
}

#[test]
fn a_peer_that_echoes_without_upper_casing_is_a_wrong_reply() {
    let stderr =
        client_against(<[u8]>::to_vec, "error: wrong reply from 127.0.0.1:P");
    assert!(stderr.contains("b'This is the message. '"), "{stderr}");
}

#[test]
fn a_peer_that_hangs_up_is_named() {
    client_against(|_| Vec::new(), "error: 127.0.0.1:P closed");
}
