//! Lesson 09: the course's Flask front on axum, and `siege` built in.
//!
//! Python: `@app.route('/')` returns a page with two links; `/prodcons`
//! does `rcon.lpush(prodcons_queue, random.randrange(10))` and
//! `/pubsub` does `rcon.publish(pubsub_channel, random.randrange(10))`,
//! each `return redirect('/')`. Then `siege -c10 -r 5` on each route: 10
//! clients, 5 requests each.
//!
//! The handlers share one multiplexed async connection: they send only
//! `LPUSH` and `PUBLISH`, which Redis answers at once, so one socket
//! carries every request's command without any waiting behind another (a
//! blocking command would hold them all up; see [`crate::connect`]).

use std::hash::{BuildHasher, RandomState};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::listen::Names;

/// The course's page.
pub const PAGE: &str = r#"
<br>
<center><h3>Redis Message Queue</h3>
<br>
<a href="/prodcons">生产消费者模式</a>
<br>
<br>
<a href="/pubsub">发布订阅者模式</a>
</center>
"#;

struct Front {
    redis: redis::aio::MultiplexedConnection,
    names: Names,
    random: RandomState,
}

impl Front {
    /// `random.randrange(10)`: a hash of the clock, from a randomly
    /// keyed hasher (no random-number crate for one digit).
    fn digit(&self) -> u64 {
        self.random.hash_one(Instant::now()) % 10
    }
}

// ANCHOR: routes
/// The front's three routes, on `redis`.
pub fn router(
    redis: redis::aio::MultiplexedConnection,
    names: Names,
) -> Router {
    let front = Arc::new(Front {
        redis,
        names,
        random: RandomState::new(),
    });
    Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/prodcons", get(prodcons))
        .route("/pubsub", get(pubsub))
        .with_state(front)
}

async fn prodcons(State(front): State<Arc<Front>>) -> Response {
    let elem = front.digit();
    let pushed: redis::RedisResult<usize> = redis::cmd("LPUSH")
        .arg(&front.names.queue)
        .arg(elem)
        .query_async(&mut front.redis.clone())
        .await;
    redirect_or_fail(pushed.map(drop))
}

async fn pubsub(State(front): State<Arc<Front>>) -> Response {
    let elem = front.digit();
    let published: redis::RedisResult<usize> = redis::cmd("PUBLISH")
        .arg(&front.names.channel)
        .arg(elem)
        .query_async(&mut front.redis.clone())
        .await;
    redirect_or_fail(published.map(drop))
}

/// Flask's `redirect('/')`: 302 to the page; a Redis error is a 503.
fn redirect_or_fail(done: redis::RedisResult<()>) -> Response {
    match done {
        Ok(()) => {
            (StatusCode::FOUND, [(header::LOCATION, "/")]).into_response()
        }
        Err(e) => {
            (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response()
        }
    }
}
// ANCHOR_END: routes

/// Serves the front on 127.0.0.1:`port` until the future is dropped;
/// `bound` gets the address once it listens.
pub async fn serve(
    url: &str,
    port: u16,
    names: Names,
    bound: impl FnOnce(SocketAddr),
) -> shared::Result<()> {
    let redis = crate::connect::client(url)?
        .get_multiplexed_async_connection()
        .await
        .map_err(|e| format!("cannot reach Redis at {url}: {e}"))?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    bound(listener.local_addr()?);
    axum::serve(listener, router(redis, names)).await?;
    Ok(())
}

/// What a siege did.
#[derive(Clone, Debug, PartialEq)]
pub struct Siege {
    /// Requests answered with a redirect.
    pub redirected: usize,
    /// Requests that failed or got another status.
    pub failed: usize,
    /// The whole siege.
    pub elapsed: Duration,
}

// ANCHOR: siege
/// `siege -c concurrency -r repetitions http://addr/path`: `concurrency`
/// clients at once, each making `repetitions` requests in turn (the
/// redirect is not followed).
pub async fn siege(
    addr: SocketAddr,
    path: &str,
    concurrency: usize,
    repetitions: usize,
) -> Siege {
    let start = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let path = path.to_owned();
        clients.spawn(async move {
            let mut redirected = 0;
            for _ in 0..repetitions {
                if get_status(addr, &path).await == Some(302) {
                    redirected += 1;
                }
            }
            redirected
        });
    }
    let mut redirected = 0;
    while let Some(done) = clients.join_next().await {
        redirected += done.unwrap_or(0);
    }
    Siege {
        redirected,
        failed: concurrency * repetitions - redirected,
        elapsed: start.elapsed(),
    }
}
// ANCHOR_END: siege

/// One `GET path` on a fresh connection: the status code, or `None` when
/// the request failed (10 s at most: a client's patience).
async fn get_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.ok()?;
        // A redirect's head and empty body: 4 KiB is plenty, and a cap.
        let mut head = vec![0; 4096];
        let read = stream.read(&mut head).await.ok()?;
        let line = std::str::from_utf8(&head[..read]).ok()?.lines().next()?;
        line.split(' ').nth(1)?.parse().ok()
    };
    tokio::time::timeout(shared::py::PATIENCE, exchange)
        .await
        .ok()
        .flatten()
}
