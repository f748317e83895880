//! Lesson 08 (stub).
pub mod checked;
mod dice;
mod hunt;
mod measure;
mod on_tokio;
mod pass;
mod queue;
#[cfg(test)]
mod queue_tests;
mod run;
mod sync;

pub use dice::Dice;
pub use hunt::{
    Found, Scenario, Strategy, hunt, lost_wakeup, overfill, queue, replay,
};
pub use measure::{
    CAPACITY, COOKS, EATERS, handoff_ns, items_per_sec, measure,
};
pub use pass::{CrossbeamPass, MayPass, Meal, Order, Pass, StdPass};
pub use queue::{Empty, Full, Queue, TaskDoneTooOften};
pub use run::{Config, Lang, QueueKind, Run, run};
