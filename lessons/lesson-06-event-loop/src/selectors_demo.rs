//! Lesson 06: the course's `selectors` server and client, run together.
//!
//! The course's server registers its listening socket with a callback,
//! `sel.register(sock, EVENT_READ, accept)`, and loops on
//! `for key, mask in sel.select(): key.data(key.fileobj, mask)`. Here that
//! loop drives [`Selector`] and its callbacks while the
//! course's client (lesson 05's copy: two sockets, three messages) runs
//! on a second thread, until both its connections are closed.

use std::time::Duration;

use lesson_05_io_models::course_client;
use shared::{Trace, Transcript};

use crate::selector::{self, EVENT_READ, Selector, Source};

// ANCHOR: selector_demo
/// The course's selectors server, driven by the course's client from a second
/// thread, until both client connections have been closed.
pub fn selector_demo(out: &Transcript, trace: &Trace) -> shared::Result<()> {
    let listener = shared::net::listen(0)?;
    listener.set_nonblocking(true)?;
    let listener = mio::net::TcpListener::from_std(listener);
    let addr = listener.local_addr()?;
    let mut sel = Selector::new(out.clone(), trace.lane("server"))?;
    // sel.register(sock, selectors.EVENT_READ, accept)
    sel.register(Source::Listener(listener), EVENT_READ, selector::accept)?;
    // The client is lesson 05's `course_client`: the course's two sockets and
    // three messages, printed as the course prints them.
    let client = {
        let (out, trace) = (out.clone(), trace.clone());
        std::thread::spawn(move || {
            course_client(addr, &out, &trace).map_err(|e| e.to_string())
        })
    };
    // while True: for key, mask in sel.select(): callback(...)
    // (bounded: until the client's two connections are closed, or the
    // client has failed and gone).
    while sel.closed() < 2 && !(client.is_finished() && sel.len() == 1) {
        for (key, mask) in sel.select(Some(Duration::from_millis(100)))? {
            sel.dispatch(key, mask)?;
        }
    }
    match client.join() {
        Ok(result) => Ok(result?),
        Err(_) => Err("the client thread panicked".into()),
    }
}
// ANCHOR_END: selector_demo
