//! `Greenlet`: Python's symmetric greenlets on corosensei's asymmetric
//! coroutines.
//!
//! corosensei gives us one move: a *caller* resumes a coroutine, and the
//! coroutine suspends back to that caller. greenlet gives Python a
//! different one: any greenlet can `switch()` to any other, and the
//! switch returns when somebody switches back. This module builds the
//! second on the first with a **trampoline**:
//!
//! - the *main* greenlet is the thread's own stack. When it switches, it
//!   runs the **driver** loop (`drive`), which resumes the target;
//! - a child greenlet never resumes anybody. To switch, it *suspends* to
//!   the driver carrying a note, "switch to X with value v", and the
//!   driver resumes X with v;
//! - when a greenlet's function returns, the driver hands the return value
//!   to its parent the same way; when it panics, the driver hands the
//!   parent an error naming it.
//!
//! So a switch between two children is two corosensei half-switches (child
//! to driver, driver to child), and a switch between main and a child is
//! one. No heap allocation happens on a switch: the note is a handle (a
//! reference count) and the value, moved.
//!
//! # Why `!Send`
//!
//! A suspended greenlet's stack is full of raw state: references into
//! `Rc`s and `RefCell`s of this thread, borrowed locals, thread-local
//! pointers. Resuming it on another thread would let two threads touch that
//! state at once with no lock, so a handle must never leave its thread:
//!
//! ```compile_fail,E0277
//! use lesson_02_greenlet::Greenlet;
//! fn send_to_another_thread<T: Send>(_: T) {}
//! let g: Greenlet = Greenlet::new(|()| ());
//! send_to_another_thread(g); // error: `Rc<...>` cannot be sent between threads
//! ```

use std::any::TypeId;
use std::cell::{Cell, OnceCell, RefCell};
use std::fmt;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::ptr::NonNull;
use std::rc::Rc;

use corosensei::stack::Stack;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use shared::{Lane, State};

use crate::stack::GreenletStack;

/// The stack a greenlet gets unless [`Builder::stack_size`] says otherwise:
/// 1 MiB.
///
/// What it costs: 1 MiB + one 4 KiB guard page of *address space* (one
/// `mmap`), but only the pages the greenlet actually touches become
/// *resident* memory. A small greenlet touches one page: a thousand
/// greenlets that each formatted a string and switched added 4.1 MiB of
/// resident memory on the course machine (`VmRSS`: 4.2 KiB each, one
/// 4 KiB page of stack plus the handle), and 1 GiB of address space
/// (`VmSize`). Address space is plentiful on 64-bit machines (128 TiB);
/// RAM is what counts. The other limit on many greenlets is the kernel's
/// count of mappings per process (`vm.max_map_count`, 65,530 by
/// default): a stack whose guard page is made with `mprotect` is two
/// mappings, so about 32,000 greenlets. The stacks of [`crate::stack`]
/// put their guard in without a mapping of its own on Linux 6.13+, and a
/// freed stack is reused by the next greenlet.
pub const DEFAULT_STACK_SIZE: usize = 1024 * 1024;

/// What arrives at a `switch` (or at a greenlet's start): a value, or an
/// error such as a child's panic. The error is boxed so that a delivery
/// of `()` is one word, which corosensei passes in a register.
type Delivery<V> = Result<V, Box<GreenletError>>;

/// The note a child suspends with: "resume `to`, giving it `value`".
struct Switch<V> {
    to: Greenlet<V>,
    value: V,
}

/// One greenlet's coroutine: resumed with deliveries, suspends with
/// switch notes, returns the function's value.
type Co<V> = Coroutine<Delivery<V>, Switch<V>, V, GreenletStack>;

/// A greenlet's handle for suspending itself to the driver.
type GreenletYielder<V> = Yielder<Delivery<V>, Switch<V>>;

/// Where a child greenlet is in its life is read off its coroutine, which
/// stays in place in a `RefCell` (moving it in and out on every switch
/// costs more than the switch):
///
/// - *fresh*: not `started()`; its function has not run yet;
/// - *suspended*: started, not `done()`; stopped inside a `switch`;
/// - *running*: mutably borrowed, by the driver that resumed it (or by a
///   `kill` unwinding it);
/// - *dead*: `done()`: its function returned or panicked, or it was
///   killed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Life {
    Fresh,
    Suspended,
    Running,
    Dead,
}

/// A greenlet's name: given by its builder, or `greenlet-N`, written out
/// only when someone asks (a hub makes greenlets by the hundred thousand,
/// and formatting a name nobody reads was a tenth of the cost of one).
enum Name {
    Given(String),
    Numbered(u64, OnceCell<String>),
}

impl Name {
    fn as_str(&self) -> &str {
        match self {
            Name::Given(name) => name,
            Name::Numbered(n, name) => {
                name.get_or_init(|| format!("greenlet-{n}"))
            }
        }
    }
}

/// A child greenlet: everything behind its handles.
struct Inner<V> {
    name: Name,
    // First field: dropped first. Dropping a fresh or suspended coroutine
    // unwinds its stack (corosensei's `force_unwind`), so the values on it
    // are dropped while the rest of `Inner` still exists.
    co: RefCell<Co<V>>,
    // Every child has a parent, for its return value and its panic. A
    // strong reference, as in Python: a parent lives as long as its
    // children (a cycle through a stack leaks, like any `Rc` cycle; break
    // it with `kill`).
    parent: Greenlet<V>,
    // The greenlet's own `Yielder`, which lives at the base of its stack
    // for as long as its function runs. Set on its first run.
    yielder: Cell<Option<NonNull<GreenletYielder<V>>>>,
    // The address range of its stack, to check that `switch` is called
    // from this greenlet's own code (see `switch`).
    stack_low: usize,
    stack_high: usize,
    // Where on its stack it last suspended (0: never), for `prefetch`.
    parked: Cell<usize>,
    // If set, the driver records a `Running` span on this lane for every
    // stretch the greenlet spends on the CPU.
    lane: Option<Lane>,
}

/// A greenlet: a function with its own stack that any other greenlet of
/// its thread can [`switch`](Greenlet::switch) to, as in Python's
/// `greenlet` module.
///
/// `V` is the type of the values that travel on switches (`()` by
/// default), shared by every greenlet that switches to another: see the
/// crate docs for why a type parameter and not Python's dynamic `*args`.
///
/// A `Greenlet` is a cheap handle: cloning it copies a pointer and bumps a
/// count (the main greenlet's handle is not even that). The greenlet lives
/// while a handle does; dropping the last handle of a greenlet that has
/// not finished unwinds its stack, running the destructors of the values
/// on it (Python throws `GreenletExit` into it for the same reason).
pub struct Greenlet<V = ()> {
    kind: Kind<V>,
}

enum Kind<V> {
    /// The thread's own stack: never created, never dead, no parent.
    Main,
    /// A greenlet with a stack of its own.
    Child(Rc<Inner<V>>),
}

/// The running child greenlet, type-erased: the address of its `Inner<V>`
/// and the `TypeId` of that `Inner<V>`. A `thread_local!` cannot be
/// generic over `V`, so lookups compare the type id before casting back,
/// and a lookup with the wrong `V` is an error, not UB.
#[derive(Clone, Copy)]
struct Running {
    inner: NonNull<()>,
    type_id: TypeId,
}

thread_local! {
    /// The child greenlet on the CPU now, or `None` when it is the main
    /// greenlet (the thread's own stack). A `Cell` of a `Copy` value with
    /// a `const` initialiser: reading it is one load from thread-local
    /// memory, no lazy initialisation, no destructor to register.
    static CURRENT: Cell<Option<Running>> = const { Cell::new(None) };

    /// Numbers for greenlets built without a name: `greenlet-1`, ...
    static UNNAMED: Cell<u64> = const { Cell::new(0) };
}

/// What can go wrong with a switch or a kill. Each names the greenlet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GreenletError {
    /// The target's function has returned or panicked, or it was killed:
    /// there is nothing left to resume. (Python's greenlet quietly
    /// switches to the dead greenlet's parent instead; a value is easier
    /// to notice.)
    Dead {
        /// The dead greenlet.
        name: String,
    },
    /// A greenlet's function panicked. Its stack has been unwound; this
    /// error is what its parent's pending `switch` returns, the way
    /// Python re-raises a greenlet's exception in its parent. `?` carries
    /// it on up.
    Panicked {
        /// The greenlet that panicked.
        name: String,
        /// The panic's message.
        message: String,
    },
    /// `switch` was called while the running greenlet named here is not the
    /// code that called it: from inside some other coroutine library's
    /// coroutine, or from a destructor while another greenlet was being
    /// unwound. Switching from there would suspend the wrong stack.
    OffStack {
        /// The greenlet that is on the CPU.
        name: String,
    },
    /// A greenlet with values of another type is running. A thread's
    /// greenlets of different `V`s cannot switch to each other.
    ValueType {
        /// The greenlet switched to.
        name: String,
    },
    /// `kill` was asked to kill the main greenlet or the running one: a
    /// greenlet ends itself by returning.
    Unkillable {
        /// The greenlet.
        name: String,
    },
}

impl fmt::Display for GreenletError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GreenletError::Dead { name } => {
                write!(f, "cannot switch to {name}: it has finished")
            }
            GreenletError::Panicked { name, message } => {
                write!(f, "greenlet {name} panicked: {message}")
            }
            GreenletError::OffStack { name } => write!(
                f,
                "switch called off the stack of the running greenlet \
                 {name} (from another coroutine, or a destructor)"
            ),
            GreenletError::ValueType { name } => write!(
                f,
                "cannot switch to {name}: the running greenlet switches \
                 values of another type"
            ),
            GreenletError::Unkillable { name } => write!(
                f,
                "cannot kill {name}: it is the main or the running greenlet"
            ),
        }
    }
}

impl std::error::Error for GreenletError {}

/// Builds a greenlet with a name, a stack size or a parent other than the
/// defaults: `std::thread::Builder`'s shape.
///
/// ```
/// use lesson_02_greenlet::Greenlet;
///
/// let doubler = Greenlet::<u64>::builder()
///     .name("doubler")
///     .stack_size(64 * 1024)
///     .build(|x| x * 2)?;
/// assert_eq!(doubler.switch(21)?, 42); // its return value comes back
/// assert!(doubler.is_dead());
/// # Ok::<(), shared::Error>(())
/// ```
#[derive(Debug)]
pub struct Builder<V> {
    name: Option<String>,
    stack_size: usize,
    parent: Option<Greenlet<V>>,
    lane: Option<Lane>,
}

impl<V: 'static> Default for Builder<V> {
    fn default() -> Self {
        Builder::new()
    }
}

impl<V: 'static> Builder<V> {
    /// The defaults: named `greenlet-N`, [`DEFAULT_STACK_SIZE`], the
    /// current greenlet as parent.
    pub fn new() -> Self {
        Builder {
            name: None,
            stack_size: DEFAULT_STACK_SIZE,
            parent: None,
            lane: None,
        }
    }

    /// Its name, used in errors and `Debug`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Its stack, in bytes (rounded up to pages; at least 4 KiB). Too small
    /// a stack ends the process with a segmentation fault when the
    /// greenlet runs into the guard page below it.
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = bytes;
        self
    }

    /// Its parent, instead of the greenlet that builds it.
    pub fn parent(mut self, parent: &Greenlet<V>) -> Self {
        self.parent = Some(parent.clone());
        self
    }

    /// Records a `Running` span on `lane` each time it gets the CPU: the
    /// timeline's "who ran when".
    pub fn trace(mut self, lane: Lane) -> Self {
        self.lane = Some(lane);
        self
    }

    /// Maps its stack and creates it, suspended before `f`'s first line.
    /// The first `switch` to it calls `f` with the switched value; what `f`
    /// returns goes to the parent.
    ///
    /// Fails if the operating system will not map the stack.
    ///
    /// # Panics
    ///
    /// Without an explicit parent, if the running greenlet has another
    /// value type (see [`Greenlet::current`]).
    pub fn build<F>(self, f: F) -> io::Result<Greenlet<V>>
    where
        F: FnOnce(V) -> V + 'static,
    {
        let name = self.take_name();
        let stack = GreenletStack::new(self.stack_size).map_err(|e| {
            let name = name.as_str();
            io::Error::new(e.kind(), format!("no stack for {name}: {e}"))
        })?;
        let (stack_low, stack_high) = (stack.limit().get(), stack.base().get());
        let inner = Inner {
            name,
            co: RefCell::new(Coroutine::with_stack(stack, body(f))),
            parent: self.parent.unwrap_or_else(Greenlet::current),
            yielder: Cell::new(None),
            stack_low,
            stack_high,
            parked: Cell::new(0),
            lane: self.lane,
        };
        Ok(Greenlet {
            kind: Kind::Child(Rc::new(inner)),
        })
    }

    /// [`build`](Builder::build), in the memory of a dead greenlet: its
    /// handle's allocation and its stack, if the stack has the size asked
    /// for (else the shell is dropped and a new greenlet built). No
    /// allocation and no system call: what a scheduler that makes
    /// greenlets by the hundred thousand does with the ones that finished
    /// (lesson 03's hub).
    pub fn build_in<F>(self, shell: Shell<V>, f: F) -> io::Result<Greenlet<V>>
    where
        F: FnOnce(V) -> V + 'static,
    {
        let Shell(mut inner) = shell;
        let Some(reused) = Rc::get_mut(&mut inner)
            .filter(|reused| reused.stack_size() == usable(self.stack_size))
        else {
            return self.build(f);
        };
        let name = self.take_name();
        let co = reused.co.get_mut();
        // The dead coroutine gives its stack to the new one, in place. The
        // read leaves `*co` a bitwise copy that must not be dropped: it is
        // overwritten before anything can look at it.
        let abort = AbortOnUnwind;
        // SAFETY: `co` is a valid, initialised coroutine (we have the only
        // handle, so nothing else reads it); after `ptr::read` we own its
        // value and `*co` is treated as uninitialised until `ptr::write`
        // fills it. Nothing between them can unwind: `into_stack` only
        // panics for a coroutine that has not finished, and a shell's has
        // (`Greenlet::into_shell` checks it), and `AbortOnUnwind` would
        // end the process before a double drop could happen.
        unsafe {
            let stack = std::ptr::read(co).into_stack();
            std::ptr::write(co, Coroutine::with_stack(stack, body(f)));
        }
        std::mem::forget(abort);
        reused.name = name;
        reused.parent = self.parent.unwrap_or_else(Greenlet::current);
        reused.yielder.set(None);
        reused.parked.set(0);
        reused.lane = self.lane;
        Ok(Greenlet {
            kind: Kind::Child(inner),
        })
    }

    /// Its name: the builder's, or the next `greenlet-N`.
    fn take_name(&self) -> Name {
        match &self.name {
            Some(name) => Name::Given(name.clone()),
            None => {
                let n = UNNAMED.get() + 1;
                UNNAMED.set(n);
                Name::Numbered(n, OnceCell::new())
            }
        }
    }
}

/// Ends the process if dropped while unwinding: guards a stretch of code
/// that must not unwind (it is `forget`ten at the end of that stretch).
struct AbortOnUnwind;

impl Drop for AbortOnUnwind {
    fn drop(&mut self) {
        std::process::abort();
    }
}

/// The usable bytes of a stack asked for with `size`, as
/// [`GreenletStack::new`] rounds it.
fn usable(size: usize) -> usize {
    GreenletStack::usable_size(size)
}

/// A greenlet's function as corosensei runs it: on its first run it
/// leaves its yielder where `switch` finds it, then calls `f`.
fn body<V: 'static, F>(
    f: F,
) -> impl FnOnce(&GreenletYielder<V>, Delivery<V>) -> V + 'static
where
    F: FnOnce(V) -> V + 'static,
{
    move |yielder: &GreenletYielder<V>, first: Delivery<V>| {
        // First run: the driver has just made us current. Leave our
        // yielder where our `switch` calls can find it.
        if let Ok(Some(me)) = running::<V>() {
            me.yielder.set(Some(NonNull::from(yielder)));
        }
        match first {
            Ok(value) => f(value),
            // The driver never starts a greenlet with an error: an error
            // for a fresh greenlet kills it unstarted instead.
            Err(error) => unreachable!("started with {error}"),
        }
    }
}

/// A dead greenlet's memory (its handle's allocation and its stack),
/// ready to be built into a new greenlet with [`Builder::build_in`]: from
/// [`Greenlet::into_shell`]. It holds no parent and no function, so
/// dropping it only frees memory.
pub struct Shell<V = ()>(Rc<Inner<V>>);

impl<V> Shell<V> {
    /// Starts loading into the CPU's cache the top of its stack, which
    /// building a greenlet in it writes first: see
    /// [`Greenlet::prefetch`].
    #[inline]
    pub fn prefetch(&self) {
        // The handle (building in it writes most of its fields), and the
        // stack as deep as its last greenlet went: the next one, built by
        // the same scheduler, usually runs the same code to the same
        // depth.
        crate::arch::prefetch(Rc::as_ptr(&self.0) as usize, 3);
        self.0.prefetch_stack();
    }
}

impl<V> fmt::Debug for Shell<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shell")
            .field("stack_size", &self.0.stack_size())
            .finish()
    }
}

impl<V> Inner<V> {
    /// Starts loading its stack from 128 bytes below where it last
    /// stopped up to the top, at most 16 lines (a KiB); the top two lines
    /// if it never stopped (corosensei's start frame is there).
    #[inline]
    fn prefetch_stack(&self) {
        let parked = self.parked.get();
        if parked != 0 {
            let lines = (self.stack_high - parked + 128).div_ceil(64);
            crate::arch::prefetch(parked - 128, lines.min(16));
        } else {
            crate::arch::prefetch(self.stack_high - 128, 2);
        }
    }

    /// Usable bytes of its stack.
    fn stack_size(&self) -> usize {
        self.stack_high - self.stack_low - crate::stack::page_size()
    }
}

/// The running greenlet if it has value type `V`: `Ok(None)` for main,
/// `Err(())` for a greenlet of another type.
#[inline(always)]
fn running<'a, V: 'static>() -> Result<Option<&'a Inner<V>>, ()> {
    match CURRENT.get() {
        None => Ok(None),
        Some(running) if running.type_id == TypeId::of::<Inner<V>>() => {
            // SAFETY: `drive` stores the address of an `Inner<V>` (the
            // type id says so) and holds an `Rc` to it for as long as the
            // greenlet runs, clearing `CURRENT` before it lets that `Rc`
            // go; so the pointee is alive while it is current. The `'a`
            // is only used within a `switch` or `current` call made by
            // the running greenlet, during which it stays alive.
            Ok(Some(unsafe { running.inner.cast::<Inner<V>>().as_ref() }))
        }
        Some(_) => Err(()),
    }
}

/// The address of a local variable: somewhere on the stack we run on.
#[inline(always)]
fn stack_here() -> usize {
    let probe = 0u8;
    std::hint::black_box(&raw const probe) as usize
}

// ANCHOR: switch
impl<V: 'static> Greenlet<V> {
    // ANCHOR_END: switch
    /// Switches to this greenlet, handing it `value`; returns the value of
    /// whatever switch (or return, or panic) next brings control back.
    ///
    /// - If this greenlet has not started, its function starts with
    ///   `value` as its argument.
    /// - If it is suspended in a `switch`, that `switch` returns `value`.
    /// - Switching to the running greenlet returns `value` at once;
    ///   switching to a dead one returns [`GreenletError::Dead`].
    /// - When we are resumed because a child of ours returned, we get its
    ///   return value; because it panicked, [`GreenletError::Panicked`].
    // ANCHOR: switch
    // Always inlined, so that a greenlet resumed inside `suspend`
    // continues in its caller's own frame: see "Why `switch` is
    // inlined" in the crate docs.
    #[inline(always)]
    pub fn switch(&self, value: V) -> Result<V, GreenletError> {
        // Who is switching? The main greenlet drives; a child suspends.
        let me = match running::<V>() {
            Ok(Some(me)) => me,
            Ok(None) => return self.switch_from_main(value),
            Err(()) => return Err(self.value_type_error()),
        };
        // ANCHOR_END: switch
        if let Kind::Child(target) = &self.kind
            && std::ptr::eq(Rc::as_ptr(target), me)
        {
            return Ok(value);
        }
        if self.is_dead() {
            return Err(GreenletError::Dead {
                name: self.name().to_owned(),
            });
        }
        // The running greenlet's yielder may only be used by code running
        // on its stack: anything else (another library's coroutine, a
        // destructor run by a kill) would suspend the wrong stack.
        let here = stack_here();
        let Some(yielder) = me
            .yielder
            .get()
            .filter(|_| (me.stack_low..me.stack_high).contains(&here))
        else {
            let name = me.name.as_str().to_owned();
            return Err(GreenletError::OffStack { name });
        };
        // SAFETY: the yielder was stored by this greenlet's own first run
        // and lives at the base of its stack until its function returns;
        // it has not returned (we are inside it: our stack address is in
        // its stack), so the pointer is valid and we are the code that
        // may use it.
        let yielder = unsafe { yielder.as_ref() };
        // ANCHOR: switch
        // Here the stack switches: to the driver, which resumes `self`.
        // We come back when someone switches to us.
        let switch = Switch {
            to: self.clone(),
            value,
        };
        // ANCHOR_END: switch
        me.parked.set(here); // where we stop: a hint for `prefetch`
        // ANCHOR: switch
        yielder.suspend(switch).map_err(|error| *error)
    }

    // ANCHOR_END: switch
    #[cold]
    fn value_type_error(&self) -> GreenletError {
        GreenletError::ValueType {
            name: self.name().to_owned(),
        }
    }

    // ANCHOR: switch
    /// The main greenlet switches by running the driver until control
    /// comes back to it. Not inlined: the driver is big, and only
    /// main's switches need it.
    #[inline(never)]
    fn switch_from_main(&self, value: V) -> Result<V, GreenletError> {
        match &self.kind {
            Kind::Main => Ok(value),
            Kind::Child(_)
                if matches!(self.life(), Life::Fresh | Life::Suspended) =>
            {
                drive(self.clone(), Ok(value)).map_err(|error| *error)
            }
            // Dead, or being unwound by a kill that is running one of its
            // destructors (which called us): there is nothing to resume.
            Kind::Child(_) => Err(GreenletError::Dead {
                name: self.name().to_owned(),
            }),
        }
    }
}

// ANCHOR_END: switch

// ANCHOR: drive
/// The trampoline, run by the main greenlet: resume `to` with `delivery`,
/// and keep resuming whoever the last one switches to, until someone
/// switches (or returns, or panics) to main.
fn drive<V: 'static>(
    mut to: Greenlet<V>,
    mut delivery: Delivery<V>,
) -> Delivery<V> {
    loop {
        let Kind::Child(inner) = to.kind else {
            return delivery; // to main: our own `switch` returns it
        };
        // ANCHOR_END: drive
        // Borrowing the coroutine mutably is what marks it running.
        let Ok(mut co) = inner.co.try_borrow_mut() else {
            // Being unwound by a kill: as good as dead. Go to its parent.
            to = inner.parent.clone();
            continue;
        };
        if co.done() {
            // Returning to a dead parent (or switched to a greenlet that
            // died meanwhile): go on to its parent, as greenlet does. Main
            // never dies, so this ends.
            drop(co);
            to = inner.parent.clone();
            continue;
        }
        if delivery.is_err() && !co.started() {
            // A child's panic arriving at a greenlet that never ran (its
            // parent, given with `Builder::parent`): like Python's
            // `throw()` into an unstarted greenlet, it dies unstarted
            // (dropping its function) and the error travels on.
            co.force_unwind();
            drop(co);
            to = inner.parent.clone();
            continue;
        }
        let started = inner.lane.as_ref().map(|lane| lane.trace().now());
        // Make it current for its `switch` calls, resume it, and put back
        // whoever was current (main, usually) when it comes back.
        let previous = CURRENT.replace(Some(Running {
            inner: NonNull::from(&*inner).cast(),
            type_id: TypeId::of::<Inner<V>>(),
        }));
        // ANCHOR: drive
        // A panic in the greenlet was caught at the bottom of its stack by
        // corosensei and is re-raised by `resume`, here on ours. We catch
        // it again and deliver it to the parent as a value.
        // `AssertUnwindSafe`: after a panic the greenlet is dead, and
        // nothing it left half-updated can be reached through it.
        let result =
            panic::catch_unwind(AssertUnwindSafe(|| co.resume(delivery)));
        // ANCHOR_END: drive
        CURRENT.set(previous);
        drop(co);
        if let (Some(lane), Some(started)) = (&inner.lane, started) {
            let now = lane.trace().now();
            lane.record_span(State::Running, "on cpu", started, now);
        }
        // ANCHOR: drive

        match result {
            // It switched: resume whom it named, with its value.
            Ok(CoroutineResult::Yield(Switch { to: next, value })) => {
                to = next;
                delivery = Ok(value);
            }
            // It returned: its value goes to its parent.
            Ok(CoroutineResult::Return(value)) => {
                to = inner.parent.clone();
                delivery = Ok(value);
            }
            // It panicked: its parent gets the error.
            Err(payload) => {
                to = inner.parent.clone();
                delivery = Err(Box::new(GreenletError::Panicked {
                    name: inner.name.as_str().to_owned(),
                    message: shared::panic_message(payload.as_ref()),
                }));
            }
        }
    }
}
// ANCHOR_END: drive

impl<V: 'static> Greenlet<V> {
    /// Creates a greenlet that will run `f`, with the defaults of
    /// [`Builder`]: a generated name, a [`DEFAULT_STACK_SIZE`] stack, and
    /// the current greenlet as parent. Python: `greenlet(run)`.
    ///
    /// # Panics
    ///
    /// If the operating system will not map a stack (as `thread::spawn`
    /// panics when it cannot make a thread; use [`Builder::build`] to get
    /// the error instead), or if the running greenlet has another value
    /// type.
    pub fn new<F>(f: F) -> Greenlet<V>
    where
        F: FnOnce(V) -> V + 'static,
    {
        Builder::new()
            .build(f)
            .unwrap_or_else(|e| panic!("cannot create a greenlet: {e}"))
    }

    /// A [`Builder`], to set a name, a stack size, a parent or a lane.
    pub fn builder() -> Builder<V> {
        Builder::new()
    }

    /// The greenlet running now: Python's `greenlet.getcurrent()`.
    ///
    /// # Panics
    ///
    /// If the running greenlet switches values of another type than `V`.
    pub fn current() -> Greenlet<V> {
        match running::<V>() {
            Ok(None) => Greenlet::main(),
            Ok(Some(inner)) => {
                let inner = std::ptr::from_ref(inner);
                // SAFETY: `inner` is the running greenlet's `Inner<V>`,
                // owned by an `Rc` that `drive` holds (see `running`); so
                // it came from `Rc::into_raw`'s kind of pointer, and one
                // more strong count is ours to take.
                let inner = unsafe {
                    Rc::increment_strong_count(inner);
                    Rc::from_raw(inner)
                };
                Greenlet {
                    kind: Kind::Child(inner),
                }
            }
            Err(()) => panic!(
                "Greenlet::current: the running greenlet has another value \
                 type"
            ),
        }
    }

    /// The main greenlet of this thread: its own stack.
    pub fn main() -> Greenlet<V> {
        Greenlet { kind: Kind::Main }
    }

    /// Kills a greenlet that is not running: unwinds its stack now, on the
    /// caller's stack, so the values on it are dropped; then it is dead.
    /// Killing a dead greenlet does nothing. (gevent's `kill`.)
    ///
    /// While it unwinds, [`Greenlet::current`] is still the killer, and a
    /// `switch` from one of its destructors returns
    /// [`GreenletError::OffStack`]. A destructor that panics during the
    /// unwind aborts the process, as a panic while panicking does.
    pub fn kill(&self) -> Result<(), GreenletError> {
        let unkillable = || GreenletError::Unkillable {
            name: self.name().to_owned(),
        };
        let Kind::Child(inner) = &self.kind else {
            return Err(unkillable());
        };
        // Borrowed: it is running (we are it, or inside it).
        let Ok(mut co) = inner.co.try_borrow_mut() else {
            return Err(unkillable());
        };
        // Unwinds a suspended coroutine (corosensei resumes it with a
        // special panic that starts at its `suspend`), drops a fresh
        // one's function, does nothing to a finished one.
        co.force_unwind();
        Ok(())
    }

    /// This dead greenlet's memory, to build the next greenlet in
    /// ([`Builder::build_in`]), if this is its last handle; else the
    /// greenlet back. Its parent is let go (a shell must not keep a live
    /// greenlet alive, nor be one to unwind at thread exit).
    pub fn into_shell(self) -> Result<Shell<V>, Greenlet<V>> {
        let Kind::Child(mut inner) = self.kind else {
            return Err(self);
        };
        let dead = inner.co.try_borrow().is_ok_and(|co| co.done());
        match Rc::get_mut(&mut inner) {
            Some(shell) if dead => {
                shell.parent = Greenlet::main();
                shell.lane = None;
                Ok(Shell(inner))
            }
            _ => Err(Greenlet {
                kind: Kind::Child(inner),
            }),
        }
    }
}

impl<V> Greenlet<V> {
    /// Its name: `main`, the builder's name, or `greenlet-N`.
    pub fn name(&self) -> &str {
        match &self.kind {
            Kind::Main => "main",
            Kind::Child(inner) => inner.name.as_str(),
        }
    }

    /// Its parent; `None` for main.
    pub fn parent(&self) -> Option<Greenlet<V>> {
        match &self.kind {
            Kind::Main => None,
            Kind::Child(inner) => Some(inner.parent.clone()),
        }
    }

    /// A hint, for schedulers: start loading into the CPU's cache the
    /// part of this greenlet's stack that switching to it will touch:
    /// from just below where it stopped up to the top of its stack (at
    /// most a KiB), since a resumed task usually returns through every
    /// frame it had. A scheduler that knows which greenlet comes next calls this
    /// before switching to the current one, so that the memory arrives
    /// while the current one runs. With a hundred thousand greenlets,
    /// their stacks do not fit in any cache, and resuming one without
    /// this waits for main memory (lesson 03's hub).
    #[inline]
    pub fn prefetch(&self) {
        if let Kind::Child(inner) = &self.kind {
            inner.prefetch_stack();
        }
    }

    /// Whether this is the thread's main greenlet.
    pub fn is_main(&self) -> bool {
        matches!(self.kind, Kind::Main)
    }

    /// Whether its function has started (main: always).
    pub fn is_started(&self) -> bool {
        self.life() != Life::Fresh
    }

    /// Whether it has returned, panicked or been killed (main: never).
    pub fn is_dead(&self) -> bool {
        self.life() == Life::Dead
    }

    fn life(&self) -> Life {
        match &self.kind {
            Kind::Main => Life::Running,
            Kind::Child(inner) => match inner.co.try_borrow() {
                Err(_) => Life::Running,
                Ok(co) if co.done() => Life::Dead,
                Ok(co) if co.started() => Life::Suspended,
                Ok(_) => Life::Fresh,
            },
        }
    }
}

impl<V> Clone for Greenlet<V> {
    fn clone(&self) -> Self {
        let kind = match &self.kind {
            Kind::Main => Kind::Main,
            Kind::Child(inner) => Kind::Child(Rc::clone(inner)),
        };
        Greenlet { kind }
    }
}

/// Two handles are equal when they name the same greenlet.
impl<V> PartialEq for Greenlet<V> {
    fn eq(&self, other: &Self) -> bool {
        match (&self.kind, &other.kind) {
            (Kind::Main, Kind::Main) => true,
            (Kind::Child(a), Kind::Child(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl<V> Eq for Greenlet<V> {}

impl<V> fmt::Debug for Greenlet<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.life() {
            _ if self.is_main() => "main",
            Life::Fresh => "fresh",
            Life::Suspended => "suspended",
            Life::Running => "running",
            Life::Dead => "dead",
        };
        f.debug_struct("Greenlet")
            .field("name", &self.name())
            .field("state", &state)
            .finish()
    }
}
