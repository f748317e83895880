//! Lesson 02, `bare`: [`Fiber`], a greenlet without values on the
//! hand-written [`switch`]: a stack, a parent, and the bookkeeping that
//! lets any fiber of a thread switch to any other and hand its panic to
//! its parent when it ends.

use std::any::Any;
use std::cell::Cell;
use std::fmt;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use corosensei::stack::{DefaultStack, Stack};

use super::asm::{lay_out, switch, trampoline};

/// A fiber's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Life {
    Fresh,
    Suspended,
    Running,
    Dead,
}

struct FiberInner {
    name: String,
    // The saved stack pointer while it is not running.
    sp: Cell<*mut u8>,
    life: Cell<Life>,
    // `None` for main, which runs on the thread's own stack.
    stack: Option<DefaultStack>,
    parent: Option<Fiber>,
    body: Cell<Option<Box<dyn FnOnce()>>>,
}

/// A function on a stack of its own that any fiber of this thread can
/// switch to: a greenlet without values, built on [`switch`]. Like a
/// `Greenlet` it is `!Send` (it holds an `Rc`), for the same reason: its
/// suspended stack belongs to this thread.
///
/// ```compile_fail,E0277
/// use lesson_02_greenlet::bare::Fiber;
/// fn send_to_another_thread<T: Send>(_: T) {}
/// let fiber = Fiber::new("f", 64 * 1024, || ()).unwrap();
/// send_to_another_thread(fiber); // error: `Rc<...>` is not `Send`
/// ```
#[derive(Clone)]
pub struct Fiber {
    inner: Rc<FiberInner>,
}

/// A finished fiber, with its panic if it had one.
type Retired = (Fiber, Option<Box<dyn Any + Send>>);

thread_local! {
    /// The thread's own stack, as a fiber.
    static MAIN: Fiber = Fiber {
        inner: Rc::new(FiberInner {
            name: "main".to_owned(),
            sp: Cell::new(std::ptr::null_mut()),
            life: Cell::new(Life::Running),
            stack: None,
            parent: None,
            body: Cell::new(None),
        }),
    };
    /// The fiber on the CPU. Null until this thread first makes or names
    /// a fiber; main from then on. A plain pointer: the running fiber is
    /// kept alive by its own `fiber_entry` frame (or, for main, by MAIN).
    static RUNNING: Cell<*const FiberInner> =
        const { Cell::new(std::ptr::null()) };
    /// A fiber that has just finished: kept alive until we are off its
    /// stack, then dropped by whoever it switched to.
    static RETIRED: Cell<Option<Retired>> = const { Cell::new(None) };
}

/// What can go wrong with a bare switch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BareError {
    /// The fiber has finished.
    Dead {
        /// Its name.
        name: String,
    },
    /// `switch` was not called from the running fiber's own stack.
    OffStack,
}

impl fmt::Display for BareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BareError::Dead { name } => {
                write!(f, "cannot switch to fiber {name}: it has finished")
            }
            BareError::OffStack => {
                f.write_str("switch called off the running fiber's stack")
            }
        }
    }
}

impl std::error::Error for BareError {}

impl Fiber {
    /// The thread's main fiber: its own stack.
    pub fn main() -> Fiber {
        let main = MAIN.with(Fiber::clone);
        if RUNNING.get().is_null() {
            RUNNING.set(Rc::as_ptr(&main.inner));
        }
        main
    }

    /// The fiber running now.
    pub fn current() -> Fiber {
        let main = Fiber::main(); // also makes RUNNING non-null
        let running = RUNNING.get();
        if std::ptr::eq(running, Rc::as_ptr(&main.inner)) {
            return main;
        }
        // SAFETY: RUNNING points at a live `FiberInner` owned by an `Rc`
        // (see RUNNING), so we may take one more strong count of it.
        unsafe {
            Rc::increment_strong_count(running);
            Fiber {
                inner: Rc::from_raw(running),
            }
        }
    }

    /// Maps a stack (with a guard page below it) and lays it out for the
    /// first switch; `body` runs on it then. Its parent is the current
    /// fiber, which gets control back when `body` returns.
    pub fn new(
        name: impl Into<String>,
        stack_size: usize,
        body: impl FnOnce() + 'static,
    ) -> io::Result<Fiber> {
        let name = name.into();
        // corosensei's `DefaultStack`: one `mmap` of PROT_NONE for the
        // whole range, then `mprotect` of all but the lowest page to
        // read/write. The kernel hands out pages on first touch.
        let stack = DefaultStack::new(stack_size).map_err(|e| {
            io::Error::new(e.kind(), format!("no stack for {name}: {e}"))
        })?;
        let inner = Rc::new(FiberInner {
            name,
            sp: Cell::new(std::ptr::null_mut()),
            life: Cell::new(Life::Fresh),
            stack: Some(stack),
            parent: Some(Fiber::current()),
            body: Cell::new(Some(Box::new(body))),
        });
        // The new stack of the module docs' picture, top down.
        let stack = inner.stack.as_ref().expect("just mapped");
        let sp = lay_out(
            stack,
            &[
                fiber_entry as *const () as usize,
                Rc::as_ptr(&inner) as usize,
                trampoline as *const () as usize,
            ],
        );
        inner.sp.set(sp);
        Ok(Fiber { inner })
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Whether its body has returned (or panicked).
    pub fn is_dead(&self) -> bool {
        self.inner.life.get() == Life::Dead
    }

    /// Switches from the running fiber to this one; returns when some
    /// fiber switches back (or a child of ours finishes). A panic in a
    /// child's body is re-raised here, in its parent.
    // Always inlined, like `switch` itself: a fiber resumed here then
    // continues in its caller's frame, with no `ret` to mispredict.
    #[inline(always)]
    pub fn switch(&self) -> Result<(), BareError> {
        let me = RUNNING.get();
        if me.is_null() || std::ptr::eq(me, Rc::as_ptr(&self.inner)) {
            // Null: no fiber was ever made on this thread, so `self` is
            // main, and main is running.
            return Ok(());
        }
        // SAFETY: RUNNING points at the live running fiber (see RUNNING).
        let me = unsafe { &*me };
        if self.is_dead() {
            let name = self.name().to_owned();
            return Err(BareError::Dead { name });
        }
        // Only the running fiber's own code may save its stack pointer.
        if let Some(stack) = &me.stack {
            let here = {
                let probe = 0u8;
                std::hint::black_box(&raw const probe) as usize
            };
            if !(stack.limit().get()..stack.base().get()).contains(&here) {
                return Err(BareError::OffStack);
            }
        }
        me.life.set(Life::Suspended);
        self.inner.life.set(Life::Running);
        RUNNING.set(Rc::as_ptr(&self.inner));
        // SAFETY: `self` is fresh or suspended (not dead, and not running:
        // it is not `me`), so its saved sp was laid out by `new` or saved
        // by an earlier switch, on a stack `self` keeps mapped. We save
        // ours into `me`, which stays alive while we are suspended: we are
        // in its body, whose `fiber_entry` frame holds it (or it is main).
        unsafe { switch(me.sp.as_ptr(), self.inner.sp.get()) };
        // Someone switched back to us.
        after_switch();
        Ok(())
    }
}

/// Runs on the destination side of every switch: frees a fiber that has
/// just finished (now that we are off its stack) and re-raises its panic.
#[inline(always)]
fn after_switch() {
    if let Some((finished, panic)) = RETIRED.take() {
        drop(finished);
        if let Some(payload) = panic {
            panic::resume_unwind(payload);
        }
    }
}

/// Where every fiber starts (called by [`trampoline`]), and how it ends:
/// runs the body, then switches to its parent for good.
///
/// # Safety
///
/// `fiber` is the address of a live `FiberInner` owned by an `Rc`.
unsafe extern "sysv64" fn fiber_entry(fiber: *const FiberInner) -> ! {
    after_switch();
    // SAFETY: whoever switched here holds a handle to us (the `&self` of
    // its `switch`), and cannot drop it before we take our own here.
    let me = unsafe {
        Rc::increment_strong_count(fiber);
        Fiber {
            inner: Rc::from_raw(fiber),
        }
    };
    let body = me.inner.body.take();
    // A panic must not unwind into `trampoline`: there is no frame below.
    // Catch it here and carry it to the parent.
    let panic = panic::catch_unwind(AssertUnwindSafe(|| {
        if let Some(body) = body {
            body();
        }
    }))
    .err();
    me.inner.life.set(Life::Dead);
    // Up the parents to one that is alive (main always is).
    let mut parent = me.inner.parent.clone().unwrap_or_else(Fiber::main);
    while parent.is_dead() {
        parent = parent.inner.parent.clone().unwrap_or_else(Fiber::main);
    }
    parent.inner.life.set(Life::Running);
    RUNNING.set(Rc::as_ptr(&parent.inner));
    let (save_sp, load_sp) = (me.inner.sp.as_ptr(), parent.inner.sp.get());
    // Nothing with a destructor may stay on this stack: it never resumes.
    // The parent lives on (its own frame, or MAIN, holds it); our handle
    // goes to RETIRED, for the parent to drop once it is off our stack.
    drop(parent);
    RETIRED.set(Some((me, panic)));
    // SAFETY: the parent is suspended in a switch (alive, and not us), so
    // `load_sp` is its saved sp; `save_sp` points into our `FiberInner`,
    // alive in RETIRED until the parent takes it.
    unsafe { switch(save_sp, load_sp) };
    unreachable!("a finished fiber was resumed")
}

impl fmt::Debug for Fiber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fiber")
            .field("name", &self.inner.name)
            .field("life", &self.inner.life.get())
            .finish()
    }
}
