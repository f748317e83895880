//! `GreenletStack`: the memory a greenlet runs on, cheap to make by the
//! hundred thousand.
//!
//! A stack is one anonymous `mmap` with a *guard page* at its low end: a
//! page that faults when touched, so that a greenlet that overflows its
//! stack dies with a segmentation fault instead of silently writing over
//! whatever lies below. corosensei's `DefaultStack` makes the guard with
//! `mprotect(PROT_NONE)`, which splits the mapping in two: the kernel then
//! keeps two *mappings* (VMAs) per stack, and a process may have at most
//! `vm.max_map_count` of them (65,530 by default). That is a ceiling of
//! about 32,000 live greenlets, whatever their size.
//!
//! Linux 6.13 added `madvise(MADV_GUARD_INSTALL)`: guard pages marked in
//! the page tables, *without* splitting the mapping. Stacks mapped one
//! after another then merge into a single VMA, and the ceiling is gone. On
//! older kernels the call fails with `EINVAL`, and we fall back to
//! `mprotect` (remembered, so we ask once per process).
//!
//! Making a stack costs system calls (`mmap`, `madvise`, later `munmap`)
//! and page faults on its first use: microseconds, far more than a switch.
//! So a dropped stack is not unmapped at once but kept in a small pool per
//! thread, and the next greenlet of the same size takes it: then creating
//! a greenlet costs an allocation and no system call. The pool holds at
//! most [`pool_capacity`] stacks (default [`DEFAULT_POOL_CAPACITY`]);
//! [`release_pool`] unmaps them all, so a memory measurement can start
//! clean. (`may` does the same with `config().set_pool_capacity`.)

use std::cell::RefCell;
use std::io;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU8, Ordering};

use corosensei::stack::{Stack, StackPointer};

/// How many stacks each thread's pool keeps for reuse unless
/// [`set_pool_capacity`] says otherwise: 1,024. A pooled stack keeps the
/// pages its last greenlet touched (usually one or two, 4 to 8 KiB), so a
/// full pool of small stacks holds a few MiB.
pub const DEFAULT_POOL_CAPACITY: usize = 1024;

/// How guard pages are made in this process: learnt on the first stack.
const GUARD_UNKNOWN: u8 = 0;
const GUARD_MADVISE: u8 = 1;
const GUARD_MPROTECT: u8 = 2;
static GUARD: AtomicU8 = AtomicU8::new(GUARD_UNKNOWN);

/// How this process puts guard pages under its greenlet stacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuardKind {
    /// No stack has been made yet, so we have not asked the kernel.
    Unknown,
    /// `madvise(MADV_GUARD_INSTALL)`: one mapping per run of stacks.
    Madvise,
    /// `mprotect(PROT_NONE)`: two mappings per stack.
    Mprotect,
}

/// How guard pages are made here (after the first stack was mapped).
pub fn guard_kind() -> GuardKind {
    match GUARD.load(Ordering::Relaxed) {
        GUARD_MADVISE => GuardKind::Madvise,
        GUARD_MPROTECT => GuardKind::Mprotect,
        _ => GuardKind::Unknown,
    }
}

/// One mapped stack: `len` bytes below `top`, the lowest page a guard.
/// Plain numbers, no `Drop`: the pool holds these.
#[derive(Clone, Copy, Debug)]
struct Mapping {
    // Non-zero by type: corosensei asks for `base()` on every resume, and
    // a plain load is cheaper there than a check.
    top: StackPointer,
    len: usize,
}

impl Mapping {
    fn low(self) -> usize {
        self.top.get() - self.len
    }

    /// Unmaps it.
    fn unmap(self) {
        // SAFETY: `low()..top` is a mapping this module made with `mmap`
        // and handed to nobody else: a `GreenletStack` owns it until it is
        // dropped (then the pool owns it), and nothing runs on it any more
        // (corosensei drops a stack only after its coroutine finished).
        unsafe {
            libc::munmap(self.low() as *mut libc::c_void, self.len);
        }
    }
}

struct Pool {
    capacity: usize,
    /// Free stacks by total length (guard included): `(len, stacks)`.
    /// A handful of sizes at most, so a `Vec` beats a map.
    free: Vec<(usize, Vec<Mapping>)>,
    pooled: usize,
}

impl Pool {
    fn take(&mut self, len: usize) -> Option<Mapping> {
        let (_, stacks) = self.free.iter_mut().find(|(l, _)| *l == len)?;
        let mapping = stacks.pop()?;
        self.pooled -= 1;
        // The next greenlet will write the top of the next free stack:
        // start loading it now (see `Greenlet::prefetch`).
        if let Some(next) = stacks.last() {
            crate::arch::prefetch(next.top.get() - 128, 2);
        }
        Some(mapping)
    }

    /// Keeps `mapping` if there is room; gives it back if not.
    fn put(&mut self, mapping: Mapping) -> Result<(), Mapping> {
        if self.pooled >= self.capacity {
            return Err(mapping);
        }
        self.pooled += 1;
        match self.free.iter_mut().find(|(l, _)| *l == mapping.len) {
            Some((_, stacks)) => stacks.push(mapping),
            None => self.free.push((mapping.len, vec![mapping])),
        }
        Ok(())
    }

    fn release(&mut self) -> usize {
        let released = self.pooled;
        for (_, stacks) in self.free.drain(..) {
            stacks.into_iter().for_each(Mapping::unmap);
        }
        self.pooled = 0;
        released
    }
}

impl Drop for Pool {
    // At thread exit: unmapping needs no other thread-local, so this is
    // safe to run during thread-local destruction.
    fn drop(&mut self) {
        self.release();
    }
}

thread_local! {
    static POOL: RefCell<Pool> = const {
        RefCell::new(Pool {
            capacity: DEFAULT_POOL_CAPACITY,
            free: Vec::new(),
            pooled: 0,
        })
    };
}

/// Sets how many free stacks this thread keeps for reuse (0: none, every
/// dropped stack is unmapped). Extra stacks already pooled are unmapped.
pub fn set_pool_capacity(stacks: usize) {
    let _ = POOL.try_with(|pool| {
        let mut pool = pool.borrow_mut();
        pool.capacity = stacks;
        while pool.pooled > stacks {
            let Some(mapping) =
                pool.free.iter_mut().find_map(|(_, stacks)| stacks.pop())
            else {
                break;
            };
            pool.pooled -= 1;
            mapping.unmap();
        }
    });
}

/// How many free stacks this thread keeps for reuse.
pub fn pool_capacity() -> usize {
    POOL.try_with(|pool| pool.borrow().capacity).unwrap_or(0)
}

/// How many free stacks this thread's pool holds now.
pub fn pooled() -> usize {
    POOL.try_with(|pool| pool.borrow().pooled).unwrap_or(0)
}

/// Unmaps every free stack of this thread's pool, returning how many:
/// memory measurements start from here.
pub fn release_pool() -> usize {
    POOL.try_with(|pool| pool.borrow_mut().release())
        .unwrap_or(0)
}

pub(crate) fn page_size() -> usize {
    // SAFETY: `sysconf` reads a constant of the system; no memory is
    // involved.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(page).unwrap_or(4096)
}

/// A greenlet's stack: taken from this thread's pool when one of the same
/// size is free, mapped fresh otherwise; given back to the pool when
/// dropped (or unmapped, when the pool is full).
#[derive(Debug)]
pub struct GreenletStack {
    mapping: Mapping,
}

impl GreenletStack {
    /// The usable bytes of a stack asked for with `size`: rounded up to
    /// pages, at least one (or `size` itself, when rounding overflows:
    /// `new` refuses that size).
    pub fn usable_size(size: usize) -> usize {
        let page = page_size();
        size.max(page)
            .checked_next_multiple_of(page)
            .unwrap_or(size)
    }

    /// A stack with at least `size` usable bytes (rounded up to pages; at
    /// least one page) above one guard page.
    pub fn new(size: usize) -> io::Result<GreenletStack> {
        let page = page_size();
        let usable = size.max(page).checked_next_multiple_of(page);
        // One page more than asked, for the guard below.
        let Some(len) = usable.and_then(|u| u.checked_add(page)) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("a stack of {size} bytes is too large"),
            ));
        };
        let pooled = POOL
            .try_with(|pool| pool.borrow_mut().take(len))
            .ok()
            .flatten();
        let mapping = match pooled {
            Some(mapping) => mapping,
            None => map(len, page)?,
        };
        Ok(GreenletStack { mapping })
    }

    /// Usable bytes (the guard page not included): what was asked for,
    /// rounded up to pages.
    pub fn size(&self) -> usize {
        self.mapping.len - page_size()
    }
}

/// Maps `len` bytes read/write and makes the lowest page a guard.
fn map(len: usize, page: usize) -> io::Result<Mapping> {
    // MAP_STACK: the kernel (6.7+) then never backs it with 2 MiB huge
    // pages, which would make every touched stack cost 2 MiB of RAM.
    // MAP_NORESERVE: address space only; RAM comes page by page, on first
    // touch.
    let flags = libc::MAP_PRIVATE
        | libc::MAP_ANONYMOUS
        | libc::MAP_NORESERVE
        | libc::MAP_STACK;
    let prot = libc::PROT_READ | libc::PROT_WRITE;
    // SAFETY: a new anonymous mapping at an address of the kernel's
    // choosing: it cannot overlap memory anything else uses.
    let low =
        unsafe { libc::mmap(std::ptr::null_mut(), len, prot, flags, -1, 0) };
    if low == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    let top = NonZeroUsize::new(low as usize + len);
    let mapping = Mapping {
        top: top.expect("a mapping ends above address 0"),
        len,
    };
    if let Err(e) = install_guard(low, page) {
        mapping.unmap();
        return Err(e);
    }
    Ok(mapping)
}

/// Makes the page at `low` fault on any access.
fn install_guard(low: *mut libc::c_void, page: usize) -> io::Result<()> {
    if GUARD.load(Ordering::Relaxed) != GUARD_MPROTECT {
        match crate::arch::guard_in_place(low, page) {
            Ok(()) => {
                GUARD.store(GUARD_MADVISE, Ordering::Relaxed);
                return Ok(());
            }
            // EINVAL: a kernel older than 6.13, or not Linux. Use
            // mprotect from now on.
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {}
            Err(e) => return Err(e),
        }
    }
    // SAFETY: `low` is the first page of a mapping we just made and own;
    // PROT_NONE only changes what touching it does.
    if unsafe { libc::mprotect(low, page, libc::PROT_NONE) } != 0 {
        return Err(io::Error::last_os_error());
    }
    GUARD.store(GUARD_MPROTECT, Ordering::Relaxed);
    Ok(())
}

impl Drop for GreenletStack {
    fn drop(&mut self) {
        // Into the pool if this thread still has one with room (during
        // thread exit its pool may be gone already); else unmapped.
        let kept = POOL
            .try_with(|pool| pool.borrow_mut().put(self.mapping))
            .unwrap_or(Err(self.mapping));
        if let Err(mapping) = kept {
            mapping.unmap();
        }
    }
}

// SAFETY: `base..limit` lies in one read/write mapping owned by this value
// alone, at least one page (corosensei's `MIN_STACK_SIZE`, 4 KiB) above a
// guard page that faults on any access, and `limit` includes that guard.
// Both ends are page-aligned, so aligned to `STACK_ALIGNMENT` (16).
unsafe impl Stack for GreenletStack {
    #[inline]
    fn base(&self) -> StackPointer {
        self.mapping.top
    }

    #[inline]
    fn limit(&self) -> StackPointer {
        NonZeroUsize::new(self.mapping.low()).expect("a mapping is not at 0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_stack_is_reused_and_release_unmaps_it() {
        release_pool();
        let first = GreenletStack::new(16 * 1024).unwrap();
        let low = first.limit();
        assert_eq!(first.size(), 16 * 1024);
        drop(first);
        assert_eq!(pooled(), 1);
        let second = GreenletStack::new(16 * 1024).unwrap();
        assert_eq!(second.limit(), low, "the pooled stack came back");
        assert_eq!(pooled(), 0);
        drop(second);
        assert_eq!(release_pool(), 1);
        assert_eq!(pooled(), 0);
    }

    #[test]
    fn the_pool_is_bounded() {
        release_pool();
        set_pool_capacity(2);
        let stacks: Vec<_> =
            (0..5).map(|_| GreenletStack::new(8192).unwrap()).collect();
        drop(stacks);
        assert_eq!(pooled(), 2);
        set_pool_capacity(DEFAULT_POOL_CAPACITY);
        release_pool();
    }

    #[test]
    fn the_guard_page_is_installed() {
        let stack = GreenletStack::new(4096).unwrap();
        assert_ne!(guard_kind(), GuardKind::Unknown);
        let span = stack.base().get() - stack.limit().get();
        assert!(span >= 2 * page_size(), "{span}");
        assert_eq!(stack.size(), span - page_size());
    }

    /// Writes one byte at `address` in a forked child and returns the
    /// signal that ended the child (0 if it exited normally).
    #[cfg(target_os = "linux")]
    fn signal_of_a_write_at(address: usize) -> i32 {
        // SAFETY: the child runs only a volatile store and `_exit`, both
        // safe in a child of a multithreaded process (no lock, no
        // allocation); the parent only waits for it.
        unsafe {
            let child = libc::fork();
            assert!(child >= 0, "fork failed");
            if child == 0 {
                std::ptr::write_volatile(address as *mut u8, 1);
                libc::_exit(0);
            }
            let mut status = 0;
            assert_eq!(libc::waitpid(child, &mut status, 0), child);
            if libc::WIFSIGNALED(status) {
                libc::WTERMSIG(status)
            } else {
                0
            }
        }
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn touching_the_guard_page_is_a_segfault_and_the_page_above_is_not() {
        // Twice: a fresh stack, then the same one back from the pool.
        for _ in 0..2 {
            let stack = GreenletStack::new(8192).unwrap();
            let low = stack.limit().get();
            let guard_top = low + page_size() - 1;
            assert_eq!(signal_of_a_write_at(low), libc::SIGSEGV);
            assert_eq!(signal_of_a_write_at(guard_top), libc::SIGSEGV);
            assert_eq!(signal_of_a_write_at(guard_top + 1), 0);
            drop(stack);
        }
    }
}
