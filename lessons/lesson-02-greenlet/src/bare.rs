//! `bare`: the context switch itself, written by hand (x86_64 Linux only).
//!
//! Every coroutine library, greenlet's C code and corosensei included,
//! bottoms out in about a dozen instructions that save the registers a
//! function must preserve, store the stack pointer, load another one, and
//! restore that stack's registers. This module writes them out twice, and
//! builds the smallest useful thing on them: a [`Fiber`] that any other
//! fiber of its thread can switch to, enough to run the seed's
//! `test1`/`test2`.
//!
//! # What is saved, and why that is enough
//!
//! A switch is an ordinary function *call* as far as the compiler of the
//! code around it knows. The x86_64 System V calling convention splits the
//! registers in two:
//!
//! - **caller-saved** (rax, rcx, rdx, rsi, rdi, r8–r11, xmm0–15, flags):
//!   any call may clobber them, so code that needs one after a call has
//!   already saved it on its own stack before calling. We need not save
//!   them: the caller did, on the stack we are about to leave, and finds
//!   them there when its call "returns";
//! - **callee-saved** (rbx, rbp, r12–r15, and rsp): a function must give
//!   them back as it found them. We push the six general ones on the old
//!   stack, store rsp in the fiber, load the other stack's rsp and pop its
//!   six. Then we continue where that stack stopped: in *its* call of the
//!   switch. So a switch is a call that returns somewhere else.
//!
//! The ABI also makes the control bits of MXCSR (SSE rounding and
//! exception masks) and the x87 control word callee-saved. Boost.Context
//! saves them (`stmxcsr`/`fnstcw`) so that a coroutine that changes the
//! rounding mode cannot leak it into another; Rust code never changes
//! them, so we do not, and skip the cost of `ldmxcsr`.
//!
//! # Two ways to come back: `ret` or `jmp`
//!
//! [`switch_naked`] is the textbook switch: a naked function, entered by
//! `call`, left by `ret`. It is correct and slow (about 10 ns here): the
//! CPU predicts every `ret` from a small stack of the return addresses
//! its `call`s pushed, and this `ret` goes to the *other* stack's caller,
//! so it is mispredicted every time, and so are the returns after it.
//!
//! [`switch`] saves the same registers, but stores a resume address with
//! the stack and leaves by `jmp` to the other stack's one, inline in the
//! caller: no `call`, no `ret`, nothing for the return predictor to get
//! wrong, and a jump that always goes to the same place is predicted
//! perfectly. About 1.5 ns. corosensei keeps its `call`s and `ret`s paired
//! for the same reason.
//!
//! # A fiber's stack
//!
//! A suspended fiber's stack, as [`switch`] leaves it; and a new one,
//! made to look as if it had been switched away from, so that the first
//! switch to it "resumes" into `trampoline`, which calls
//! `fiber_entry(fiber)`:
//!
//! ```text
//!      suspended                         new, never run
//!  +--------------------+ high       +--------------------+ <- T, 16-aligned
//!  | frames of the code |            | &fiber_entry       |  T-8
//!  | that called switch |            | fiber's address    |  T-16
//!  +--------------------+            | &trampoline        |  T-24 <- saved rsp
//!  | rbp                |            +--------------------+
//!  | rbx                |            |                    |
//!  | r12                |            |  free, grows down  |
//!  | r13                |            |                    |
//!  | r14                |            |                    |
//!  | r15                |            |                    |
//!  | resume address     | <- saved   |                    |
//!  +--------------------+    rsp     |                    |
//!  |  free, grows down  |            |                    |
//!  +--------------------+            +--------------------+
//!  | guard page         | low        | guard page         |  no access:
//!  +--------------------+            +--------------------+  overflow faults
//! ```
//!
//! The switch pops the resume address and jumps to it: into the suspended
//! code's `switch`, which pops its six registers; or, for a new stack,
//! into `trampoline`, which pops the fiber's address into rdi (the first
//! argument) and the entry point into rax, leaving rsp at T, a multiple
//! of 16, as the ABI requires at a `call`; then `call rax`.
//!
//! # What `bare` leaves out
//!
//! No values on switches (use a `Cell`), and no unwinding: a fiber
//! suspended forever is *leaked*, stack and all, since freeing the memory
//! of values whose destructors never ran would break `Pin`'s promise.
//! corosensei's `force_unwind` is the missing piece, and the reason the
//! lesson's [`Greenlet`](crate::Greenlet) is built on corosensei.

use std::any::Any;
use std::cell::Cell;
use std::fmt;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use corosensei::stack::{DefaultStack, Stack};

// ANCHOR: switch
/// Saves the callee-saved registers and a resume address on the current
/// stack, stores the stack pointer at `*save_sp`, loads `load_sp` and
/// jumps to the resume address found there.
///
/// # Safety
///
/// `load_sp` must be a stack pointer stored by this function (or laid out
/// like a new [`Fiber`]'s) on a stack that is still mapped and not
/// running; `save_sp` must be writable and stay valid until something
/// switches back with it.
#[inline(always)]
pub unsafe fn switch(save_sp: *mut *mut u8, load_sp: *mut u8) {
    // SAFETY: the caller's contract. The asm pushes below rsp (allowed:
    // no `nostack` option), and when it falls through at `2:` (because
    // someone switched back) the six callee-saved registers have been
    // restored, and `clobber_abi` has told the compiler that every
    // caller-saved register may have changed: exactly a function call.
    unsafe {
        core::arch::asm!(
            // Keep the six registers the code around us counts on.
            "push rbp",
            "push rbx",
            "push r12",
            "push r13",
            "push r14",
            "push r15",
            // Where to continue when someone switches back: label 2.
            "lea rax, [rip + 2f]",
            "push rax",
            // The one thing the stack itself cannot hold: where it is.
            "mov [rdi], rsp",
            // The switch. From here on we are on the other stack.
            "mov rsp, rsi",
            "pop rax",
            "jmp rax",
            // We land here when a later switch loads our saved rsp.
            "2:",
            "pop r15",
            "pop r14",
            "pop r13",
            "pop r12",
            "pop rbx",
            "pop rbp",
            in("rdi") save_sp,
            in("rsi") load_sp,
            clobber_abi("sysv64"),
        );
    }
}

/// The bottom frame of every fiber, entered by [`switch`]'s `jmp` on a
/// new stack: calls `fiber_entry(fiber)` with the two words the new stack
/// holds. `fiber_entry` never returns; if it did, `ud2` stops the
/// program rather than run off the top of the stack.
///
/// # Safety
///
/// Only ever jumped to by `switch`, on a stack laid out by `Fiber::new`.
#[unsafe(naked)]
unsafe extern "sysv64" fn trampoline() -> ! {
    core::arch::naked_asm!(
        // Tell unwinders and debuggers that this is the end of the call
        // chain. (A naked function gets no call-frame information from
        // the compiler; we write our own.)
        ".cfi_startproc",
        ".cfi_undefined rip",
        "pop rdi",
        "pop rax",
        "call rax",
        "ud2",
        ".cfi_endproc",
    )
}
// ANCHOR_END: switch

// ANCHOR: switch_naked
/// The textbook switch, as a naked function: saves the callee-saved
/// registers on the current stack, stores the stack pointer at
/// `*save_sp`, loads `load_sp`, restores that stack's registers and
/// returns into it. Only the measurements use it (see the module docs for
/// why its `ret` costs 10 ns).
///
/// # Safety
///
/// As for [`switch`], with stacks laid out for this function: six
/// registers and a return address.
#[unsafe(naked)]
pub unsafe extern "sysv64" fn switch_naked(
    save_sp: *mut *mut u8,
    load_sp: *mut u8,
) {
    // `naked`: the compiler adds no prologue or epilogue, so these
    // instructions are the whole function. rdi = save_sp, rsi = load_sp.
    core::arch::naked_asm!(
        // The caller's return address is at [rsp]: keep the six
        // registers it counts on above it.
        "push rbp",
        "push rbx",
        "push r12",
        "push r13",
        "push r14",
        "push r15",
        "mov [rdi], rsp",
        "mov rsp, rsi",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop rbx",
        "pop rbp",
        // Into the other stack's call of `switch_naked`.
        "ret",
    )
}
// ANCHOR_END: switch_naked

/// The first frame of a stack for `switch_naked`: `ret` lands here with
/// the entry point in r12 and its argument in r13.
///
/// # Safety
///
/// Only ever returned into by `switch_naked`, on a stack laid out by
/// `RawBounce::new`, with rsp at the 16-aligned top of that stack.
#[unsafe(naked)]
unsafe extern "sysv64" fn trampoline_naked() -> ! {
    core::arch::naked_asm!(
        ".cfi_startproc",
        ".cfi_undefined rip",
        "mov rdi, r13",
        "call r12",
        "ud2",
        ".cfi_endproc",
    )
}

/// Writes `words` at the top of `stack`, the first word highest, and
/// returns the address of the last one: a stack pointer to switch to.
fn lay_out(stack: &DefaultStack, words: &[usize]) -> *mut u8 {
    let top = stack.base().get() as *mut usize;
    // SAFETY: a `DefaultStack` is at least 4 KiB of read/write memory
    // below its page-aligned base; `words` is a handful of words, written
    // before anything runs on this stack.
    unsafe {
        for (i, word) in words.iter().enumerate() {
            top.sub(i + 1).write(*word);
        }
        top.sub(words.len()).cast()
    }
}

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

/// Which hand-written switch a [`RawBounce`] uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawSwitch {
    /// [`switch`]: inline, leaves by `jmp`.
    Jump,
    /// [`switch_naked`]: a naked function, leaves by `ret`.
    Naked,
}

/// The two saved stack pointers of a [`RawBounce`], on the heap so that
/// their addresses do not move.
struct RawSps {
    main: Cell<*mut u8>,
    other: Cell<*mut u8>,
}

/// The floor: main and one stack switching back and forth with nothing
/// but the switch, no bookkeeping at all. What `switch_ns_bare` and
/// `switch_ns_bare_naked` measure.
pub struct RawBounce {
    how: RawSwitch,
    sps: Box<RawSps>,
    // Only raw pointers live on it, so it may be unmapped while the loop
    // on it is suspended: no destructor is skipped.
    _stack: DefaultStack,
}

extern "sysv64" fn bounce_jump(sps: *const RawSps) -> ! {
    // SAFETY: `sps` is the `RawBounce`'s box, which outlives every switch
    // to this stack.
    let sps = unsafe { &*sps };
    loop {
        // SAFETY: main's sp was saved by the switch that brought us here.
        unsafe { switch(sps.other.as_ptr(), sps.main.get()) };
    }
}

extern "sysv64" fn bounce_naked(sps: *const RawSps) -> ! {
    // SAFETY: as in `bounce_jump`.
    let sps = unsafe { &*sps };
    loop {
        // SAFETY: as in `bounce_jump`.
        unsafe { switch_naked(sps.other.as_ptr(), sps.main.get()) };
    }
}

impl RawBounce {
    /// Maps a small stack and lays it out for `how`.
    pub fn new(how: RawSwitch) -> io::Result<RawBounce> {
        let stack = DefaultStack::new(16 * 1024)?;
        let sps = Box::new(RawSps {
            main: Cell::new(std::ptr::null_mut()),
            other: Cell::new(std::ptr::null_mut()),
        });
        let arg = std::ptr::from_ref::<RawSps>(&sps) as usize;
        let sp = match how {
            RawSwitch::Jump => lay_out(
                &stack,
                &[
                    bounce_jump as *const () as usize,
                    arg,
                    trampoline as *const () as usize,
                ],
            ),
            // Return address, rbp, rbx, r12 = entry, r13 = arg, r14, r15.
            RawSwitch::Naked => lay_out(
                &stack,
                &[
                    trampoline_naked as *const () as usize,
                    0,
                    0,
                    bounce_naked as *const () as usize,
                    arg,
                    0,
                    0,
                ],
            ),
        };
        sps.other.set(sp);
        Ok(RawBounce {
            how,
            sps,
            _stack: stack,
        })
    }

    /// `round_trips` switches to the other stack and back.
    pub fn run(&mut self, round_trips: u64) {
        let sps = &*self.sps;
        for _ in 0..round_trips {
            // SAFETY: `other` was laid out by `new` or saved by the other
            // side's last switch; the stack is mapped while `self` lives.
            unsafe {
                match self.how {
                    RawSwitch::Jump => {
                        switch(sps.main.as_ptr(), sps.other.get());
                    }
                    RawSwitch::Naked => {
                        switch_naked(sps.main.as_ptr(), sps.other.get());
                    }
                }
            }
        }
    }
}
