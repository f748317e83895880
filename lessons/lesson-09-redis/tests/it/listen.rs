//! The course's two listeners print its lines; pub/sub drops what was
//! published before the listener subscribed.

use std::time::Duration;

use lesson_09_redis::listen::{listen_list, listen_pubsub, publish};
use shared::{Trace, Transcript};

use crate::common::{connection, key, redis};

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn the_list_listener_prints_task_get_for_each_item() {
    let server = redis();
    let queue = key("listen-list");
    let _: () = redis::cmd("RPUSH")
        .arg(&queue)
        .arg(&["1", "7"])
        .query(&mut connection(server.url()))
        .unwrap();
    let out = Transcript::quiet();
    let trace = Trace::disabled();
    let idle = Duration::from_secs(5);
    listen_list(server.url(), &queue, 2, idle, &out, &trace.lane("list"))
        .unwrap();
    assert_eq!(out.text(), include_str!("../../output/listen-list.txt"));
}

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn pubsub_reaches_only_the_listeners_subscribed_at_the_time() {
    let server = redis();
    let channel = key("listen-pubsub");
    // Published before anyone listens: received by nobody, and gone.
    assert_eq!(publish(server.url(), &channel, "3").unwrap(), 0);
    let out = Transcript::quiet();
    let (subscribed, ready) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        let listener = scope.spawn(|| {
            let trace = Trace::disabled();
            listen_pubsub(
                server.url(),
                &channel,
                2,
                Duration::from_secs(5),
                &out,
                &trace.lane("pubsub"),
                move || subscribed.send(()).unwrap(),
            )
        });
        ready.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(publish(server.url(), &channel, "4").unwrap(), 1);
        assert_eq!(publish(server.url(), &channel, "5").unwrap(), 1);
        listener.join().unwrap().unwrap();
    });
    assert_eq!(out.text(), include_str!("../../output/listen-pubsub.txt"));
}
