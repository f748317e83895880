//! Lesson 06: `spawn` and `JoinHandle`, the runtime's `gevent.spawn` and
//! `joinall`.
//!
//! `spawn` boxes the future, wraps it so that its output lands in a cell
//! shared with the [`JoinHandle`], and queues it; the handle is itself a
//! future, ready when the cell is full.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::task::{Context, Poll, Waker};

use super::{Panicked, Shared, Task, TaskWaker, with_current};

impl Shared {
    pub(super) fn spawn<F>(
        &self,
        name: String,
        future: F,
    ) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let state = Rc::new(RefCell::new(JoinState {
            outcome: None,
            waiter: None,
        }));
        // ANCHOR: spawn
        // The task proper: run the future, then hand its output to the
        // JoinHandle and wake whoever awaits that.
        let done = state.clone();
        let task = async move {
            let output = future.await;
            done.borrow_mut().finish(Ok(output));
        };
        // If it panics instead, the executor calls this.
        let failed = state.clone();
        let on_panic = move |panicked: Panicked| {
            // Nobody holds the handle (a detached task): nobody will
            // join it, so say it here.
            if Rc::strong_count(&failed) == 1 {
                eprintln!("[runtime] {panicked}");
            }
            failed.borrow_mut().finish(Err(panicked));
        };
        // ANCHOR_END: spawn
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let lane = self.trace.is_enabled().then(|| self.trace.lane(&name));
        let handle = Arc::new(TaskWaker {
            id,
            // Queued at once: a new task runs on the next turn.
            queued: AtomicBool::new(true),
            queue: self.queue.clone(),
            lane: lane.clone(),
        });
        let waker = Waker::from(handle.clone());
        let task = Task {
            future: Some(Box::pin(task)),
            name,
            on_panic: Some(Box::new(on_panic)),
            handle,
            waker,
            lane,
            pending_since: None,
        };
        self.tasks.borrow_mut().insert(id, task);
        self.queue.push(id);
        JoinHandle { state }
    }
}

/// Starts `future` as a new task on the current runtime; it first runs on
/// the loop's next turn. gevent's `gevent.spawn`, asyncio's
/// `create_task`, tokio's `tokio::spawn` (without the `Send` bound: our
/// tasks never leave this thread).
///
/// # Panics
///
/// Outside [`Runtime::block_on`](super::Runtime::block_on).
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn_named("task", future)
}

/// [`spawn`], with a name for the task's lane on the timeline and for
/// the report of its panic.
///
/// # Panics
///
/// Outside [`Runtime::block_on`](super::Runtime::block_on).
pub fn spawn_named<F>(
    name: impl Into<String>,
    future: F,
) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    with_current(|rt| rt.spawn(name.into(), future))
}

/// What a task and its handle share: the outcome, once there is one, and
/// the waker of whoever awaits it.
struct JoinState<T> {
    outcome: Option<Result<T, Panicked>>,
    waiter: Option<Waker>,
}

impl<T> JoinState<T> {
    fn finish(&mut self, outcome: Result<T, Panicked>) {
        self.outcome = Some(outcome);
        if let Some(waiter) = self.waiter.take() {
            waiter.wake();
        }
    }
}

// ANCHOR: spawn
/// A spawned task's result, as a future: `handle.await` waits for the
/// task and gives its output (gevent's `joinall`, one task at a time).
/// Dropping the handle detaches the task; it runs on regardless.
pub struct JoinHandle<T> {
    state: Rc<RefCell<JoinState<T>>>,
}
// ANCHOR_END: spawn

impl<T> JoinHandle<T> {
    /// Whether the task has finished (and its outcome is waiting here).
    pub fn is_finished(&self) -> bool {
        self.state.borrow().outcome.is_some()
    }

    /// Waits for the task: its output, or how it panicked.
    pub async fn join(self) -> Result<T, Panicked> {
        std::future::poll_fn(|cx| self.poll_outcome(cx)).await
    }

    fn poll_outcome(&self, cx: &mut Context<'_>) -> Poll<Result<T, Panicked>> {
        let mut state = self.state.borrow_mut();
        match state.outcome.take() {
            Some(outcome) => Poll::Ready(outcome),
            None => {
                state.waiter = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

// ANCHOR: spawn
/// Awaiting the handle itself passes a task's panic on to the parent, with
/// the task's name: `handle.join().await` to handle it instead.
impl<T> Future for JoinHandle<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self.poll_outcome(cx) {
            Poll::Ready(Ok(output)) => Poll::Ready(output),
            Poll::Ready(Err(panicked)) => panic!("{panicked}"),
            Poll::Pending => Poll::Pending,
        }
    }
}
// ANCHOR_END: spawn

/// Gives way once: returns `Pending` after waking itself, so every other
/// ready task runs before this one resumes. (`sleep(Duration::ZERO)` does
/// the same through the timer heap.)
pub async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await;
}
