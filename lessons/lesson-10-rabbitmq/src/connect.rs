//! Lesson 10: reaching RabbitMQ, the course's
//! `pika.BlockingConnection(pika.ConnectionParameters('localhost'))` and
//! `connection.channel()`.
//!
//! A pika program has one blocking connection and one channel, and every
//! call waits for the broker's reply. lapin's [`Connection`] is a socket
//! with a reader and a writer task on the tokio runtime; every channel
//! method is an `async fn` that sends a frame and awaits the broker's
//! answer, so one thread can hold many channels and consumers at once.
//!
//! Errors are one line that names the broker and says what to do: a URL
//! that is not an AMQP URL, a broker that does not answer (start one with
//! `cargo xtask services up`), a connection lost mid-run.

use std::time::Duration;

use lapin::uri::AMQPUri;
use lapin::{Channel, Connection, ConnectionProperties};

/// The URL the seed's programs use, `pika.ConnectionParameters('localhost')`:
/// the broker's default port, the default virtual host `/`, user `guest`.
pub const DEFAULT_URL: &str = "amqp://127.0.0.1:5672";

/// How long opening a connection may take before the run says the broker
/// does not answer (a firewall that drops packets would otherwise leave the
/// TCP connect waiting for minutes).
pub const CONNECT_PATIENCE: Duration = Duration::from_secs(5);

/// The broker to use: `flag` (`--amqp URL`) when given, else `AMQP_URL`,
/// else [`DEFAULT_URL`].
pub fn url_from(flag: Option<&str>) -> String {
    flag.map(str::to_owned)
        .or_else(|| std::env::var("AMQP_URL").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| DEFAULT_URL.to_owned())
}

/// `url`, parsed, or one line saying what an AMQP URL looks like.
pub fn parse(url: &str) -> shared::Result<AMQPUri> {
    url.parse::<AMQPUri>().map_err(|e| {
        format!(
            "`{url}` is not an AMQP URL ({e}); one looks like \
             amqp://guest:guest@127.0.0.1:5672/%2f"
        )
        .into()
    })
}

// ANCHOR: connect
/// Opens a connection to the broker at `url`, named `name` in the broker's
/// connection list, or fails with one line that says how to start one.
pub async fn connect(url: &str, name: &str) -> shared::Result<Connection> {
    let uri = parse(url)?;
    let properties =
        ConnectionProperties::default().with_connection_name(name.into());
    let opening = Connection::connect_uri(uri, properties);
    match tokio::time::timeout(CONNECT_PATIENCE, opening).await {
        Ok(Ok(connection)) => Ok(connection),
        Ok(Err(e)) => Err(unreachable(url, &e.to_string())),
        Err(_) => Err(unreachable(url, "no answer within 5 s")),
    }
}

/// [`connect`], then one channel on it: what every seed program starts
/// with (`connection.channel()`).
pub async fn open(url: &str, name: &str) -> shared::Result<Session> {
    let connection = connect(url, name).await?;
    let channel = connection.create_channel().await.map_err(lost)?;
    Ok(Session {
        connection,
        channel,
    })
}
// ANCHOR_END: connect

/// A connection and its one channel: the seed's `connection` and
/// `channel`.
pub struct Session {
    /// The socket to the broker.
    pub connection: Connection,
    /// The channel every call of the program goes through.
    pub channel: Channel,
}

impl Session {
    /// Closes the channel, then the connection, as `connection.close()`
    /// does: the broker sees a clean goodbye, not a dropped socket (which
    /// it logs as an error, and which would requeue unacked messages only
    /// once it noticed).
    pub async fn close(self) -> shared::Result<()> {
        // A channel the broker already closed (after a channel error) is
        // not an error here: the connection close below still matters.
        let _ = self.channel.close(200, "bye".into()).await;
        self.connection.close(200, "bye".into()).await.map_err(lost)
    }
}

/// The one-line error for a broker that does not answer.
fn unreachable(url: &str, why: &str) -> shared::Error {
    format!(
        "cannot reach RabbitMQ at {url}: {why} (start one with `cargo xtask \
         services up` and set AMQP_URL, or pass --amqp URL)"
    )
    .into()
}

/// A failed call on an open connection, as one line: most often the
/// broker went away or closed the channel.
pub fn lost(e: lapin::Error) -> shared::Error {
    use lapin::ErrorKind;
    match e.kind() {
        ErrorKind::ProtocolError(amqp) => {
            format!("RabbitMQ refused a call: {amqp}").into()
        }
        _ => format!("lost the RabbitMQ connection: {e}").into(),
    }
}

/// A current-thread tokio runtime: every program of the lesson is one
/// thread of tasks, as a pika program is one thread of callbacks.
pub fn runtime() -> shared::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}
