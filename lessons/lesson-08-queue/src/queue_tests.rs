//! Lesson 08: the unit tests of the shipped `Queue` (on `std`), one
//! promise of Python's `queue.Queue` each.

use std::sync::Mutex;
use std::time::Duration;

use crate::{Empty, Full, Queue, TaskDoneTooOften};

#[test]
fn items_come_out_in_the_order_they_went_in() {
    let queue = Queue::new(10);
    for meal in [1, 8, 3] {
        queue.put(meal);
    }
    assert_eq!(queue.qsize(), 3);
    assert_eq!([queue.get(), queue.get(), queue.get()], [1, 8, 3]);
}

#[test]
fn a_full_queue_refuses_try_put_and_hands_the_item_back() {
    let queue = Queue::new(2);
    queue.try_put(1).unwrap();
    queue.try_put(2).unwrap();
    assert_eq!(queue.try_put(3), Err(Full(3)));
    assert_eq!(queue.qsize(), 2);
    assert_eq!(queue.try_get(), Ok(1));
    queue.try_put(3).unwrap();
}

#[test]
fn an_empty_queue_refuses_try_get() {
    let queue = Queue::<u32>::new(1);
    assert_eq!(queue.try_get(), Err(Empty));
}

#[test]
fn maxsize_zero_is_unbounded_as_in_python() {
    let queue = Queue::new(0);
    for meal in 0..1000 {
        queue.try_put(meal).unwrap();
    }
    assert_eq!(queue.qsize(), 1000);
}

#[test]
fn timeouts_give_up_with_full_and_empty() {
    let queue = Queue::new(1);
    assert_eq!(queue.get_timeout(Duration::from_millis(5)), Err(Empty));
    queue.put(7);
    let refused = queue.put_timeout(8, Duration::from_millis(5));
    assert_eq!(refused, Err(Full(8)));
    assert_eq!(queue.get_timeout(Duration::from_millis(5)), Ok(7));
    queue.put_timeout(8, Duration::from_millis(5)).unwrap();
}

#[test]
fn a_blocked_put_finishes_once_an_eater_takes_one() {
    let queue = Queue::new(1);
    queue.put(1);
    std::thread::scope(|s| {
        let cook = s.spawn(|| queue.put(2));
        // Whenever the cook runs, it can only finish after this get.
        assert_eq!(queue.get(), 1);
        cook.join().unwrap();
    });
    assert_eq!(queue.get(), 2);
}

#[test]
fn task_done_too_often_is_an_error_value() {
    let queue = Queue::new(1);
    assert_eq!(queue.task_done(), Err(TaskDoneTooOften));
    queue.put(1);
    queue.get();
    assert_eq!(queue.task_done(), Ok(()));
    assert_eq!(queue.task_done(), Err(TaskDoneTooOften));
    assert_eq!(
        TaskDoneTooOften.to_string(),
        "task_done() called too many times"
    );
}

#[test]
fn join_returns_at_once_when_nothing_was_put() {
    Queue::<u32>::new(1).join();
}

#[test]
fn join_waits_for_the_last_task_done() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let queue = Queue::new(10);
    let done = AtomicUsize::new(0);
    for meal in 0..5 {
        queue.put(meal);
    }
    std::thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..5 {
                queue.get();
                done.fetch_add(1, Ordering::SeqCst);
                queue.task_done().unwrap();
            }
        });
        queue.join();
        // join returned: all five task_done calls happened before.
        assert_eq!(done.load(Ordering::SeqCst), 5);
    });
}

#[test]
fn cooks_and_eaters_move_every_item_exactly_once() {
    let queue = Queue::new(3);
    let eaten = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for cook in 0..3 {
            let queue = &queue;
            s.spawn(move || {
                for i in 0..200 {
                    queue.put(cook * 1000 + i);
                }
            });
        }
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..300 {
                    let meal = queue.get();
                    eaten.lock().unwrap().push(meal);
                }
            });
        }
    });
    let mut eaten = eaten.into_inner().unwrap();
    eaten.sort_unstable();
    let mut made: Vec<_> = (0..3)
        .flat_map(|cook| (0..200).map(move |i| cook * 1000 + i))
        .collect();
    made.sort_unstable();
    assert_eq!(eaten, made);
}
