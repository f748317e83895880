//! Lesson 02, `bare`: the measured loops of the hand-written switch, main
//! and one stack switching back and forth: [`RawBounce`] with nothing
//! but the switch (the floor), [`BareBounce`] through a [`Fiber`]'s
//! bookkeeping.

use std::cell::Cell;
use std::io;
use std::rc::Rc;

use corosensei::stack::DefaultStack;
use shared::Figure;

use super::Fiber;
use super::asm::{lay_out, switch, switch_naked, trampoline, trampoline_naked};

/// Which hand-written switch a [`RawBounce`] uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawSwitch {
    /// [`switch`]: inline, leaves by `jmp`.
    Jump,
    /// [`switch_naked`]: a naked function, leaves by `ret`.
    Naked,
}

/// The two saved stack pointers of a [`RawBounce`], on the heap so that
/// their addresses do not move.
struct RawSps {
    main: Cell<*mut u8>,
    other: Cell<*mut u8>,
}

/// The floor: main and one stack switching back and forth with nothing
/// but the switch, no bookkeeping at all. What `switch_ns_bare` and
/// `switch_ns_bare_naked` measure.
pub struct RawBounce {
    how: RawSwitch,
    sps: Box<RawSps>,
    // Only raw pointers live on it, so it may be unmapped while the loop
    // on it is suspended: no destructor is skipped.
    _stack: DefaultStack,
}

extern "sysv64" fn bounce_jump(sps: *const RawSps) -> ! {
    // SAFETY: `sps` is the `RawBounce`'s box, which outlives every switch
    // to this stack.
    let sps = unsafe { &*sps };
    loop {
        // SAFETY: main's sp was saved by the switch that brought us here.
        unsafe { switch(sps.other.as_ptr(), sps.main.get()) };
    }
}

extern "sysv64" fn bounce_naked(sps: *const RawSps) -> ! {
    // SAFETY: as in `bounce_jump`.
    let sps = unsafe { &*sps };
    loop {
        // SAFETY: as in `bounce_jump`.
        unsafe { switch_naked(sps.other.as_ptr(), sps.main.get()) };
    }
}

impl RawBounce {
    /// Maps a small stack and lays it out for `how`.
    pub fn new(how: RawSwitch) -> io::Result<RawBounce> {
        let stack = DefaultStack::new(16 * 1024)?;
        let sps = Box::new(RawSps {
            main: Cell::new(std::ptr::null_mut()),
            other: Cell::new(std::ptr::null_mut()),
        });
        let arg = std::ptr::from_ref::<RawSps>(&sps) as usize;
        let sp = match how {
            RawSwitch::Jump => lay_out(
                &stack,
                &[
                    bounce_jump as *const () as usize,
                    arg,
                    trampoline as *const () as usize,
                ],
            ),
            // Return address, rbp, rbx, r12 = entry, r13 = arg, r14, r15.
            RawSwitch::Naked => lay_out(
                &stack,
                &[
                    trampoline_naked as *const () as usize,
                    0,
                    0,
                    bounce_naked as *const () as usize,
                    arg,
                    0,
                    0,
                ],
            ),
        };
        sps.other.set(sp);
        Ok(RawBounce {
            how,
            sps,
            _stack: stack,
        })
    }

    /// `round_trips` switches to the other stack and back.
    pub fn run(&mut self, round_trips: u64) {
        let sps = &*self.sps;
        for _ in 0..round_trips {
            // SAFETY: `other` was laid out by `new` or saved by the other
            // side's last switch; the stack is mapped while `self` lives.
            unsafe {
                match self.how {
                    RawSwitch::Jump => {
                        switch(sps.main.as_ptr(), sps.other.get());
                    }
                    RawSwitch::Naked => {
                        switch_naked(sps.main.as_ptr(), sps.other.get());
                    }
                }
            }
        }
    }
}

/// A bare fiber that bounces every switch straight back to main: the
/// measured loop of `switch_ns_bare_fiber`.
pub struct BareBounce {
    fiber: Fiber,
    stop: Rc<Cell<bool>>,
}

impl BareBounce {
    /// Creates the fiber, with a small stack.
    pub fn new() -> io::Result<BareBounce> {
        let stop = Rc::new(Cell::new(false));
        let flag = stop.clone();
        let fiber = Fiber::new("bounce", 64 * 1024, move || {
            let main = Fiber::main();
            while !flag.get() {
                main.switch().expect("main is alive");
            }
        })?;
        Ok(BareBounce { fiber, stop })
    }

    /// `round_trips` switches main to fiber and back.
    pub fn run(&self, round_trips: u64) {
        for _ in 0..round_trips {
            self.fiber.switch().expect("the fiber loops until stopped");
        }
    }
}

/// Lets the fiber's loop end, so it finishes and its stack is freed (a
/// bare fiber that never finishes is leaked).
impl Drop for BareBounce {
    fn drop(&mut self) {
        self.stop.set(true);
        let _ = self.fiber.switch();
    }
}

/// The figures of the hand-written switch, each the median of `rounds`
/// rounds of `trips` round trips, per one-way switch: `switch_ns_bare`
/// (inline, leaves by `jmp`), `switch_ns_bare_naked` (called, leaves by
/// `ret`) and `switch_ns_bare_fiber` (a [`Fiber`] switch).
pub(crate) fn figures(trips: u64, rounds: usize) -> Vec<Figure> {
    let mut figures = Vec::new();
    for (name, how) in [
        ("switch_ns_bare", RawSwitch::Jump),
        ("switch_ns_bare_naked", RawSwitch::Naked),
    ] {
        let mut raw = RawBounce::new(how).expect("map a small stack");
        let ns = shared::ns_per_iter(rounds, trips, |n| raw.run(n));
        figures.push(Figure::new(name, ns / 2.0, "ns"));
    }
    let bounce = BareBounce::new().expect("map a small stack");
    let ns = shared::ns_per_iter(rounds, trips, |n| bounce.run(n));
    figures.push(Figure::new("switch_ns_bare_fiber", ns / 2.0, "ns"));
    figures
}
