//! The runtime's promises, checked from recorded traces and orderings,
//! never from the clock.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use lesson_06_event_loop::read::{ReadUpper, read_upper};
use lesson_06_event_loop::runtime::{
    Runtime, TcpListener, TcpStream, sleep, spawn, spawn_named, yield_now,
};
use shared::{EventKind, State, Trace};

fn localhost() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// A connected pair on the current runtime: (client side, server side).
async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();
    let client = TcpStream::connect(addr).await.unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

#[test]
fn timers_fire_in_deadline_order_not_spawn_order() {
    let rt = Runtime::new().unwrap();
    let order = Rc::new(RefCell::new(Vec::new()));
    rt.block_on(async {
        let mut tasks = Vec::new();
        for ms in [30u64, 10, 40, 0, 20] {
            let order = order.clone();
            tasks.push(spawn(async move {
                sleep(Duration::from_millis(ms)).await;
                order.borrow_mut().push(ms);
            }));
        }
        for task in tasks {
            task.await;
        }
    });
    assert_eq!(*order.borrow(), [0, 10, 20, 30, 40]);
}

#[test]
fn a_zero_sleep_gives_way_to_every_ready_task_once() {
    let rt = Runtime::new().unwrap();
    let log = Rc::new(RefCell::new(Vec::new()));
    rt.block_on(async {
        let a = {
            let log = log.clone();
            spawn(async move {
                log.borrow_mut().push("a before");
                sleep(Duration::ZERO).await;
                log.borrow_mut().push("a after");
            })
        };
        let b = {
            let log = log.clone();
            spawn(async move {
                log.borrow_mut().push("b");
            })
        };
        a.await;
        b.await;
    });
    assert_eq!(*log.borrow(), ["a before", "b", "a after"]);
}

#[test]
fn join_handles_give_each_task_its_own_output() {
    let rt = Runtime::new().unwrap();
    let outputs = rt.block_on(async {
        let tasks: Vec<_> = (0..50u32)
            .map(|i| {
                spawn(async move {
                    for _ in 0..(i % 3) {
                        yield_now().await;
                    }
                    i * i
                })
            })
            .collect();
        let mut outputs = Vec::new();
        for task in tasks {
            outputs.push(task.await);
        }
        outputs
    });
    assert_eq!(outputs, (0..50u32).map(|i| i * i).collect::<Vec<_>>());
}

/// The reader waits on a socket while a ticker task runs five turns and
/// then writes to it. From the trace: the reader is polled exactly twice
/// (once to find nothing, once to read), is woken exactly once, and that
/// wake-up comes right after the reactor reported *its* token readable,
/// which happened after the ticker wrote.
#[test]
fn a_task_is_woken_exactly_when_its_socket_is_ready() {
    let trace = Trace::new();
    let rt = Runtime::traced(trace.clone()).unwrap();
    let token = Rc::new(Cell::new(usize::MAX));
    let got = rt.block_on({
        let token = token.clone();
        let trace = trace.clone();
        async move {
            let (client, server) = pair().await;
            token.set(server.token());
            let reader = spawn_named("reader", async move {
                let mut buf = [0u8; 16];
                let n = server.read(&mut buf).await.unwrap();
                buf[..n].to_vec()
            });
            let ticker = spawn_named("ticker", async move {
                for _ in 0..5 {
                    yield_now().await;
                }
                trace.lane("ticker").mark("write");
                client.write_all(b"hello").await.unwrap();
                client
            });
            let _client = ticker.await;
            reader.await
        }
    });
    assert_eq!(got, b"hello");

    let snap = trace.snapshot();
    let reader = snap.lane_id("reader").unwrap();
    let ticker = snap.lane_id("ticker").unwrap();
    let polls = |lane| {
        snap.events
            .iter()
            .filter(|e| e.lane == lane && e.state() == Some(State::Running))
            .count()
    };
    assert_eq!(polls(reader), 2, "polled once to wait, once to read");
    assert_eq!(polls(ticker), 6, "five yields, then the write");

    let is_mark = |e: &&shared::Event, lane, label: &str| {
        e.lane == lane && matches!(e.kind, EventKind::Mark) && e.label == label
    };
    let wakes: Vec<usize> = (0..snap.events.len())
        .filter(|&i| is_mark(&&snap.events[i], reader, "woken"))
        .collect();
    assert_eq!(wakes.len(), 1, "woken exactly once");
    let before = &snap.events[wakes[0] - 1];
    assert_eq!(snap.lane_name(before.lane), "reactor");
    let expected = format!("token {} readable", token.get());
    assert!(
        before.label.starts_with(&expected),
        "{} is not {expected}",
        before.label
    );
    let write = snap
        .events
        .iter()
        .find(|e| is_mark(e, ticker, "write"))
        .unwrap();
    assert!(write.start <= before.start, "ready only after the write");
}

/// Counts the polls of the future it wraps.
struct CountPolls<F> {
    inner: F,
    polls: Rc<Cell<u32>>,
}

impl<F: Future + Unpin> Future for CountPolls<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.set(self.polls.get() + 1);
        Pin::new(&mut self.inner).poll(cx)
    }
}

#[derive(Clone, Copy, Debug)]
enum Variant {
    AsyncFn,
    StateMachine,
}

/// What a variant read, and in how many polls.
fn read_with(variant: Variant, sent: &'static [u8]) -> (Vec<u8>, u32) {
    let rt = Runtime::new().unwrap();
    rt.block_on(async move {
        let (client, server) = pair().await;
        let polls = Rc::new(Cell::new(0));
        let reader = {
            let polls = polls.clone();
            spawn(async move {
                let mut buf = [0u8; 64];
                let n = match variant {
                    Variant::AsyncFn => {
                        let inner = Box::pin(read_upper(&server, &mut buf));
                        CountPolls { inner, polls }.await
                    }
                    Variant::StateMachine => {
                        let inner = ReadUpper::new(&server, &mut buf);
                        CountPolls { inner, polls }.await
                    }
                };
                buf[..n.unwrap()].to_vec()
            })
        };
        // Let the reader find the socket empty first.
        yield_now().await;
        if sent.is_empty() {
            client.shutdown_write().unwrap();
        } else {
            client.write_all(sent).await.unwrap();
        }
        let got = reader.await;
        (got, polls.get())
    })
}

#[test]
fn the_hand_written_state_machine_behaves_like_the_async_fn() {
    for sent in [&b"This is the message. "[..], b""] {
        let by_fn = read_with(Variant::AsyncFn, sent);
        let by_machine = read_with(Variant::StateMachine, sent);
        assert_eq!(by_fn, by_machine, "{sent:?}");
        assert_eq!(by_fn.0, sent.to_ascii_uppercase());
        assert_eq!(by_fn.1, 2, "Pending once, then Ready");
    }
}

#[test]
#[should_panic(expected = "inside Runtime::block_on")]
fn spawn_outside_the_runtime_says_why_it_cannot() {
    drop(spawn(async {}));
}

#[test]
fn connecting_to_a_closed_port_is_an_error_not_a_hang() {
    // Bind and drop to find a port nobody listens on.
    let port = std::net::TcpListener::bind(localhost())
        .unwrap()
        .local_addr()
        .unwrap();
    let rt = Runtime::new().unwrap();
    let result = rt.block_on(TcpStream::connect(port));
    assert!(result.is_err());
}

#[test]
fn a_tasks_panic_reaches_its_joiner_with_its_name_and_spares_the_rest() {
    let rt = Runtime::new().unwrap();
    let (doomed, survivor) = rt.block_on(async {
        let doomed = spawn_named("doomed", async {
            yield_now().await;
            panic!("boom");
        });
        let survivor = spawn_named("survivor", async {
            for _ in 0..3 {
                yield_now().await;
            }
            "still here"
        });
        (doomed.join().await, survivor.join().await)
    });
    let panicked = doomed.unwrap_err();
    assert_eq!(
        (panicked.task.as_str(), panicked.message.as_str()),
        ("doomed", "boom")
    );
    assert_eq!(panicked.to_string(), "task doomed panicked: boom");
    assert_eq!(survivor, Ok("still here"));
}

#[test]
#[should_panic(expected = "task doomed panicked: boom")]
fn awaiting_a_panicked_task_passes_its_panic_on_by_name() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        spawn_named("doomed", async { panic!("boom") }).await;
    });
}
