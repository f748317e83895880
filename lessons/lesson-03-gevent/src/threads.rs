//! The control group: one OS thread per task, `std::thread::spawn` and
//! `join`. What every "lightweight task" is measured against.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use crate::{TaskError, task_name};

/// Spawns `count` OS threads; thread `i` waits until all are spawned,
/// sleeps `sleep` (zero: yields its time slice once) and returns `i`.
/// Joins them all and returns each result in spawn order. An error if
/// the OS refuses a thread (too many threads, no memory for a stack);
/// the threads already started are released and joined first.
pub fn spawn_join(
    count: usize,
    sleep: Duration,
) -> shared::Result<Vec<Result<u64, TaskError>>> {
    // The gate: every thread waits on it until the last one is
    // spawned, so that all `count` are alive at once, as the tasks of
    // the hub are (a hub task does not run before `joinall` switches
    // to the hub). Without it, most threads would be done before the
    // last one starts, and the memory per live thread would be
    // divided by threads that were never alive together. A read lock
    // each, held write by us while we spawn: one wake-up for all.
    let gate = Arc::new(RwLock::new(()));
    let spawning = gate.write().unwrap_or_else(PoisonError::into_inner);
    let mut handles = Vec::with_capacity(count);
    let mut refused = None;
    for i in 0..count as u64 {
        let gate = Arc::clone(&gate);
        // `Builder::spawn` instead of `thread::spawn`: the OS may say
        // no (each thread reserves a stack, 2 MiB by default for Rust
        // threads, and a kernel task), and that should be an error,
        // not a panic.
        let spawned = std::thread::Builder::new().spawn(move || {
            drop(gate.read().unwrap_or_else(PoisonError::into_inner));
            if sleep.is_zero() {
                std::thread::yield_now();
            } else {
                std::thread::sleep(sleep);
            }
            i
        });
        match spawned {
            Ok(handle) => handles.push(handle),
            Err(e) => {
                refused = Some(format!(
                    "the OS refused thread {} of {count}: {e}",
                    i + 1
                ));
                break;
            }
        }
    }
    // Open the gate: every waiting thread runs.
    drop(spawning);
    let results = handles
        .into_iter()
        .enumerate()
        .map(|(i, handle)| {
            handle.join().map_err(|payload| TaskError::Panicked {
                task: task_name(i as u32),
                message: shared::panic_message(payload.as_ref()),
            })
        })
        .collect();
    match refused {
        Some(error) => Err(error.into()),
        None => Ok(results),
    }
}
