//! Lesson 02: every platform-specific line of the crate, in one place (as
//! corosensei's `arch` module keeps its per-platform switches).
//!
//! - The hand-written switch, [`bare`](crate::bare), is x86_64 Linux
//!   assembly: the `bare_only!` items exist only there, the `not_bare!`
//!   ones everywhere else, and the rest of the crate asks this module.
//! - Guard pages without a mapping of their own are Linux 6.13's
//!   `MADV_GUARD_INSTALL`; elsewhere [`crate::stack`] uses `mprotect`.
//! - The stack prefetch hint is an x86_64 instruction, a no-op elsewhere.

use std::io;
use std::time::Duration;

use shared::{Figure, Trace, Transcript};

use crate::demo::Who;

/// The items that exist only where the hand-written switch does: x86_64
/// Linux.
macro_rules! bare_only {
    ($($item:item)*) => {
        $( #[cfg(all(target_arch = "x86_64", target_os = "linux"))] $item )*
    };
}

/// The items that stand in for [`bare_only!`]'s everywhere else.
macro_rules! not_bare {
    ($($item:item)*) => {
        $( #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))] $item )*
    };
}

bare_only! {
    /// Whether this build has the hand-written switch ([`crate::bare`]).
    pub const BARE_AVAILABLE: bool = true;

    /// Runs the demo on [`crate::bare`].
    pub(crate) fn run_bare(
        out: &Transcript,
        trace: &Trace,
        sleep: Duration,
        panic_in: Option<Who>,
    ) -> io::Result<()> {
        crate::bare::bare_demo(out, trace, sleep, panic_in)
    }

    /// The figures of the hand-written switch.
    pub(crate) fn bare_figures(trips: u64, rounds: usize) -> Vec<Figure> {
        crate::bare::figures(trips, rounds)
    }
}

not_bare! {
    /// Whether this build has the hand-written switch ([`crate::bare`]).
    pub const BARE_AVAILABLE: bool = false;

    /// Refuses: there is no hand-written switch here.
    pub(crate) fn run_bare(
        _: &Transcript,
        _: &Trace,
        _: Duration,
        _: Option<Who>,
    ) -> io::Result<()> {
        Err(io::Error::other(
            "--impl bare is not available on this platform: its switch is \
             x86_64 Linux assembly",
        ))
    }

    /// None: there is no hand-written switch to measure here.
    pub(crate) fn bare_figures(_: u64, _: usize) -> Vec<Figure> {
        Vec::new()
    }
}

/// `MADV_GUARD_INSTALL` from Linux's `mman-common.h` (6.13+); the libc
/// crate we build with does not name it yet.
#[cfg(target_os = "linux")]
const MADV_GUARD_INSTALL: libc::c_int = 102;

/// Makes the page at `low` fault on any access *without* splitting its
/// mapping in two: `madvise(MADV_GUARD_INSTALL)`. Fails with `EINVAL` on
/// a Linux older than 6.13 and on every other system, so that the caller
/// falls back to `mprotect`.
#[cfg(target_os = "linux")]
pub(crate) fn guard_in_place(
    low: *mut libc::c_void,
    page: usize,
) -> io::Result<()> {
    // SAFETY: the caller owns the mapping at `low`; a guard marker only
    // changes what touching that page does.
    let rc = unsafe { libc::madvise(low, page, MADV_GUARD_INSTALL) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Makes the page at `low` fault on any access without splitting its
/// mapping: only Linux can, so this is always `EINVAL` here.
#[cfg(not(target_os = "linux"))]
pub(crate) fn guard_in_place(_: *mut libc::c_void, _: usize) -> io::Result<()> {
    Err(io::Error::from_raw_os_error(libc::EINVAL))
}

/// Asks the CPU to start loading `lines` cache lines from `address` on:
/// a hint that never faults, whatever the address. A no-op where we have
/// no prefetch instruction at hand.
#[inline]
pub(crate) fn prefetch(address: usize, lines: usize) {
    #[cfg(target_arch = "x86_64")]
    for line in 0..lines {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let at = address.wrapping_add(line * 64) as *const i8;
        // SAFETY: `prefetch` needs SSE, which every x86_64 CPU has; it is
        // only a hint, that reads nothing and cannot fault, whatever the
        // address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(at) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (address, lines);
}
