//! `Greenlet`'s semantics, one rule per test: greenlet's rules, with
//! errors as values.

use std::cell::{Cell, OnceCell, RefCell};
use std::rc::Rc;

use lesson_02_greenlet::{Greenlet, GreenletError};

/// Counts its drops: put one on a greenlet's stack to see it unwound.
struct Guard(Rc<Cell<u32>>);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

#[test]
fn values_travel_both_ways_intact() {
    // A greenlet that answers each message with its reversal, keeping a
    // log on its stack, until it is sent "bye".
    let echo = Greenlet::<String>::new(|first| {
        let main = Greenlet::main();
        let mut log = vec![first.clone()];
        let mut heard = first;
        loop {
            let reply: String = heard.chars().rev().collect();
            heard = main.switch(reply).unwrap();
            if heard == "bye" {
                return log.join(",");
            }
            log.push(heard.clone());
        }
    });
    assert_eq!(echo.switch("hello".into()).unwrap(), "olleh");
    assert_eq!(echo.switch("greenlet ☕".into()).unwrap(), "☕ telneerg");
    let long = "x".repeat(100_000);
    assert_eq!(echo.switch(long.clone()).unwrap(), long);
    // Its return value is what main's last switch gets back.
    let log = echo.switch("bye".into()).unwrap();
    assert_eq!(log, format!("hello,greenlet ☕,{long}"));
    assert!(echo.is_dead());
}

#[test]
fn switching_to_a_finished_greenlet_is_an_error_value() {
    let done = Greenlet::<u32>::builder()
        .name("done")
        .build(|x| x + 1)
        .unwrap();
    assert!(!done.is_started());
    assert_eq!(done.switch(1), Ok(2));
    assert!(done.is_started() && done.is_dead());
    let error = done.switch(1).unwrap_err();
    assert_eq!(
        error,
        GreenletError::Dead {
            name: "done".into()
        }
    );
    assert_eq!(error.to_string(), "cannot switch to done: it has finished");
    // From another greenlet too: the switch does not happen.
    let done2 = done.clone();
    let asker = Greenlet::<u32>::new(move |_| match done2.switch(5) {
        Err(GreenletError::Dead { name }) => name.len() as u32,
        other => panic!("expected Dead, got {other:?}"),
    });
    assert_eq!(asker.switch(0), Ok(4));
}

#[test]
fn a_panic_is_re_raised_in_the_parent_with_the_greenlets_name() {
    let boom = Greenlet::<()>::builder()
        .name("boom")
        .build(|()| panic!("the baozi is raw"))
        .unwrap();
    let error = boom.switch(()).unwrap_err();
    assert_eq!(
        error,
        GreenletError::Panicked {
            name: "boom".into(),
            message: "the baozi is raw".into(),
        }
    );
    assert!(boom.is_dead());
    assert_eq!(
        error.to_string(),
        "greenlet boom panicked: the baozi is raw"
    );
}

#[test]
fn a_panic_goes_to_the_parent_not_to_whoever_switched_last() {
    // outer creates inner (so inner's parent is outer); main starts
    // inner directly; inner panics; outer's pending switch gets it.
    let inner_cell: Rc<OnceCell<Greenlet<String>>> = Rc::default();
    let cell = inner_cell.clone();
    let outer = Greenlet::<String>::builder().name("outer");
    let outer = outer
        .build(move |_| {
            let inner = Greenlet::<String>::builder().name("inner");
            let inner = inner
                .build(|_| {
                    Greenlet::<String>::main().switch("paused".into()).unwrap();
                    panic!("inner gave up")
                })
                .unwrap();
            assert_eq!(inner.parent().unwrap(), Greenlet::current());
            let _ = cell.set(inner.clone());
            // Back to main, holding inner; main resumes inner itself.
            let got = Greenlet::<String>::main().switch("made".into());
            // We are resumed by inner's death, not by main.
            match got {
                Err(GreenletError::Panicked { name, message }) => {
                    format!("outer saw {name}: {message}")
                }
                other => panic!("expected a panic, got {other:?}"),
            }
        })
        .unwrap();
    assert_eq!(outer.switch(String::new()).unwrap(), "made");
    let inner = inner_cell.get().unwrap().clone();
    assert_eq!(inner.switch(String::new()).unwrap(), "paused");
    // Main resumes inner, inner panics: control goes to outer, which
    // returns, which hands its value to its parent, main.
    assert_eq!(
        inner.switch(String::new()).unwrap(),
        "outer saw inner: inner gave up"
    );
    assert!(inner.is_dead() && outer.is_dead());
}

#[test]
fn a_return_goes_to_the_parent_and_skips_dead_ones() {
    let order = Rc::new(RefCell::new(Vec::new()));
    let log = order.clone();
    let child_cell: Rc<OnceCell<Greenlet<u32>>> = Rc::default();
    let cell = child_cell.clone();
    let parent = Greenlet::<u32>::new(move |_| {
        let child = Greenlet::<u32>::new(|x| x * 10);
        let _ = cell.set(child);
        log.borrow_mut().push("parent returns");
        7
    });
    // The parent makes the child and dies before the child ever runs.
    assert_eq!(parent.switch(0), Ok(7));
    let child = child_cell.get().unwrap();
    assert_eq!(child.parent().unwrap(), parent);
    // The child's return skips its dead parent and reaches main.
    assert_eq!(child.switch(4), Ok(40));
    assert_eq!(*order.borrow(), ["parent returns"]);
}

#[test]
fn dropping_unfinished_greenlets_unwinds_their_stacks() {
    let drops = Rc::new(Cell::new(0));
    let mut greenlets = Vec::new();
    for _ in 0..10 {
        let drops = drops.clone();
        greenlets.push(Greenlet::<()>::new(move |()| {
            let _on_my_stack = Guard(drops);
            let _owned = String::from("freed by the unwind too");
            Greenlet::<()>::main().switch(()).unwrap();
            unreachable!("nobody switches back");
        }));
    }
    for g in &greenlets {
        g.switch(()).unwrap(); // runs up to its switch to main
    }
    assert_eq!(drops.get(), 0, "all ten are suspended, guards alive");
    drop(greenlets);
    assert_eq!(drops.get(), 10, "every suspended stack was unwound");
}

#[test]
fn dropping_a_fresh_greenlet_drops_its_function() {
    let drops = Rc::new(Cell::new(0));
    let guard = Guard(drops.clone());
    let fresh = Greenlet::<()>::new(move |()| drop(guard));
    assert_eq!(drops.get(), 0);
    drop(fresh);
    assert_eq!(drops.get(), 1);
}

#[test]
fn kill_unwinds_now_and_breaks_cycles() {
    let drops = Rc::new(Cell::new(0));
    // Two greenlets that each hold the other on their stacks: a cycle
    // that dropping the handles alone would leak.
    let b_cell: Rc<OnceCell<Greenlet>> = Rc::default();
    let (cell, d) = (b_cell.clone(), drops.clone());
    let a = Greenlet::new(move |()| {
        let _guard = Guard(d);
        let b = cell.get().unwrap().clone();
        loop {
            b.switch(()).unwrap();
        }
    });
    let (a2, d) = (a.clone(), drops.clone());
    let b = Greenlet::new(move |()| {
        let _guard = Guard(d);
        Greenlet::main().switch(()).unwrap();
        loop {
            a2.switch(()).unwrap();
        }
    });
    let _ = b_cell.set(b.clone());
    a.switch(()).unwrap(); // a -> b -> main
    assert_eq!(drops.get(), 0);
    a.kill().unwrap();
    assert_eq!(drops.get(), 1);
    assert!(a.is_dead());
    b.kill().unwrap();
    assert_eq!(drops.get(), 2);
    assert!(matches!(b.switch(()), Err(GreenletError::Dead { .. })));
    // Killing the dead does nothing; main cannot be killed.
    assert_eq!(a.kill(), Ok(()));
    assert!(matches!(
        Greenlet::<()>::main().kill(),
        Err(GreenletError::Unkillable { .. })
    ));
}

#[test]
fn a_greenlet_cannot_kill_itself() {
    let me = Greenlet::<()>::new(|()| {
        let me = Greenlet::<()>::current();
        assert!(matches!(me.kill(), Err(GreenletError::Unkillable { .. })));
    });
    me.switch(()).unwrap();
    assert!(me.is_dead());
}

/// Recurses `n` frames deep, each holding 64 bytes, and returns how far
/// the stack grew: from the address of the first frame's array (`top`) to
/// the deepest one's.
fn depth(n: u32, top: usize) -> usize {
    // The array's address escapes into `black_box`, so every frame keeps
    // its own copy: the recursion cannot be turned into a loop.
    let pad = [n; 16];
    let here = std::hint::black_box(&pad) as *const _ as usize;
    let top = if top == 0 { here } else { top };
    if n == 0 {
        top - here
    } else {
        depth(n - 1, top)
    }
}

#[test]
fn a_greenlet_recurses_ten_thousand_frames_on_a_big_stack() {
    let deep = Greenlet::<usize>::builder()
        .name("deep")
        .stack_size(64 * 1024 * 1024)
        .build(|frames| depth(frames as u32, 0))
        .unwrap();
    // 10,001 frames were live at once: the stack grew by at least their
    // arrays. (Print `grown` to see how big a frame really is.)
    let grown = deep.switch(10_000).unwrap();
    assert!(grown >= 10_000 * 64, "the stack grew only {grown} bytes");
    assert!(deep.is_dead());
}

#[test]
fn current_main_and_parent_are_what_greenlet_says() {
    let main = Greenlet::<()>::current();
    assert!(main.is_main() && main == Greenlet::main());
    assert_eq!(main.name(), "main");
    assert!(main.parent().is_none());
    let seen = Rc::new(RefCell::new(None));
    let s = seen.clone();
    let child = Greenlet::<()>::builder().name("child");
    let child = child
        .build(move |()| {
            *s.borrow_mut() = Some(Greenlet::<()>::current());
        })
        .unwrap();
    assert!(child.parent().unwrap().is_main());
    child.switch(()).unwrap();
    assert_eq!(seen.borrow().as_ref(), Some(&child));
    assert!(Greenlet::<()>::current().is_main());
    // Switching to yourself returns at once.
    assert_eq!(Greenlet::<()>::main().switch(()), Ok(()));
}

#[test]
fn switching_from_inside_another_coroutine_is_refused() {
    // A corosensei coroutine (not a greenlet) running inside a greenlet
    // tries to switch: it is not on the greenlet's stack, so it may not
    // use the greenlet's yielder.
    let host = Greenlet::<()>::new(|()| {
        let mut foreign = corosensei::Coroutine::<(), (), _>::new(|_, ()| {
            Greenlet::<()>::main().switch(())
        });
        match foreign.resume(()) {
            corosensei::CoroutineResult::Return(result) => {
                assert!(matches!(result, Err(GreenletError::OffStack { .. })));
            }
            corosensei::CoroutineResult::Yield(()) => unreachable!(),
        }
    });
    host.switch(()).unwrap();
    assert!(host.is_dead());
}

#[test]
fn greenlets_of_another_value_type_are_refused_while_one_runs() {
    let words = Greenlet::<String>::new(|s| s);
    let numbers =
        Greenlet::<u32>::new(move |n| match words.switch("hi".into()) {
            Err(GreenletError::ValueType { .. }) => n,
            other => panic!("expected ValueType, got {other:?}"),
        });
    assert_eq!(numbers.switch(3), Ok(3));
}

/// Switches to main when dropped, and keeps what the switch returned.
struct SwitchOnDrop(Rc<RefCell<Option<Result<(), GreenletError>>>>);

impl Drop for SwitchOnDrop {
    fn drop(&mut self) {
        *self.0.borrow_mut() = Some(Greenlet::<()>::main().switch(()));
    }
}

#[test]
fn a_destructor_run_by_a_kill_cannot_switch() {
    let outcome = Rc::new(RefCell::new(None));
    let o = outcome.clone();
    let victim = Greenlet::<()>::new(move |()| {
        let _switches_when_dropped = SwitchOnDrop(o);
        Greenlet::<()>::main().switch(()).unwrap();
    });
    victim.switch(()).unwrap(); // suspended, the guard on its stack
    let v = victim.clone();
    let killer = Greenlet::<()>::builder().name("killer");
    let killer = killer.build(move |()| v.kill().unwrap()).unwrap();
    killer.switch(()).unwrap();
    // The destructor ran on the victim's stack while the killer was
    // current: its switch would have suspended the wrong stack.
    assert_eq!(
        outcome.borrow_mut().take(),
        Some(Err(GreenletError::OffStack {
            name: "killer".into()
        }))
    );
    assert!(victim.is_dead() && killer.is_dead());
}

#[test]
fn a_dead_greenlet_s_shell_builds_the_next_one_on_its_stack() {
    let first = Greenlet::<u64>::builder()
        .stack_size(16 * 1024)
        .build(|x| x + 1)
        .unwrap();
    assert_eq!(first.switch(1), Ok(2));
    // Its stack's address, read off a local of the next greenlet.
    let here = |_| {
        let probe = 0u8;
        std::hint::black_box(&raw const probe) as u64
    };
    let fresh = Greenlet::<u64>::builder().stack_size(16 * 1024).build(here);
    let fresh_at = fresh.unwrap().switch(0).unwrap();

    let shell = first.into_shell().expect("dead, and its last handle");
    let second = Greenlet::<u64>::builder()
        .name("second")
        .stack_size(16 * 1024)
        .build_in(shell, here)
        .unwrap();
    assert_eq!(second.name(), "second");
    assert!(!second.is_started());
    let second_at = second.switch(0).unwrap();
    assert!(second.is_dead());
    // Both ran at the same depth of a stack of the same size: the second
    // on the first's stack, which the fresh one could not have had.
    assert_ne!(second_at, fresh_at);
    assert_eq!(second_at % 4096, fresh_at % 4096);
}

#[test]
fn only_a_dead_greenlet_s_last_handle_becomes_a_shell() {
    let alive = Greenlet::<u64>::new(|x| x);
    let alive = alive.into_shell().expect_err("not started: not dead");
    assert_eq!(alive.switch(5), Ok(5));
    let other = alive.clone();
    let shared = alive.into_shell().expect_err("another handle holds it");
    drop(other);
    assert!(shared.into_shell().is_ok());
    assert!(Greenlet::<u64>::main().into_shell().is_err());
}

#[test]
fn a_shell_of_another_stack_size_is_not_reused() {
    let small = Greenlet::<u64>::builder().stack_size(8192);
    let small = small.build(|x| x).unwrap();
    small.switch(0).unwrap();
    let shell = small.into_shell().unwrap();
    let big = Greenlet::<u64>::builder().stack_size(256 * 1024);
    // Deep enough (200 frames of at least 64 B, in a debug build a few
    // hundred each) to overflow the shell's 8 KiB.
    let big = big.build_in(shell, depth_sum).unwrap();
    assert_eq!(big.switch(200), Ok(20_100));
}

fn depth_sum(n: u64) -> u64 {
    let frame = [n; 8];
    if n == 0 {
        0
    } else {
        std::hint::black_box(frame)[0] + depth_sum(n - 1)
    }
}
