//! Lesson 06: one read, twice: as an `async fn`, and as the state machine the
//! compiler turns it into. Both are compiled, and the tests hold them to
//! the same bytes *and* the same number of polls.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::runtime::TcpStream;

// ANCHOR: async_fn
/// Reads what has arrived and upper-cases it in place.
pub async fn read_upper(
    stream: &TcpStream,
    buf: &mut [u8],
) -> io::Result<usize> {
    let n = stream.read(buf).await?;
    buf[..n].make_ascii_uppercase();
    Ok(n)
}
// ANCHOR_END: async_fn

// ANCHOR: state_enum
/// [`read_upper`], written out by hand: one variant per place the
/// function can be, each holding the locals alive there.
pub enum ReadUpper<'a> {
    /// Called, not yet polled. An `async fn` runs none of its body when
    /// called: it only stores its arguments.
    Start {
        /// The socket to read.
        stream: &'a TcpStream,
        /// Where the bytes go.
        buf: &'a mut [u8],
    },
    /// Suspended at the `.await`: the read said `WouldBlock`, and the
    /// task's waker is with the reactor.
    Reading {
        /// The socket being read.
        stream: &'a TcpStream,
        /// Where the bytes go.
        buf: &'a mut [u8],
    },
    /// Returned. The compiler's version panics if polled again
    /// ("`async fn` resumed after completion"); so does this one.
    Done,
}

// ANCHOR_END: state_enum

impl<'a> ReadUpper<'a> {
    /// The call `read_upper(stream, buf)`: builds the machine, runs nothing.
    pub fn new(stream: &'a TcpStream, buf: &'a mut [u8]) -> ReadUpper<'a> {
        ReadUpper::Start { stream, buf }
    }
}

// ANCHOR: state_poll
impl Future for ReadUpper<'_> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Only references inside: the machine is `Unpin`, so `get_mut`
        // is allowed. (The compiler's machine can hold a borrow of its
        // own field across an `.await`; that is why futures are pinned.)
        let this = self.get_mut();
        match std::mem::replace(this, ReadUpper::Done) {
            ReadUpper::Start { stream, buf }
            | ReadUpper::Reading { stream, buf } => {
                // `stream.read(buf).await`, one step of it: `Read` keeps
                // no state between polls, so a fresh one per poll is the
                // same future. Storing it instead would borrow our own
                // `buf` field: a self-referential struct.
                let mut read = stream.read(&mut *buf);
                match Pin::new(&mut read).poll(cx) {
                    Poll::Pending => {
                        *this = ReadUpper::Reading { stream, buf };
                        Poll::Pending
                    }
                    // The `?`.
                    Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                    // The two lines after the `.await`.
                    Poll::Ready(Ok(n)) => {
                        buf[..n].make_ascii_uppercase();
                        Poll::Ready(Ok(n))
                    }
                }
            }
            ReadUpper::Done => panic!("ReadUpper polled after completion"),
        }
    }
}
// ANCHOR_END: state_poll
