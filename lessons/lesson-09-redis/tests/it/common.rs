//! What the tests share: a Redis server and list names no other test uses.

use std::time::Duration;

use lesson_09_redis::Consume;
use shared::services::{RedisServer, Service};

/// The lesson's binary, for the CLI tests.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_lesson-09-redis");

/// The server at `REDIS_URL` (`cargo xtask test`), or a private one.
pub(crate) fn redis() -> Service<RedisServer> {
    RedisServer::connect_or_start().expect("a Redis server")
}

/// A key no other test (nor another run of this one) uses, so tests can
/// share one server.
pub(crate) fn key(test: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("lesson09:test:{test}:{}:{n}", std::process::id())
}

/// The default run on its own list, with a short patience: a test never
/// waits long for a message that does not come.
pub(crate) fn consume_cfg(url: &str, test: &str) -> Consume {
    let mut cfg = Consume::new(url);
    cfg.queue = key(test);
    cfg.idle = Duration::from_secs(5);
    cfg
}

/// A blocking connection to `url`.
pub(crate) fn connection(url: &str) -> redis::Connection {
    redis::Client::open(url)
        .unwrap()
        .get_connection_with_timeout(Duration::from_secs(2))
        .unwrap()
}

/// Pushes `messages` onto `queue` from a thread, `gap` apart, so that the
/// consumers' pops have to wait.
pub(crate) fn trickle(
    url: &str,
    queue: &str,
    messages: Vec<String>,
    gap: Duration,
) -> std::thread::JoinHandle<()> {
    let (url, queue) = (url.to_owned(), queue.to_owned());
    std::thread::spawn(move || {
        let mut redis = connection(&url);
        for message in messages {
            std::thread::sleep(gap);
            let _: () = redis::cmd("LPUSH")
                .arg(&queue)
                .arg(message)
                .query(&mut redis)
                .unwrap();
        }
    })
}
