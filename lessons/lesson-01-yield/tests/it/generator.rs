//! The generator contract: what start, send, finishing, panicking and
//! dropping do, for the `Generator` itself and for every consumer variant.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::ValueEnum;
use lesson_01_yield::{
    Consumer, Eater, Generator, GeneratorError, Resumed, ThreadConsumer,
    Variant, producer,
};
use shared::{Trace, Transcript};

/// Counts its own drop: lives on a generator's stack to show that the
/// stack is unwound when the generator is dropped.
struct Plate(Rc<Cell<usize>>);

impl Drop for Plate {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

fn c1(err: GeneratorError) -> String {
    match &err {
        GeneratorError::NotStarted { name }
        | GeneratorError::AlreadyStarted { name }
        | GeneratorError::Finished { name }
        | GeneratorError::Panicked { name, .. } => assert_eq!(name, "c1"),
    }
    err.to_string()
}

#[test]
fn nothing_runs_before_start_and_start_runs_to_the_first_yield() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let body_log = log.clone();
    let mut generator = Generator::<u32>::new("c1", move |co| {
        body_log.borrow_mut().push("top".to_owned());
        loop {
            let baozi = co.yield_(());
            body_log.borrow_mut().push(format!("ate {baozi}"));
        }
    })
    .unwrap();
    assert!(log.borrow().is_empty());
    assert_eq!(generator.start(), Ok(Resumed::Yielded(())));
    assert_eq!(*log.borrow(), ["top"]);
    generator.send(1).unwrap();
    generator.send(2).unwrap();
    assert_eq!(*log.borrow(), ["top", "ate 1", "ate 2"]);
}

#[test]
fn dropping_a_suspended_generator_drops_what_lives_on_its_stack() {
    let dropped = Rc::new(Cell::new(0));
    let plates = dropped.clone();
    let mut generator = Generator::<u32>::new("c1", move |co| {
        // Moved into the body's frame, on the coroutine's own stack.
        let _plate = Plate(plates);
        loop {
            let _second = Plate(Rc::new(Cell::new(0)));
            co.yield_(());
        }
    })
    .unwrap();
    generator.start().unwrap();
    generator.send(1).unwrap();
    assert_eq!(dropped.get(), 0, "suspended: the plate is still in use");
    drop(generator);
    assert_eq!(dropped.get(), 1, "the stack was unwound on drop");
}

#[test]
fn dropping_an_unstarted_generator_drops_its_captures() {
    let dropped = Rc::new(Cell::new(0));
    let plate = Plate(dropped.clone());
    let generator = Generator::<u32>::new("c1", move |co| {
        let _plate = plate;
        co.yield_(());
    })
    .unwrap();
    drop(generator);
    assert_eq!(dropped.get(), 1);
}

#[test]
fn every_sent_value_is_dropped_once_and_start_sends_none() {
    // A sent value that owns something: each must reach the body and be
    // dropped exactly once, and `start`'s empty first input must not be
    // dropped as if it held a plate.
    let (dropped, received) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
    let counter = received.clone();
    let mut generator = Generator::<Plate>::new("c1", move |co| {
        loop {
            let _plate = co.yield_(());
            counter.set(counter.get() + 1);
        }
    })
    .unwrap();
    generator.start().unwrap();
    assert_eq!(dropped.get(), 0);
    for sent in 1..=3 {
        generator.send(Plate(dropped.clone())).unwrap();
        assert_eq!((received.get(), dropped.get()), (sent, sent));
    }
    drop(generator);
    assert_eq!(dropped.get(), 3, "unwinding drops no plate twice");
}

#[test]
fn send_before_start_is_python_s_type_error_as_a_value() {
    let mut generator = Generator::<u32>::new("c1", |co| {
        loop {
            co.yield_(());
        }
    })
    .unwrap();
    let message = c1(generator.send(1).unwrap_err());
    assert!(message.contains("just-started generator"), "{message}");
    // The mistake costs nothing: the generator can still be started.
    generator.start().unwrap();
    assert!(matches!(
        generator.start(),
        Err(GeneratorError::AlreadyStarted { .. })
    ));
}

#[test]
fn resuming_a_finished_generator_returns_an_error_not_a_panic() {
    let mut generator = Generator::<u32, u32, u32>::new("c1", |co| {
        let baozi = co.yield_(1);
        baozi * 2
    })
    .unwrap();
    assert_eq!(generator.start(), Ok(Resumed::Yielded(1)));
    assert_eq!(generator.send(21), Ok(Resumed::Returned(42)));
    assert!(generator.is_finished());
    let message = c1(generator.send(3).unwrap_err());
    assert!(message.contains("StopIteration"), "{message}");
    assert!(matches!(
        generator.start(),
        Err(GeneratorError::Finished { .. })
    ));
}

#[test]
fn a_panic_in_the_body_comes_back_as_a_value_naming_the_generator() {
    let mut generator = Generator::<u32>::new("c1", |co| {
        let baozi = co.yield_(());
        panic!("baozi {baozi} was burnt");
    })
    .unwrap();
    generator.start().unwrap();
    let error = generator.send(3).unwrap_err();
    assert_eq!(
        error,
        GeneratorError::Panicked {
            name: "c1".to_owned(),
            message: "baozi 3 was burnt".to_owned(),
        }
    );
    assert_eq!(error.to_string(), "c1 panicked: baozi 3 was burnt");
    assert!(generator.is_finished());
    c1(generator.send(4).unwrap_err());
}

/// An eater that burns baozi 3: the test hook for panics in consumers.
fn burns_baozi_3(_name: &str, baozi: u32) {
    if baozi == 3 {
        panic!("baozi {baozi} was burnt");
    }
}

#[test]
fn a_panicking_consumer_reaches_the_producer_with_its_name() {
    for &variant in Variant::value_variants() {
        let fine = variant.build("c1", |_: &str, _: u32| {}).unwrap();
        let burning = variant.build("c2", burns_baozi_3).unwrap();
        let mut consumers = vec![fine, burning];
        let trace = Trace::disabled();
        let out = Transcript::quiet();
        let error = producer(&mut consumers, 5, &out, &trace.lane("producer"))
            .unwrap_err();
        assert_eq!(
            error,
            GeneratorError::Panicked {
                name: "c2".to_owned(),
                message: "baozi 3 was burnt".to_owned(),
            },
            "variant {variant}"
        );
        // The producer stopped at baozi 3: it made only 1 and 2.
        assert_eq!(
            out.lines(),
            [
                "[producer] is making baozi 1",
                "[producer] is making baozi 2"
            ]
        );
        // Through `?` into the course's error, the name survives.
        let boxed: shared::Error = error.into();
        assert!(boxed.to_string().contains("c2"), "variant {variant}");
        // The consumer is finished; the other one carries on.
        assert!(matches!(
            consumers[1].send(4),
            Err(GeneratorError::Finished { .. })
        ));
        consumers[0].send(4).unwrap();
    }
}

#[test]
fn every_variant_refuses_send_before_start_and_start_twice() {
    for &variant in Variant::value_variants() {
        let mut consumer = variant.build("c1", |_: &str, _: u32| {}).unwrap();
        assert_eq!(consumer.name(), "c1");
        assert!(matches!(
            consumer.send(1),
            Err(GeneratorError::NotStarted { .. })
        ));
        consumer.start().unwrap();
        assert!(matches!(
            consumer.start(),
            Err(GeneratorError::AlreadyStarted { .. })
        ));
        consumer.send(1).unwrap();
    }
}

/// Counts its drop from whichever thread drops it.
struct CountingEater(Arc<AtomicUsize>);

impl Eater for CountingEater {
    fn eat(&mut self, _name: &str, _baozi: u32) {}
}

impl Drop for CountingEater {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn dropping_a_thread_consumer_joins_its_thread() {
    // Mid-loop, and before start: either way, when `drop` returns the
    // thread has ended and dropped its eater.
    for started in [true, false] {
        let dropped = Arc::new(AtomicUsize::new(0));
        let eater = CountingEater(dropped.clone());
        let mut consumer = ThreadConsumer::new("c1", eater).unwrap();
        if started {
            consumer.start().unwrap();
            consumer.send(1).unwrap();
        }
        assert_eq!(dropped.load(Ordering::SeqCst), 0);
        drop(consumer);
        assert_eq!(dropped.load(Ordering::SeqCst), 1, "started: {started}");
    }
}
