//! Resident memory of this process, for "bytes per live task".
//!
//! gevent's claim to fame is that a greenlet is cheap: a few KiB where an
//! OS thread reserves megabytes. To check that claim for the hub, may and
//! tokio we spawn N tasks that are all alive at once and ask the kernel how
//! much more memory the process touched while they were:
//!
//! ```text
//! bytes per live task = (peak resident during the run - resident before) / N
//! ```
//!
//! Linux keeps both numbers in `/proc/self/status`: `VmRSS` (resident now)
//! and `VmHWM` (the "high-water mark": the largest `VmRSS` so far). The
//! pitfalls, each of which this module works around or names:
//!
//! - **Peak, not live.** By the time `joinall` returns, the tasks are gone
//!   and `VmRSS` may be back where it started; what the tasks cost is the
//!   *peak* while they were all alive. So we read `VmHWM`, after first
//!   resetting it to the current `VmRSS` by writing `5` to
//!   `/proc/self/clear_refs` (Linux 4.0 and later; on older kernels, or
//!   where `/proc` is not mounted, the figure is `None`: "not measured").
//! - **Allocator retention.** `free` does not give memory back to the
//!   kernel: glibc's malloc keeps freed chunks for the next `malloc`. A
//!   second run then reuses the first run's pages and shows a delta near
//!   zero. `malloc_trim(0)` (glibc only) hands free heap back to the kernel
//!   before we take the baseline, so every run starts from the same place.
//!   Memory a runtime pools by itself (a cache of coroutine stacks, tokio's
//!   recycled task slots) is *not* returned by it: build a fresh runtime,
//!   or take the first run's figure, to see the full cost.
//! - **Page granularity.** The kernel counts whole 4 KiB pages. A task
//!   whose stack is 16 KiB of reserved address space but touches one page
//!   costs 4 KiB resident, not 16 and not the 200 bytes it really wrote.
//!   Virtual size (`VmSize`) would count the reservation instead, which is
//!   why it is the wrong figure here.
//! - **Worker threads.** Each OS thread has its own stack (2 MiB reserved
//!   for a thread Rust spawns, 8 MiB for the main thread; a few pages
//!   resident) and its own malloc arena. Build the runtime
//!   *before* the baseline, or N tasks get charged for the threads too.
//! - **Whatever else is alive.** The result vector (one `Result` per task)
//!   and the runtime's join handles count too: they are part of what a
//!   spawned task costs, but keep it in mind when comparing with a number
//!   from another language.

use std::io::Write;

/// Resident memory, in bytes, as the kernel reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resident {
    /// `VmRSS`: resident now.
    pub now: u64,
    /// `VmHWM`: the peak resident since the process started or since the
    /// last [`reset_peak`].
    pub peak: u64,
}

/// Reads `VmRSS` and `VmHWM` from `/proc/self/status`. `None` where there
/// is no such file (not Linux, no `/proc`) or it lacks the two lines.
pub fn resident() -> Option<Resident> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_status(&status)
}

/// The two figures out of the text of `/proc/PID/status`, whose lines
/// read `VmRSS:    1234 kB` (a tab, then spaces; the kernel's "kB" is KiB).
pub fn parse_status(status: &str) -> Option<Resident> {
    let kib = |key: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        let rest = line[key.len()..].trim().strip_suffix("kB")?;
        rest.trim().parse::<u64>().ok()?.checked_mul(1024)
    };
    Some(Resident {
        now: kib("VmRSS:")?,
        peak: kib("VmHWM:")?,
    })
}

/// Resets the peak (`VmHWM`) to the current resident size, so that the
/// next [`resident`] reports the peak of what runs in between. Returns
/// whether the kernel accepted it: writing `5` to `/proc/self/clear_refs`
/// needs Linux 4.0 or later.
pub fn reset_peak() -> bool {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/proc/self/clear_refs")
        .and_then(|mut file| file.write_all(b"5"))
        .is_ok()
}

/// Gives free heap memory back to the kernel, so that memory freed by an
/// earlier run does not hide the next run's cost (see the module doc).
/// Does nothing where the allocator is not glibc's.
pub fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `malloc_trim` only walks glibc's own free lists under
        // their locks; it takes no pointer of ours and is safe to call
        // from any thread at any time.
        unsafe {
            libc::malloc_trim(0);
        }
    }
}

/// The peak resident growth while `run` runs, in bytes, with its result:
/// trims the heap, resets the peak, reads the baseline, runs, reads the
/// peak. `None` for the growth where the kernel cannot tell (no `/proc`,
/// or a kernel older than 4.0 that cannot reset the peak).
pub fn peak_growth<T>(run: impl FnOnce() -> T) -> (T, Option<u64>) {
    trim_heap();
    let before = if reset_peak() { resident() } else { None };
    let value = run();
    let growth = before
        .zip(resident())
        .map(|(before, after)| after.peak.saturating_sub(before.now));
    (value, growth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_lines_parse_in_bytes() {
        let status = "Name:\tx\nVmHWM:\t    2048 kB\nVmRSS:\t    1024 kB\n";
        assert_eq!(
            parse_status(status),
            Some(Resident {
                now: 1024 * 1024,
                peak: 2048 * 1024
            })
        );
        assert_eq!(parse_status("VmRSS: 12 kB\n"), None);
        assert_eq!(parse_status("VmRSS: lots kB\nVmHWM: 1 kB\n"), None);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_touched_megabyte_shows_in_the_peak_growth() {
        // 8 MiB written page by page is resident while it lives, and freed
        // before we read: only the peak can see it.
        let ((), growth) = peak_growth(|| {
            let block = vec![1u8; 8 << 20];
            std::hint::black_box(&block);
        });
        if let Some(growth) = growth {
            assert!(growth >= 4 << 20, "grew {growth} bytes");
        }
    }
}
