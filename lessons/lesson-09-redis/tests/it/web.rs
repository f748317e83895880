//! The web front's routes push and publish what they say (checked through
//! Redis), and the all-in-one demo delivers every message of the siege.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use lesson_09_redis::listen::Names;
use lesson_09_redis::web::{PAGE, serve, siege};
use shared::Transcript;

use crate::common::{connection, key, redis};

/// One GET, the whole response as text.
fn get(addr: SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// Starts the front on a free port in a thread; its runtime ends with
/// the test process.
fn start_front(url: &str, names: Names) -> SocketAddr {
    let (bound, addr) = std::sync::mpsc::channel();
    let url = url.to_owned();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime
            .block_on(serve(&url, 0, names, |a| bound.send(a).unwrap()))
            .unwrap();
    });
    addr.recv_timeout(Duration::from_secs(10)).unwrap()
}

fn names(test: &str) -> Names {
    Names {
        queue: key(&format!("{test}-queue")),
        channel: key(&format!("{test}-channel")),
    }
}

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn the_routes_push_publish_and_redirect_to_the_page() {
    let server = redis();
    let names = names("web");
    let addr = start_front(server.url(), names.clone());
    let page = get(addr, "/");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.ends_with(PAGE), "{page}");

    let pushed = get(addr, "/prodcons");
    assert!(pushed.starts_with("HTTP/1.1 302"), "{pushed}");
    assert!(
        pushed.to_lowercase().contains("location: /\r\n"),
        "{pushed}"
    );
    let mut redis = connection(server.url());
    let items: Vec<u64> = redis::cmd("LRANGE")
        .arg(&names.queue)
        .arg(0)
        .arg(-1)
        .query(&mut redis)
        .unwrap();
    assert_eq!(items.len(), 1);
    assert!(items[0] < 10);

    // A subscriber on the channel receives the published digit.
    let mut subscriber = connection(server.url());
    let mut pubsub = subscriber.as_pubsub();
    pubsub.subscribe(&names.channel).unwrap();
    pubsub
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let published = get(addr, "/pubsub");
    assert!(published.starts_with("HTTP/1.1 302"), "{published}");
    let digit: u64 = pubsub.get_message().unwrap().get_payload().unwrap();
    assert!(digit < 10);
}

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn siege_makes_concurrency_times_repetitions_requests() {
    let server = redis();
    let names = names("siege");
    let addr = start_front(server.url(), names.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = runtime.block_on(siege(addr, "/prodcons", 10, 5));
    assert_eq!((report.redirected, report.failed), (50, 0));
    let pushed: usize = redis::cmd("LLEN")
        .arg(&names.queue)
        .query(&mut connection(server.url()))
        .unwrap();
    assert_eq!(pushed, 50);
}

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn the_demo_delivers_every_message_to_its_listener() {
    let server = redis();
    let out = Transcript::quiet();
    let sieges =
        lesson_09_redis::demo::run(server.url(), &names("demo"), &out).unwrap();
    for (path, siege) in sieges {
        assert_eq!((siege.redirected, siege.failed), (50, 0), "{path}");
    }
    let lines = out.lines();
    let got = lines.iter().filter(|l| l.starts_with("Task get ")).count();
    assert_eq!(got, 100, "{lines:?}");
    assert!(lines.contains(&"listen task queue".to_owned()));
    assert!(lines.contains(&"listen task channel".to_owned()));
}
