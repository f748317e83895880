//! Lesson 06: an event loop built from scratch, answering the course's
//! open question "how is that actually implemented?".
//!
//! **Python original.** The course's `selectors` echo server registers
//! the listening socket with a callback, `sel.register(sock, EVENT_READ,
//! accept)`; `accept` registers each new connection with `read`; the loop
//! is `for key, mask in sel.select(): key.data(key.fileobj, mask)`. (It
//! echoes unchanged; ours upper-cases, as every server of lessons 05 and
//! 06 does, so that one client and one load generator serve them all.)
//! The course's gevent demo spawns `foo` (`gevent.sleep(2)`), `bar`
//! (`gevent.sleep(1)`) and `func3` (`gevent.sleep(0)`) and joins them,
//! printing six lines. And the course's notes leave a question open:
//! "register an event on IO, let the main program do other things, and
//! resume the interrupted task when the IO is done: how is that actually
//! implemented?"
//!
//! **Rust mapping.** Two answers, one under the other:
//!
//! | Python | Rust, this lesson |
//! |---|---|
//! | `selectors.DefaultSelector()` | [`Selector`] on mio's `Poll` (epoll) |
//! | `sel.register(sock, EVENT_READ, accept)` | [`Selector::register`]`(source, EVENT_READ, accept)` |
//! | `sel.select()`, `key.data(key.fileobj, mask)` | [`Selector::select`], [`Selector::dispatch`] |
//! | asyncio's event loop | [`runtime::Runtime`]: reactor + executor + timers |
//! | `asyncio.create_task`, `gevent.spawn` | [`runtime::spawn`], returning a [`runtime::JoinHandle`] |
//! | `await reader.read(n)` | `stream.read(&mut buf).await` ([`runtime::TcpStream`]) |
//! | `gevent.sleep(1)`, `asyncio.sleep(1)` | [`runtime::sleep`] |
//! | the interrupted task, resumed | a `Future` polled again after its `Waker` fired |
//!
//! - The [`Selector`] is the course's callback style: the loop calls *your*
//!   function when a socket is ready, and your function must not block.
//! - The [`runtime`] turns callbacks inside out. A task is a `Future`; at
//!   an `.await` that would block it returns `Pending`, after leaving its
//!   `Waker` with the *reactor* (a token → waker table beside mio's
//!   `Poll`). When `epoll_wait` says the socket is ready, the reactor
//!   calls the waker, which puts the task's id on the *executor*'s queue,
//!   and the executor polls it again: the "interrupted task, resumed".
//!   Timers are a heap whose earliest deadline is `epoll_wait`'s timeout.
//! - [`read::ReadUpper`] is one `async fn` ([`read::read_upper`]) written
//!   out as the state machine the compiler makes of it.
//! - [`echo`] serves the uppercase echo of lesson 05 on our runtime and on
//!   tokio's current-thread runtime, for the comparison.
//!
//! **Run it.**
//!
//! ```text
//! cargo run -p lesson-06-event-loop                  # the selectors server + client
//! cargo run -p lesson-06-event-loop -- gevent        # foo/bar/func3 on our runtime (2 s)
//! cargo run -p lesson-06-event-loop -- gevent --scale 0.1 --timeline
//! cargo run -p lesson-06-event-loop -- slow --timeline  # 3 slow clients, one thread
//! cargo run -p lesson-06-event-loop -- serve --engine ours --port 10000
//! cargo run --release -p lesson-06-event-loop -- load --engine ours --clients 100 --messages 1000
//! cargo run --release -p lesson-06-event-loop -- measure   # ours vs tokio
//! ```
//!
//! **What to notice.**
//!
//! - Nothing in the runtime is magic: `block_on` is a loop of three steps
//!   (run the woken tasks; wake the expired timers; `epoll_wait` until the
//!   next deadline), and a `Waker` is an `Arc` whose `wake` pushes an id
//!   onto a queue. `async fn` only saves you from writing [`read::ReadUpper`]
//!   by hand.
//! - mio is edge-triggered, Python's `DefaultSelector` level-triggered: the
//!   course's `read` callback reads once per event, which under edge
//!   triggering would strand the rest of the data ([`selector::naive`]
//!   keeps it, labelled, and a test shows the loss). Our callbacks, and
//!   our futures, read until `WouldBlock`.
//! - The course's `conn.send(data)  # Hope it won't block` loses the bytes a
//!   full socket buffer does not take. [`selector::flush`] keeps them and
//!   waits for `EVENT_WRITE`; the runtime's `write_all` simply loops.
//! - The gevent demo's three sleeps overlap on one thread (`--timeline`):
//!   the run takes 2 s, not 3; `func3`'s zero sleep lets the others go
//!   first once.
//! - A failed `accept` does not stop a server: out of descriptors, both
//!   echo servers say so once, pause accepting for 5 ms on their runtime's
//!   timer, and accept again once connections have closed ([`echo`]).
//! - A task's panic is caught by the executor and handed to its
//!   [`runtime::JoinHandle`] with the task's name; the other tasks run on
//!   (`gevent --panic-in bar` shows it).
//! - `measure`: our few-hundred-line runtime and tokio's current-thread
//!   runtime cannot be told apart on a shared 2-core machine
//!   (`ours_vs_tokio` from 0.91 to 1.07 in its five quietest runs of
//!   fifteen, 0.59 to 1.38 over all of them), because a round trip is
//!   mostly syscalls, and the two make nearly the same ones. Ours
//!   makes one more: the `read` that says `WouldBlock` at the end of each
//!   round trip, which tokio skips (a short read means the socket is
//!   drained). The chapter's first exercise adds that to ours.

pub mod echo;
pub mod gevent;
pub mod load;
pub mod measure;
pub mod read;
pub mod runtime;
pub mod selector;
pub mod selectors_demo;
pub mod slow;

pub use echo::{EchoServer, Engine};
#[doc(hidden)]
pub use gevent::gevent_demo_panicking;
pub use gevent::{Scale, bar, foo, func3, gevent_demo};
pub use load::{LoadStats, drive, load_ours, make_room_for};
pub use measure::measure;
pub use selector::{EVENT_READ, Key, Mask, Selector, Source};
pub use selectors_demo::selector_demo;
pub use slow::slow_clients;
