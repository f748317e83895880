//! Lesson 08: the restaurant on tokio tasks and
//! `tokio::sync::mpsc::channel(10)`.
//!
//! The same cooks and eaters, as `async fn`s: a full channel makes
//! `send(..).await` park the *task*, and its worker thread runs another
//! one; `tokio::time::sleep` does the same for the pauses. tokio's
//! `Receiver` is for one consumer, so the two eaters share it behind
//! tokio's own `Mutex`, whose `lock().await` parks a task rather than a
//! thread (a `std::sync::Mutex` held across `recv().await` would block a
//! worker). The count the lines print is the channel's capacity minus its
//! free slots.

use std::sync::Arc;
use std::time::Duration;

use shared::{Lane, State};
use tokio::sync::{Mutex, mpsc};

use crate::pass::Order;
use crate::run::Restaurant;

/// The channel and its shared receiving end.
struct TokioPass {
    sender: mpsc::Sender<Order>,
    receiver: Mutex<mpsc::Receiver<Order>>,
}

impl TokioPass {
    async fn put(&self, order: Order, lane: &Lane) {
        if let Err(mpsc::error::TrySendError::Full(order)) =
            self.sender.try_send(order)
        {
            let _full = lane.span(State::Blocked, "full");
            self.sender
                .send(order)
                .await
                .expect("the pass owns the receiver");
        }
    }

    async fn get(&self, lane: &Lane) -> Order {
        let mut receiver = self.receiver.lock().await;
        match receiver.try_recv() {
            Ok(order) => order,
            Err(_) => {
                let _empty = lane.span(State::Waiting, "empty");
                receiver.recv().await.expect("the pass owns a sender")
            }
        }
    }

    fn qsize(&self) -> usize {
        self.sender.max_capacity() - self.sender.capacity()
    }
}

async fn cook(at: Arc<Restaurant>, pass: Arc<TokioPass>, i: usize) {
    let name = Restaurant::cook_name(i);
    let lane = at.trace.lane(&name);
    let mut dice = at.dice(i);
    for _ in 0..at.quota(i) {
        let meal = at.make(&mut dice, &lane);
        pass.put(Some(meal), &lane).await;
        let line = at.config.lang.cooked(&name, meal.elem, pass.qsize());
        at.out.say(&lane, line);
        let pause = Restaurant::pause(&mut dice, at.config.cook_scale);
        let _cooking = lane.span(State::Running, "cooking");
        tokio::time::sleep(pause).await;
    }
}

async fn eater(at: Arc<Restaurant>, pass: Arc<TokioPass>, j: usize) {
    let name = at.eater_name(j);
    let lane = at.trace.lane(&name);
    let mut dice = at.dice(at.config.cooks + j);
    while let Some(meal) = pass.get(&lane).await {
        if lane.trace().is_enabled() {
            lane.mark(format!("ate #{}", meal.number));
        }
        let line = at.config.lang.eaten(&name, meal.elem, pass.qsize());
        at.out.say(&lane, line);
        let pause = Restaurant::pause(&mut dice, at.config.eat_scale);
        let _eating = lane.span(State::Running, "eating");
        tokio::time::sleep(pause).await;
    }
}

/// Runs the restaurant on a two-worker tokio runtime.
pub(crate) fn run(at: &Arc<Restaurant>, main: &Lane) -> shared::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()?;
    let (sender, receiver) = mpsc::channel(at.config.capacity);
    let pass = Arc::new(TokioPass {
        sender,
        receiver: Mutex::new(receiver),
    });
    runtime.block_on(async {
        let cooks: Vec<_> = (0..at.config.cooks)
            .map(|i| tokio::spawn(cook(Arc::clone(at), Arc::clone(&pass), i)))
            .collect();
        let eaters: Vec<_> = (0..at.config.eaters)
            .map(|j| tokio::spawn(eater(Arc::clone(at), Arc::clone(&pass), j)))
            .collect();
        for task in cooks {
            task.await.map_err(|_| "a cook panicked")?;
        }
        // No join on a channel: stop values after every meal, first in,
        // first out.
        for _ in 0..at.config.eaters {
            pass.put(None, main).await;
        }
        for task in eaters {
            task.await.map_err(|_| "an eater panicked")?;
        }
        Ok::<(), shared::Error>(())
    })?;
    // Let go of the timers and workers at once rather than on drop.
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(())
}
