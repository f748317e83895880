//! Lesson 02, `bare`: the two hand-written switches in assembly, and the
//! trampolines that start a new stack. See the [`bare`](super) module's
//! docs for what is saved and why, and for the new stack's layout.

use corosensei::stack::{DefaultStack, Stack};

/// Saves the callee-saved registers and a resume address on the current
/// stack, stores the stack pointer at `*save_sp`, loads `load_sp` and
/// jumps to the resume address found there.
///
/// # Safety
///
/// `load_sp` must be a stack pointer stored by this function (or laid out
/// like a new [`Fiber`](super::Fiber)'s) on a stack that is still mapped and not
/// running; `save_sp` must be writable and stay valid until something
/// switches back with it.
// ANCHOR: switch
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
// ANCHOR_END: switch

// ANCHOR: trampoline
/// The bottom frame of every fiber, entered by [`switch`]'s `jmp` on a
/// new stack: calls `fiber_entry(fiber)` with the two words the new stack
/// holds. `fiber_entry` never returns; if it did, `ud2` stops the
/// program rather than run off the top of the stack.
///
/// # Safety
///
/// Only ever jumped to by `switch`, on a stack laid out by `Fiber::new`.
#[unsafe(naked)]
pub(super) unsafe extern "sysv64" fn trampoline() -> ! {
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
// ANCHOR_END: trampoline

/// The textbook switch, as a naked function: saves the callee-saved
/// registers on the current stack, stores the stack pointer at
/// `*save_sp`, loads `load_sp`, restores that stack's registers and
/// returns into it. Only the measurements use it (see the module docs for
/// why its `ret` makes it several times slower).
///
/// # Safety
///
/// As for [`switch`], with stacks laid out for this function: six
/// registers and a return address.
// ANCHOR: switch_naked
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
pub(super) unsafe extern "sysv64" fn trampoline_naked() -> ! {
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
pub(super) fn lay_out(stack: &DefaultStack, words: &[usize]) -> *mut u8 {
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
