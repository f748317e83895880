//! The hand-written switch: the demo, errors and panics (x86_64 Linux).

use std::cell::Cell;
use std::rc::Rc;

use lesson_02_greenlet::bare::{BareError, Fiber, RawBounce, RawSwitch};

#[test]
fn fibers_switch_by_hand_and_return_to_their_parent() {
    let trail = Rc::new(Cell::new(0u64));
    let t = trail.clone();
    let worker = Fiber::new("worker", 64 * 1024, move || {
        for digit in 1..=3 {
            t.set(t.get() * 10 + digit);
            Fiber::main().switch().unwrap();
        }
    })
    .unwrap();
    for expected in [1, 12, 123] {
        worker.switch().unwrap();
        assert_eq!(trail.get(), expected);
    }
    assert!(!worker.is_dead());
    worker.switch().unwrap(); // its loop ends: back to main, its parent
    assert!(worker.is_dead());
    assert_eq!(
        worker.switch(),
        Err(BareError::Dead {
            name: "worker".into()
        })
    );
}

#[test]
fn a_panic_in_a_fiber_is_re_raised_in_its_parent() {
    let fiber = Fiber::new("boom", 64 * 1024, || panic!("raw baozi")).unwrap();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        fiber.switch().unwrap();
    }))
    .unwrap_err();
    assert_eq!(caught.downcast_ref::<&str>(), Some(&"raw baozi"));
    assert!(fiber.is_dead());
}

#[test]
fn both_raw_switches_bounce_without_losing_their_place() {
    for how in [RawSwitch::Jump, RawSwitch::Naked] {
        let mut raw = RawBounce::new(how).unwrap();
        // Registers the compiler keeps across the calls must survive.
        let mut sum = 0u64;
        for i in 0..100 {
            raw.run(3);
            sum += std::hint::black_box(i);
        }
        assert_eq!(sum, 4950);
    }
}
