//! Lesson 02: the measured loops. Each figure of `measure` (and each
//! bench of `cargo bench -p benches --bench switch`) times one of these
//! loops, so that the tour, the benches and the book measure the same
//! code: two greenlets switching to each other ([`PingPong`]), main and
//! one greenlet ([`Bounce`]), and corosensei with nothing on top
//! ([`RawCoroutine`]).

use std::cell::OnceCell;
use std::io;
use std::rc::Rc;

use corosensei::Coroutine;

use crate::Greenlet;

/// Two greenlets switching to each other: the measured loop of
/// `switch_ns_greenlet`. `ping` does `n` round trips with `pong` (2n
/// one-way switches, each child to child through the driver), then
/// switches back to main.
pub struct PingPong {
    ping: Greenlet<u64>,
    pong: Greenlet<u64>,
}

impl PingPong {
    /// Creates both, with small stacks.
    pub fn new() -> io::Result<PingPong> {
        let pong_cell: Rc<OnceCell<Greenlet<u64>>> = Rc::default();
        let cell = pong_cell.clone();
        let ping = Greenlet::builder().name("ping").stack_size(64 * 1024);
        let ping = ping.build(move |mut round_trips| {
            let pong = cell.get().expect("pong is set").clone();
            let main = Greenlet::main();
            loop {
                for i in 0..round_trips {
                    pong.switch(i).expect("pong loops forever");
                }
                round_trips = main.switch(0).expect("main is alive");
            }
        })?;
        let back = ping.clone();
        let pong = Greenlet::builder().name("pong").stack_size(64 * 1024);
        let pong = pong.build(move |_| {
            loop {
                let i = back.switch(0).expect("ping loops forever");
                std::hint::black_box(i);
            }
        })?;
        let _ = pong_cell.set(pong.clone());
        Ok(PingPong { ping, pong })
    }

    /// `round_trips` round trips between ping and pong.
    pub fn run(&self, round_trips: u64) {
        self.ping.switch(round_trips).expect("ping does not panic");
    }
}

/// Each holds the other on its stack: kill both to break the cycle.
impl Drop for PingPong {
    fn drop(&mut self) {
        let _ = self.ping.kill();
        let _ = self.pong.kill();
    }
}

/// A greenlet that bounces every switch straight back to main: the
/// measured loop of `switch_ns_greenlet_main`, one stack switch each way.
pub struct Bounce {
    child: Greenlet<u64>,
}

impl Bounce {
    /// Creates the child, with a small stack.
    pub fn new() -> io::Result<Bounce> {
        let child = Greenlet::builder().name("bounce").stack_size(64 * 1024);
        let child = child.build(|mut v| {
            let main = Greenlet::main();
            loop {
                v = main.switch(v).expect("main is alive");
            }
        })?;
        Ok(Bounce { child })
    }

    /// `round_trips` switches main to child and back.
    pub fn run(&self, round_trips: u64) {
        for i in 0..round_trips {
            let back = self.child.switch(i).expect("bounce loops forever");
            std::hint::black_box(back);
        }
    }
}

/// A raw corosensei coroutine that suspends forever: the measured loop of
/// `resume_suspend_ns_corosensei`.
pub struct RawCoroutine {
    co: Coroutine<u64, u64, ()>,
}

impl RawCoroutine {
    /// Creates it.
    pub fn new() -> io::Result<RawCoroutine> {
        let stack = corosensei::stack::DefaultStack::new(64 * 1024)?;
        let co = Coroutine::with_stack(stack, |yielder, mut v| {
            loop {
                v = yielder.suspend(v);
            }
        });
        Ok(RawCoroutine { co })
    }

    /// `n` resumes, each answered by a suspend.
    pub fn run(&mut self, n: u64) {
        for i in 0..n {
            std::hint::black_box(self.co.resume(i));
        }
    }
}
