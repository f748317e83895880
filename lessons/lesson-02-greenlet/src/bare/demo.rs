//! Lesson 02, `bare`: the course's greenlet demo again, on hand-written
//! switches ([`Fiber`]): the same four lines, the same order.

use std::cell::OnceCell;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::thread;
use std::time::Duration;

use shared::{State, Trace, Transcript};

use super::Fiber;
use crate::DEFAULT_STACK_SIZE;
use crate::demo::{ASKED_PANIC, Who};

/// The same program on hand-written switches ([`Fiber`]). A fiber's panic
/// is re-raised in its parent, main; it comes back from here as an error
/// that names the fiber.
pub fn bare_demo(
    out: &Transcript,
    trace: &Trace,
    sleep: Duration,
    panic_in: Option<Who>,
) -> io::Result<()> {
    let main = trace.lane("main");
    let (lane1, lane2) = (trace.lane("gr1"), trace.lane("gr2"));
    let (gr1_cell, gr2_cell) =
        (Rc::new(OnceCell::new()), Rc::new(OnceCell::new()));

    let test1 = {
        let (out, lane, gr2) = (out.clone(), lane1.clone(), gr2_cell.clone());
        move || {
            let gr2: &Fiber = gr2.get().expect("main set gr2");
            out.say(&lane, "12");
            if panic_in == Some(Who::Gr1) {
                panic!("{ASKED_PANIC}");
            }
            if !sleep.is_zero() {
                let _blocked = lane.span(State::Blocked, "time.sleep");
                thread::sleep(sleep);
            }
            gr2.switch().expect("gr2 is alive");
            out.say(&lane, "34");
            gr2.switch().expect("gr2 is alive");
        }
    };
    let test2 = {
        let (out, lane, gr1) = (out.clone(), lane2.clone(), gr1_cell.clone());
        move || {
            let gr1: &Fiber = gr1.get().expect("main set gr1");
            out.say(&lane, "56");
            if panic_in == Some(Who::Gr2) {
                panic!("{ASKED_PANIC}");
            }
            gr1.switch().expect("gr1 is alive");
            out.say(&lane, "78");
        }
    };

    // ANCHOR: bare_demo
    let gr1 = Fiber::new("gr1", DEFAULT_STACK_SIZE, test1)?;
    let gr2 = Fiber::new("gr2", DEFAULT_STACK_SIZE, test2)?;
    let _ = gr1_cell.set(gr1.clone());
    let _ = gr2_cell.set(gr2.clone());
    // A fiber's panic is re-raised here, in main. Only the fiber that
    // panicked is dead by then (gr2 ends by returning, after the last
    // line), so that is the one to name.
    match panic::catch_unwind(AssertUnwindSafe(|| gr1.switch())) {
        Ok(switched) => switched.map_err(io::Error::other)?,
        Err(payload) => {
            let dead = if gr1.is_dead() { &gr1 } else { &gr2 };
            let message = shared::panic_message(payload.as_ref());
            let name = dead.name();
            return Err(io::Error::other(format!(
                "fiber {name} panicked: {message}"
            )));
        }
    }
    // ANCHOR_END: bare_demo
    main.mark("back in main");
    // ANCHOR: bare_demo
    Ok(())
}
// ANCHOR_END: bare_demo
