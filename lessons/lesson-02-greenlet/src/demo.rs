//! Lesson 02: the course's greenlet demo on [`Greenlet`]: `test1` and
//! `test2` switch to each other by hand and print `12`, `56`, `34`, `78`.
//!
//! The demo records what it prints on one lane per greenlet of a
//! [`Trace`], and the driver records when each greenlet had the CPU:
//! that is where the timeline pictures come from. `--panic-in` makes one
//! of the two panic, to show where the panic goes: to the greenlet's
//! parent, as an error that names it.

use std::cell::OnceCell;
use std::rc::Rc;
use std::thread;
use std::time::Duration;

use shared::{State, Trace, Transcript};

use crate::Greenlet;

/// One of the demo's two greenlets, by its Python name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Who {
    /// `gr1`, running `test1`.
    Gr1,
    /// `gr2`, running `test2`.
    Gr2,
}

/// What a greenlet told by `--panic-in` panics with, right after its
/// first line.
pub const ASKED_PANIC: &str = "asked to panic by --panic-in";

/// The course's program on [`Greenlet`]: prints `12`, `56`, `34`, `78`.
/// With a `sleep`, `test1` blocks the thread after printing `12`, as the
/// course's `time.sleep(1)` does. With `panic_in`, that greenlet panics
/// after its first line, and the error that names it is returned here,
/// in main, its parent.
pub fn greenlet_demo(
    out: &Transcript,
    trace: &Trace,
    sleep: Duration,
    panic_in: Option<Who>,
) -> shared::Result<()> {
    let main = trace.lane("main");
    let (lane1, lane2) = (trace.lane("gr1"), trace.lane("gr2"));
    let setup = main.span(State::Running, "main");
    // ANCHOR: greenlet_demo
    // Python's test1 looks `gr2` up by name when it runs, long after both
    // greenlets exist. A Rust closure captures what it uses when it is
    // created, before gr2 exists; so each function gets a cell that main
    // fills once both exist: Python's module globals, made explicit.
    let (gr1_cell, gr2_cell) =
        (Rc::new(OnceCell::new()), Rc::new(OnceCell::new()));

    let test1 = {
        let (out, lane, gr2) = (out.clone(), lane1.clone(), gr2_cell.clone());
        move |()| {
            let gr2: &Greenlet = gr2.get().expect("main set gr2");
            out.say(&lane, "12");
            // ANCHOR_END: greenlet_demo
            if panic_in == Some(Who::Gr1) {
                panic!("{ASKED_PANIC}");
            }
            // ANCHOR: greenlet_demo
            if !sleep.is_zero() {
                // time.sleep(1): the whole thread stops, not just us.
                // ANCHOR_END: greenlet_demo
                let _blocked = lane.span(State::Blocked, "time.sleep");
                // ANCHOR: greenlet_demo
                thread::sleep(sleep);
            }
            gr2.switch(()).expect("gr2 is alive");
            out.say(&lane, "34");
            gr2.switch(()).expect("gr2 is alive");
            // Never reached: gr2 returns to main, and nobody switches
            // back to us. Dropping gr1 unwinds from that switch.
        }
    };
    let test2 = {
        let (out, lane, gr1) = (out.clone(), lane2.clone(), gr1_cell.clone());
        move |()| {
            let gr1: &Greenlet = gr1.get().expect("main set gr1");
            out.say(&lane, "56");
            // ANCHOR_END: greenlet_demo
            if panic_in == Some(Who::Gr2) {
                panic!("{ASKED_PANIC}");
            }
            // ANCHOR: greenlet_demo
            gr1.switch(()).expect("gr1 is alive");
            out.say(&lane, "78");
            // Returning switches to our parent, main, with `()`.
        }
    };
    // ANCHOR_END: greenlet_demo

    // ANCHOR: greenlet_main
    // gr1 = greenlet(test1); gr2 = greenlet(test2)
    let gr1 = Greenlet::builder().name("gr1");
    let gr2 = Greenlet::builder().name("gr2");
    // ANCHOR_END: greenlet_main
    // The driver records when each had the CPU on its lane.
    let (gr1, gr2) = (gr1.trace(lane1), gr2.trace(lane2));
    // ANCHOR: greenlet_main
    let (gr1, gr2) = (gr1.build(test1)?, gr2.build(test2)?);
    let _ = gr1_cell.set(gr1.clone());
    let _ = gr2_cell.set(gr2.clone());
    // ANCHOR_END: greenlet_main
    drop(setup);
    // ANCHOR: greenlet_main

    // gr1.switch(): returns when test2 returns to its parent, us; or
    // with the error of whichever of the two panicked.
    gr1.switch(())?;
    // ANCHOR_END: greenlet_main
    main.mark("back in main");
    // ANCHOR: greenlet_main
    Ok(())
}
// ANCHOR_END: greenlet_main
