//! Lesson 03: the hub's tasks: what `spawn` returns and what `joinall`
//! waits on, gevent's `Greenlet` objects and their links.
//!
//! A task is one record ([`TaskCell`]): its *link* (its name, its result
//! once it has one, and the greenlets waiting for it, which is what
//! gevent calls links) and its closure until it starts. Its greenlet and
//! stack are made by the hub when it first gets to the task, so a spawn
//! is a record and a queue push, no system call; and the record is one a
//! finished task of the same closure type left behind (`pool.rs`), so in
//! a steady state not even an allocation. A task's panic is caught on its
//! own stack and kept in its link: gevent keeps a greenlet's exception
//! for whoever joins it, and so does [`joinall`].

use std::cell::{Cell, RefCell};
use std::mem::ManuallyDrop;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use lesson_02_greenlet::Greenlet;
use shared::Lane;

use super::{Hub, Ready, pool, the_hub};
use crate::{TaskError, panic_in, task_name};

/// A spawned task: gevent's `Greenlet` object as `spawn` returns it.
/// [`joinall`] takes its result; it says nothing about the task's
/// greenlet, which is the hub's.
pub struct Task<T> {
    // Given back with `release` when the handle drops, never dropped
    // plainly: see `Drop for Task`.
    cell: ManuallyDrop<Rc<dyn Linked<T>>>,
}

/// Whoever lets go of a task record last gives it to the pool: the
/// handle, here, or the task's greenlet when it finishes after its handle
/// was dropped (gevent's fire-and-forget `spawn`).
impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        // SAFETY: `cell` is taken once, here, and `self` is not used
        // after this.
        let cell = unsafe { ManuallyDrop::take(&mut self.cell) };
        cell.release();
    }
}

/// What a task and whoever joins it share: its result and its waiters
/// (gevent calls these links).
struct Link<T> {
    number: u64,
    name: Option<String>,
    result: RefCell<Option<Result<T, TaskError>>>,
    done: Cell<bool>,
    waiters: RefCell<Vec<Greenlet>>,
}

impl<T> Link<T> {
    fn name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| task_name(self.number as u32))
    }

    /// Keeps the task's result and wakes everyone waiting in `joinall`.
    fn finish(&self, hub: &Hub, result: Result<T, TaskError>) {
        *self.result.borrow_mut() = Some(result);
        self.done.set(true);
        // Drained, not taken: the list keeps its room for the record's
        // next task.
        let mut waiters = self.waiters.borrow_mut();
        hub.ready
            .borrow_mut()
            .extend(waiters.drain(..).map(Ready::Resume));
    }
}

/// One allocation per task: its link, and its closure until it starts.
struct TaskCell<T, F> {
    link: Link<T>,
    f: Cell<Option<F>>,
    stack_size: usize,
    lane: Option<Lane>,
}

impl<T: 'static, F: FnOnce() -> T + 'static> TaskCell<T, F> {
    /// A record for a new task: one a finished task of the same types
    /// left in the pool, or a new allocation.
    fn new(
        link: Link<T>,
        f: F,
        stack_size: usize,
        lane: Option<Lane>,
    ) -> Rc<Self> {
        if let Some(mut cell) = pool::take_record::<Self>()
            && let Some(reused) = Rc::get_mut(&mut cell)
        {
            reused.link.number = link.number;
            reused.link.name = link.name;
            reused.link.done.set(false);
            *reused.f.get_mut() = Some(f);
            reused.stack_size = stack_size;
            reused.lane = lane;
            return cell;
        }
        Rc::new(TaskCell {
            link,
            f: Cell::new(Some(f)),
            stack_size,
            lane,
        })
    }

    /// Lets go of one handle of the record; the last one empties it
    /// (dropping whatever result nobody took) and gives it to the pool.
    fn release(mut self: Rc<Self>) {
        let Some(record) = Rc::get_mut(&mut self) else {
            return; // Someone else holds it: they release it later.
        };
        record.link.name = None;
        *record.link.result.get_mut() = None;
        record.link.waiters.get_mut().clear();
        *record.f.get_mut() = None;
        record.lane = None;
        pool::put_record(self);
    }
}

/// A task's link, without its closure's type: what [`Task`] holds.
trait Linked<T> {
    fn link(&self) -> &Link<T>;
    /// Lets go of this handle: see [`TaskCell::release`].
    fn release(self: Rc<Self>);
}

impl<T: 'static, F: FnOnce() -> T + 'static> Linked<T> for TaskCell<T, F> {
    fn link(&self) -> &Link<T> {
        &self.link
    }

    fn release(self: Rc<Self>) {
        TaskCell::release(self);
    }
}

/// A task without its types: what the hub's ready queue holds.
pub(super) trait Start {
    /// Runs the task on its greenlet: its closure, then its ending; then
    /// lets go of the greenlet's handle of the record.
    fn run(self: Rc<Self>, slot: usize);
    /// Lets go of a handle: see [`TaskCell::release`].
    fn release(self: Rc<Self>);
    /// Ends a task whose greenlet could not be made.
    fn fail(&self, hub: &Hub, reason: String);
    /// Drops a task's closure that never ran (at teardown).
    fn discard(&self);
    fn stack_size(&self) -> usize;
    fn lane(&self) -> Option<Lane>;
}

impl<T: 'static, F: FnOnce() -> T + 'static> Start for TaskCell<T, F> {
    fn run(self: Rc<Self>, slot: usize) {
        let Some(f) = self.f.take() else { return };
        // Its own panic is caught here, on its own stack, and kept for
        // whoever joins it: the other tasks carry on.
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            if panic_in::armed() {
                panic_in::strike(&self.link.name());
            }
            f()
        }));
        let hub = the_hub("spawn");
        let result = match result {
            Ok(value) => Ok(value),
            // A kill by `run`'s teardown unwinds with a panic of
            // corosensei's: let it through.
            Err(payload) if hub.closing.get() => panic::resume_unwind(payload),
            Err(payload) => Err(TaskError::Panicked {
                task: self.link.name(),
                message: shared::panic_message(payload.as_ref()),
            }),
        };
        self.link.finish(&hub, result);
        hub.live.borrow_mut()[slot] = None;
        hub.free.borrow_mut().push(slot);
        TaskCell::release(self);
        // Returning switches to our parent, the hub.
    }

    fn release(self: Rc<Self>) {
        TaskCell::release(self);
    }

    fn fail(&self, hub: &Hub, reason: String) {
        let task = self.link.name();
        self.link
            .finish(hub, Err(TaskError::Unfinished { task, reason }));
    }

    fn discard(&self) {
        drop(self.f.take());
    }

    fn stack_size(&self) -> usize {
        self.stack_size
    }

    fn lane(&self) -> Option<Lane> {
        self.lane.clone()
    }
}

impl<T> Task<T> {
    fn link(&self) -> &Link<T> {
        self.cell.link()
    }

    /// Its name: the builder's, or `task N` (N counts spawns in this
    /// `run`, from 0).
    pub fn name(&self) -> String {
        self.link().name()
    }

    /// Whether it has returned or panicked.
    pub fn is_done(&self) -> bool {
        self.link().done.get()
    }
}

impl<T> std::fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task")
            .field("name", &self.name())
            .field("done", &self.is_done())
            .finish()
    }
}

/// Spawns a task with a name, a stack size or a lane: `Greenlet`'s builder
/// shape.
#[derive(Debug, Default)]
pub struct Builder {
    name: Option<String>,
    stack_size: Option<usize>,
    lane: Option<Lane>,
}

impl Builder {
    /// The defaults: `task N`, the hub's stack size, no lane.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Its name, used in errors.
    pub fn name(mut self, name: impl Into<String>) -> Builder {
        self.name = Some(name.into());
        self
    }

    /// Its stack, in bytes.
    pub fn stack_size(mut self, bytes: usize) -> Builder {
        self.stack_size = Some(bytes);
        self
    }

    /// Records its on-CPU stretches on `lane` (lesson 02's
    /// `Builder::trace`).
    pub fn trace(mut self, lane: Lane) -> Builder {
        self.lane = Some(lane);
        self
    }

    // ANCHOR: spawn
    /// Queues the task to run at the hub's next round. Its greenlet and
    /// stack are made when it first runs; if the operating system will not
    /// map a stack then, `joinall` reports it as
    /// [`TaskError::Unfinished`] with the reason.
    ///
    /// # Panics
    ///
    /// Outside [`run`](super::run).
    pub fn spawn<T, F>(self, f: F) -> Task<T>
    where
        T: 'static,
        F: FnOnce() -> T + 'static,
    {
        let hub = the_hub("spawn");
        let number = hub.spawned.replace(hub.spawned.get() + 1);
        let link = Link {
            number,
            name: self.name,
            result: RefCell::new(None),
            done: Cell::new(false),
            waiters: RefCell::new(Vec::new()),
        };
        let stack_size = self.stack_size.unwrap_or(hub.stack_size);
        let cell = TaskCell::new(link, f, stack_size, self.lane);
        // No greenlet yet: the hub makes it when it gets to the task.
        let start: Rc<dyn Start> = cell.clone();
        hub.ready.borrow_mut().push_back(Ready::Start(start));
        Task {
            cell: ManuallyDrop::new(cell),
        }
    }
    // ANCHOR_END: spawn
}

/// Spawns `f` as a task: gevent's `spawn`. It runs when the caller next
/// waits (`sleep`, `joinall`), in spawn order.
///
/// # Panics
///
/// Outside [`run`](super::run).
pub fn spawn<T, F>(f: F) -> Task<T>
where
    T: 'static,
    F: FnOnce() -> T + 'static,
{
    Builder::new().spawn(f)
}

/// Waits until every task has finished and returns their results in
/// order: gevent's `joinall`. A panicked task gives
/// [`TaskError::Panicked`]; a task that can never finish (nothing left
/// that could wake it: gevent's `LoopExit`) gives
/// [`TaskError::Unfinished`]. Each result is taken: joining a task twice
/// gives `Unfinished` the second time.
///
/// # Panics
///
/// Outside [`run`](super::run).
// ANCHOR: joinall
pub fn joinall<T>(tasks: &[Task<T>]) -> Vec<Result<T, TaskError>> {
    let hub = the_hub("joinall");
    let me = Greenlet::current();
    'wait: for task in tasks {
        while !task.is_done() {
            // Ask to be woken when it finishes, and let the hub run.
            task.link().waiters.borrow_mut().push(me.clone());
            hub.switch_to_hub();
            if hub.loop_exit.replace(false) || hub.closing.get() {
                // Nothing can wake us any more (or `run` is ending and
                // we are a killed task's destructor): stop waiting.
                task.link().waiters.borrow_mut().retain(|w| *w != me);
                break 'wait;
            }
        }
    }
    tasks
        .iter()
        .map(|task| {
            task.link().result.borrow_mut().take().unwrap_or_else(|| {
                let reason = if task.is_done() {
                    "its result was taken by an earlier join"
                } else {
                    "nothing left could wake it (gevent's LoopExit)"
                };
                Err(TaskError::Unfinished {
                    task: task.name(),
                    reason: reason.to_owned(),
                })
            })
        })
        .collect()
}
// ANCHOR_END: joinall
