//! Lesson 01: the cost of one `send`, for each way of pausing a consumer.
//!
//! [`measure`] is what `lesson-01-yield measure` prints and the tour reads;
//! the criterion bench (`benches/benches/generator.rs`) times the same loop,
//! [`send_many`], so both measure the same thing.

use shared::Figure;

use crate::{
    Consumer, CoroutineConsumer, StateMachineConsumer, ThreadConsumer,
};

/// The eater of the measurements: touches the baozi so the optimiser
/// cannot delete the send, and does nothing else, so what is timed is the
/// pause and resume itself.
pub fn nibble(_name: &str, baozi: u32) {
    std::hint::black_box(baozi);
}

/// The measured loop: `sends` sends to one started consumer. Generic, not
/// `dyn`: each variant gets its own copy of this loop, with `send` inlined
/// where it can be.
///
/// # Panics
///
/// If a send fails: measure only consumers whose eater cannot panic.
pub fn send_many<C: Consumer>(consumer: &mut C, sends: u64) {
    let mut baozi = 0u32;
    for _ in 0..sends {
        baozi = baozi.wrapping_add(1);
        consumer
            .send(baozi)
            .expect("a nibbling consumer never fails");
    }
}

/// The cost of one `send`, each variant: the median over `rounds` rounds
/// of nanoseconds per send, as `send_ns_coroutine`,
/// `send_ns_state_machine` and `send_ns_thread` (unit `ns`).
///
/// The first two do `sends` sends per round (the CLI's default is
/// 1,000,000: enough for a round to last milliseconds). The thread variant
/// is about a thousand times slower, so it does `sends / 100` sends per
/// round, but at least 1000. Nothing is printed or traced.
pub fn measure(sends: u64, rounds: usize) -> Vec<Figure> {
    let sends = sends.max(1);
    let thread_sends = (sends / 100).max(1000);

    let mut coroutine = CoroutineConsumer::new("c1", nibble)
        .expect("map one coroutine stack to measure");
    coroutine.start().expect("start the measured coroutine");
    let coroutine_ns =
        shared::ns_per_iter(rounds, sends, |n| send_many(&mut coroutine, n));

    let mut machine = StateMachineConsumer::new("c1", nibble);
    machine.start().expect("start the measured state machine");
    let machine_ns =
        shared::ns_per_iter(rounds, sends, |n| send_many(&mut machine, n));

    let mut threaded =
        ThreadConsumer::new("c1", nibble).expect("spawn one thread to measure");
    threaded.start().expect("start the measured thread");
    let thread_ns = shared::ns_per_iter(rounds, thread_sends, |n| {
        send_many(&mut threaded, n)
    });

    vec![
        Figure::new("send_ns_coroutine", coroutine_ns, "ns"),
        Figure::new("send_ns_state_machine", machine_ns, "ns"),
        Figure::new("send_ns_thread", thread_ns, "ns"),
    ]
}
