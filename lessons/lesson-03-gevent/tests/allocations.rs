//! The hub's steady state allocates nothing: once a batch of tasks has
//! run, the next batch's spawns, starts, switches and finishes reuse what
//! the last one left (task records, greenlets, stacks, queues).
//!
//! A test binary of its own: it counts allocations with a global
//! allocator, which is per binary. The count is per thread, so the
//! harness's own threads do not disturb it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

use lesson_03_gevent::hub::{self, Task};

/// The system allocator, counting the allocations of each thread.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every call goes to `System` unchanged; the count is a
// thread-local `Cell` with a const initialiser and no destructor, which
// needs no allocation and is valid for the whole life of the thread.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(
        &self,
        ptr: *mut u8,
        layout: Layout,
        new_size: usize,
    ) -> *mut u8 {
        count();
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

fn count() {
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations this thread made while `f` ran.
fn allocations_in<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let before = ALLOCATIONS.get();
    let result = f();
    (result, ALLOCATIONS.get() - before)
}

/// Tasks per batch.
const TASKS: u64 = 1_000;

/// Spawns a batch into `tasks`: task `i` yields once and returns `i`.
fn spawn_batch(tasks: &mut Vec<Task<u64>>) {
    for i in 0..TASKS {
        tasks.push(hub::spawn(move || {
            hub::sleep(Duration::ZERO);
            i
        }));
    }
}

#[test]
fn a_warm_hub_spawns_runs_and_finishes_tasks_without_allocating() {
    hub::run(|| {
        let mut tasks = Vec::with_capacity(TASKS as usize);
        // The first batch fills the pools: records, greenlets, stacks,
        // and the queues' room.
        spawn_batch(&mut tasks);
        let results = hub::joinall(&tasks);
        assert!(results.into_iter().all(|r| r.is_ok()));
        tasks.clear();

        // The second reuses them.
        let ((), spawning) = allocations_in(|| spawn_batch(&mut tasks));
        assert_eq!(spawning, 0, "allocations in {TASKS} spawns");
        // Main yields twice: every task starts and yields, then every
        // task finishes (main is behind them in the ready queue).
        let ((), running) = allocations_in(|| {
            hub::sleep(Duration::ZERO);
            hub::sleep(Duration::ZERO);
        });
        assert!(tasks.iter().all(Task::is_done), "every task finished");
        assert_eq!(running, 0, "allocations in running {TASKS} tasks");
        // Joining allocates only the vector of results it returns.
        let (results, joining) = allocations_in(|| hub::joinall(&tasks));
        assert_eq!(joining, 1, "allocations in joinall");
        for (i, result) in results.into_iter().enumerate() {
            assert_eq!(result, Ok(i as u64));
        }
        let ((), dropping) = allocations_in(|| tasks.clear());
        assert_eq!(dropping, 0, "allocations in dropping the handles");
    });
}

#[test]
fn a_new_run_reuses_the_last_run_s_pools() {
    // What the spawn benches do: one `run` per batch.
    let batch = || {
        hub::run(|| {
            let mut tasks = Vec::with_capacity(TASKS as usize);
            spawn_batch(&mut tasks);
            hub::sleep(Duration::ZERO);
            hub::sleep(Duration::ZERO);
            assert!(tasks.iter().all(Task::is_done));
        })
    };
    batch();
    let ((), allocations) = allocations_in(batch);
    // The hub's own state and greenlet, and the batch's vector: a few,
    // however many tasks.
    assert!(allocations < 10, "{allocations} allocations in a run");
}
