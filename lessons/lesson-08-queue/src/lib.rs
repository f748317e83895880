//! Lesson 08 (stub).
pub mod checked;
mod hunt;
mod queue;
#[cfg(test)]
mod queue_tests;
mod sync;

pub use hunt::{
    Found, Scenario, Strategy, hunt, lost_wakeup, overfill, queue, replay,
};
pub use queue::{Empty, Full, Queue, TaskDoneTooOften};
