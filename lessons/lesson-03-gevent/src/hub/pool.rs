//! Lesson 03: what the hub keeps of finished tasks, so that the next
//! spawn allocates nothing: their greenlets' memory, their task records,
//! and the hub's own queues between two `run`s.
//!
//! A spawn needs a task record (its link and closure: [`TaskCell`]), and
//! starting it needs a greenlet: a handle's allocation and a stack.
//! lesson 02 already keeps freed stacks for reuse; this module does the
//! same for the rest. A finished task's greenlet becomes a
//! [`Shell`](lesson_02_greenlet::Shell) (its allocation, still holding
//! its stack) that the next task's greenlet is built in, and its record,
//! once nobody holds it, is emptied and kept for the next spawn of the
//! same closure type. So in a steady state (tasks finishing as fast as
//! new ones start) a spawn, a start, a switch and a finish call no
//! allocator and no kernel.
//!
//! Every pool is per thread, like the hub, and bounded by lesson 02's
//! stack pool capacity ([`stack::pool_capacity`]): a shell holds a stack,
//! and a task record is worth keeping as long as a stack is. What is
//! pooled holds nothing of the program's (no closure, no result, no
//! parent), so dropping it at thread exit only frees memory.
//!
//! [`TaskCell`]: super::task

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::{BinaryHeap, VecDeque};
use std::rc::Rc;

use lesson_02_greenlet::{Greenlet, Shell, stack};

use super::{Ready, Timer};

/// Task records by type: one list per closure type, found by its
/// `TypeId` (a program spawns a handful of closure types, so a list beats
/// a map).
struct Records {
    kinds: Vec<(TypeId, Box<dyn Any>)>,
    pooled: usize,
}

/// The hub's queues, emptied, between two `run`s.
#[derive(Default)]
pub(super) struct Queues {
    pub(super) ready: VecDeque<Ready>,
    pub(super) timers: BinaryHeap<Timer>,
    pub(super) live: Vec<Option<Greenlet>>,
    pub(super) free: Vec<usize>,
}

thread_local! {
    /// Finished tasks' greenlets, to build new ones in.
    static SHELLS: RefCell<Vec<Shell>> = const { RefCell::new(Vec::new()) };
    /// Emptied task records, by type.
    static RECORDS: RefCell<Records> = const {
        RefCell::new(Records { kinds: Vec::new(), pooled: 0 })
    };
    /// The last `run`'s queues, with their capacity.
    static QUEUES: RefCell<Option<Queues>> = const { RefCell::new(None) };
}

/// How many of each this thread keeps: as many as stacks.
fn capacity() -> usize {
    stack::pool_capacity()
}

/// A shell to build the next task's greenlet in, if one is pooled. The
/// one after it starts loading into the cache now: it is written at the
/// next start.
pub(super) fn take_shell() -> Option<Shell> {
    SHELLS
        .try_with(|shells| {
            let mut shells = shells.borrow_mut();
            let shell = shells.pop();
            if let Some(next) = shells.last() {
                next.prefetch();
            }
            shell
        })
        .ok()
        .flatten()
}

/// Keeps a finished task's greenlet for the next start, if it was the
/// last handle and there is room; else lets it go.
pub(super) fn put_greenlet(greenlet: Greenlet) {
    let Ok(shell) = greenlet.into_shell() else {
        return;
    };
    let _ = SHELLS.try_with(|shells| {
        let mut shells = shells.borrow_mut();
        if shells.len() < capacity() {
            shells.push(shell);
        }
    });
}

/// An emptied record of type `C`, if one is pooled.
pub(super) fn take_record<C: 'static>() -> Option<Rc<C>> {
    RECORDS
        .try_with(|records| {
            let mut records = records.borrow_mut();
            let list = records
                .kinds
                .iter_mut()
                .find(|(kind, _)| *kind == TypeId::of::<C>())?
                .1
                .downcast_mut::<Vec<Rc<C>>>()?;
            let record = list.pop()?;
            records.pooled -= 1;
            Some(record)
        })
        .ok()
        .flatten()
}

/// Keeps an emptied record (its only handle) for the next spawn of its
/// type, if there is room; else lets it go.
pub(super) fn put_record<C: 'static>(record: Rc<C>) {
    let _ = RECORDS.try_with(|records| {
        let mut records = records.borrow_mut();
        if records.pooled >= capacity() {
            return;
        }
        records.pooled += 1;
        let list = match records
            .kinds
            .iter_mut()
            .position(|(kind, _)| *kind == TypeId::of::<C>())
        {
            Some(at) => &mut records.kinds[at].1,
            None => {
                let list: Vec<Rc<C>> = Vec::new();
                records.kinds.push((TypeId::of::<C>(), Box::new(list)));
                &mut records.kinds.last_mut().expect("just pushed").1
            }
        };
        if let Some(list) = list.downcast_mut::<Vec<Rc<C>>>() {
            list.push(record);
        }
    });
}

/// The last `run`'s queues (empty, with their capacity), or new ones.
pub(super) fn take_queues() -> Queues {
    QUEUES
        .try_with(|queues| queues.borrow_mut().take())
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Keeps a finished `run`'s queues for the next one. They must be empty.
pub(super) fn put_queues(queues: Queues) {
    debug_assert!(queues.ready.is_empty() && queues.timers.is_empty());
    let _ = QUEUES.try_with(|kept| *kept.borrow_mut() = Some(queues));
}

/// Lets go of every pooled shell and record of this thread, returning
/// how many shells there were: their stacks go back to lesson 02's pool.
pub(super) fn release() -> usize {
    let shells = SHELLS
        .try_with(|shells| std::mem::take(&mut *shells.borrow_mut()))
        .unwrap_or_default();
    let released = shells.len();
    drop(shells);
    let records = RECORDS.try_with(|records| {
        let mut records = records.borrow_mut();
        records.pooled = 0;
        std::mem::take(&mut records.kinds)
    });
    drop(records);
    let _ = QUEUES.try_with(|queues| queues.borrow_mut().take());
    released
}
