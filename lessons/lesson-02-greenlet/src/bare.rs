//! `bare`: the context switch itself, written by hand (x86_64 Linux only).
//!
//! Every coroutine library, greenlet's C code and corosensei included,
//! bottoms out in about a dozen instructions that save the registers a
//! function must preserve, store the stack pointer, load another one, and
//! restore that stack's registers. This module writes them out twice, and
//! builds the smallest useful thing on them: a [`Fiber`] that any other
//! fiber of its thread can switch to, enough to run the course's
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
//! `call`, left by `ret`. It is correct and slow (5 to 11 times [`switch`]
//! in the same `measure` run, on the course machine): the
//! CPU predicts every `ret` from a small stack of the return addresses
//! its `call`s pushed, and this `ret` goes to the *other* stack's caller,
//! so it is mispredicted every time, and so are the returns after it.
//!
//! [`switch`] saves the same registers, but stores a resume address with
//! the stack and leaves by `jmp` to the other stack's one, inline in the
//! caller: no `call`, no `ret`, nothing for the return predictor to get
//! wrong, and a jump that always goes to the same place is predicted
//! perfectly: 1.4 to 2.5 ns there. corosensei keeps its `call`s and `ret`s paired
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

mod asm;
mod bounce;
mod demo;
mod fiber;

pub use asm::{switch, switch_naked};
pub use bounce::{BareBounce, RawBounce, RawSwitch};
pub(crate) use bounce::figures;
pub use demo::bare_demo;
pub use fiber::{BareError, Fiber};
