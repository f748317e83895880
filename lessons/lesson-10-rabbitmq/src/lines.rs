//! Lesson 10: the lines the seed's programs print, in one place, so that
//! every subcommand, the default run and the tests agree on them.
//!
//! The programs print with Python's `%r`: a `str` message as `'text'`,
//! a received body (bytes) as `b'text'`.

/// ` [*] Waiting for messages. To exit press CTRL+C` (`receive.py`,
/// `worker.py`).
pub const WAITING: &str = " [*] Waiting for messages. To exit press CTRL+C";
/// ` [*] Waiting for logs. To exit press CTRL+C` (the log receivers).
pub const WAITING_LOGS: &str = " [*] Waiting for logs. To exit press CTRL+C";
/// ` [x] Done` (`worker.py`, after its sleep).
pub const DONE: &str = " [x] Done";
/// ` [x] Awaiting RPC requests` (`rpc_server.py`).
pub const AWAITING_RPC: &str = " [x] Awaiting RPC requests";

/// ` [x] Sent 'Hello World!'`.
pub fn sent(message: &str) -> String {
    format!(" [x] Sent {}", repr(message))
}

/// ` [x] Sent 'error':'Run. Run.'`: a routed message and its key.
pub fn sent_routed(key: &str, message: &str) -> String {
    format!(" [x] Sent {}:{}", repr(key), repr(message))
}

/// ` [x] Received b'Hello World!'`.
pub fn received(body: &[u8]) -> String {
    format!(" [x] Received {}", shared::py::bytes(body))
}

/// ` [x] b'info: Hello World!'` (`receive_logs.py`).
pub fn log(body: &[u8]) -> String {
    format!(" [x] {}", shared::py::bytes(body))
}

/// ` [x] 'error':b'Run. Run.'` (the direct and topic receivers).
pub fn routed_log(key: &str, body: &[u8]) -> String {
    format!(" [x] {}:{}", repr(key), shared::py::bytes(body))
}

/// ` [x] Requesting fib(30)`.
pub fn requesting(n: u64) -> String {
    format!(" [x] Requesting fib({n})")
}

/// ` [.] Got 832040`.
pub fn got(result: u64) -> String {
    format!(" [.] Got {result}")
}

/// ` [.] fib(30)` (the server, on each request).
pub fn computing(n: &str) -> String {
    format!(" [.] fib({n})")
}

/// Python's `repr` of a `str`: single quotes unless the text holds a
/// single quote and no double one; backslashes, the quote and control
/// characters escaped.
///
/// ```
/// use lesson_10_rabbitmq::lines::repr;
/// assert_eq!(repr("Hello World!"), "'Hello World!'");
/// assert_eq!(repr("it's"), "\"it's\"");
/// assert_eq!(repr("a\tb\\"), r"'a\tb\\'");
/// ```
pub fn repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}
