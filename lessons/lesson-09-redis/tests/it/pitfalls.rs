//! What redis-rs 1.x does to a blocking consumer, checked: the async
//! connection's default response timeout, a blocking command holding up a
//! shared multiplexed connection, and the typed `blmpop` helper that fails
//! to decode a batch the server has already popped.

use std::time::Duration;

use crate::common::{key, redis};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn a_default_async_connection_fails_a_pop_that_waits() {
    let server = redis();
    let queue = key("timeout");
    runtime().block_on(async {
        // The default config: a reply later than 500 ms is an error.
        let client = redis::Client::open(server.url()).unwrap();
        let mut plain =
            client.get_multiplexed_async_connection().await.unwrap();
        let popped: redis::RedisResult<Option<(String, String)>> =
            redis::cmd("BRPOP")
                .arg(&queue)
                .arg(1.0)
                .query_async(&mut plain)
                .await;
        let error = popped.expect_err("the default connection times out");
        assert!(error.is_timeout(), "{error}");
        // The lesson's connection waits the pop's own 1 s, then gets nil.
        let mut ours = lesson_09_redis::connect::async_connection(
            server.url(),
            Duration::from_secs(2),
        )
        .await
        .unwrap();
        let popped: Option<(String, String)> = redis::cmd("BRPOP")
            .arg(&queue)
            .arg(1.0)
            .query_async(&mut ours)
            .await
            .unwrap();
        assert_eq!(popped, None);
    });
}

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn a_blocking_pop_holds_up_every_command_on_its_connection() {
    let server = redis();
    let queue = key("shared-connection");
    runtime().block_on(async {
        let mut shared = lesson_09_redis::connect::async_connection(
            server.url(),
            Duration::from_secs(2),
        )
        .await
        .unwrap();
        let mut clone = shared.clone();
        let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let pop = {
            let (order, queue) = (order.clone(), queue.clone());
            tokio::spawn(async move {
                let _: Option<(String, String)> = redis::cmd("BRPOP")
                    .arg(&queue)
                    .arg(0.3)
                    .query_async(&mut shared)
                    .await
                    .unwrap();
                order.lock().unwrap().push("brpop");
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Sent while the pop waits: answered only after it.
        let _: String =
            redis::cmd("PING").query_async(&mut clone).await.unwrap();
        order.lock().unwrap().push("ping");
        pop.await.unwrap();
        assert_eq!(*order.lock().unwrap(), ["brpop", "ping"]);
    });
}

#[test]
#[ignore = "needs Redis: cargo xtask test runs it"]
fn the_typed_blmpop_helper_loses_the_batch_it_cannot_decode() {
    use redis::{Direction, TypedCommands};
    let server = redis();
    let queue = key("blmpop");
    let mut redis = crate::common::connection(server.url());
    redis.rpush(&queue, &["a", "b", "c"]).unwrap();
    // The helper's reply type is `Option<[String; 2]>`; the server
    // answers `[key, [items]]`. Decoding fails after the pop.
    let typed = redis.blmpop(1.0, 1, &queue, Direction::Left, 2);
    let error = typed.expect_err("the typed helper cannot decode the batch");
    assert_eq!(error.kind(), redis::ErrorKind::Parse, "{error}");
    let left = redis.lrange(&queue, 0, -1).unwrap();
    assert_eq!(left, ["c"], "a and b were popped, and are gone");
    // The untyped command, decoded as what the server sends, is fine.
    let popped: Option<(String, Vec<String>)> = redis::cmd("BLMPOP")
        .arg(1.0)
        .arg(1)
        .arg(&queue)
        .arg("LEFT")
        .arg("COUNT")
        .arg(2)
        .query(&mut redis)
        .unwrap();
    assert_eq!(popped, Some((queue.clone(), vec!["c".to_owned()])));
}
