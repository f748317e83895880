//! Lesson 01: the cost of one `send`, for each way of pausing a consumer,
//! and of the bare corosensei switch a coroutine's `send` is made of.
//!
//! [`measure`] is what `lesson-01-yield measure` prints and the tour reads;
//! the criterion bench (`benches/benches/generator.rs`) times the same loop,
//! [`send_many`], so both measure the same thing.

use corosensei::Coroutine;
use corosensei::stack::DefaultStack;
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

/// A bare corosensei coroutine with the consumer's types (a `u32` in,
/// nothing out) that answers every resume with a suspend and does what
/// [`nibble`] does: what one coroutine `send` is made of, with none of
/// [`Generator`](crate::Generator)'s rules on top.
struct BareCoroutine {
    co: Coroutine<u32, (), ()>,
}

impl BareCoroutine {
    fn new() -> std::io::Result<BareCoroutine> {
        let stack = DefaultStack::new(crate::STACK_SIZE)?;
        let co = Coroutine::with_stack(stack, |yielder, mut baozi: u32| {
            loop {
                std::hint::black_box(baozi);
                baozi = yielder.suspend(());
            }
        });
        Ok(BareCoroutine { co })
    }

    /// `n` resumes, each answered by a suspend.
    fn run(&mut self, n: u64) {
        for baozi in 0..n {
            std::hint::black_box(self.co.resume(baozi as u32));
        }
    }
}

/// The cost of one `send`, each variant: the median over `rounds` rounds
/// of nanoseconds per send, as `send_ns_coroutine`,
/// `send_ns_state_machine` and `send_ns_thread` (unit `ns`); and
/// `send_ns_bare_corosensei`, a resume + suspend of a bare corosensei
/// coroutine, timed in the same rounds as the coroutine's sends (one
/// round of each in turn), so that their ratio is the cost of
/// [`Generator`](crate::Generator)'s bookkeeping whatever else the
/// machine was doing.
///
/// The coroutine and the state machine do `sends` sends per round (the
/// CLI's default is 1,000,000: enough for a round to last milliseconds).
/// The thread variant is about a thousand times slower, so it does
/// `sends / 100` sends per round, but at least 1000. Nothing is printed
/// or traced.
pub fn measure(sends: u64, rounds: usize) -> Vec<Figure> {
    let sends = sends.max(1);
    let thread_sends = (sends / 100).max(1000);

    let mut coroutine = CoroutineConsumer::new("c1", nibble)
        .expect("map one coroutine stack to measure");
    coroutine.start().expect("start the measured coroutine");
    let mut bare = BareCoroutine::new().expect("map one stack to measure");
    let (mut coroutine_ns, mut bare_ns) = (Vec::new(), Vec::new());
    for _ in 0..rounds.max(1) {
        coroutine_ns.push(shared::ns_per_iter(1, sends, |n| {
            send_many(&mut coroutine, n);
        }));
        bare_ns.push(shared::ns_per_iter(1, sends, |n| bare.run(n)));
    }

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
        Figure::new("send_ns_coroutine", shared::median(coroutine_ns), "ns"),
        Figure::new("send_ns_state_machine", machine_ns, "ns"),
        Figure::new("send_ns_thread", thread_ns, "ns"),
        Figure::new("send_ns_bare_corosensei", shared::median(bare_ns), "ns"),
    ]
}
