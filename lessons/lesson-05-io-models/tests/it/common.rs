//! What the test modules share: the binary under test, and the lock that
//! runs them one at a time.
//!
//! Several tests count `/proc/self/fd` before and after a server runs, to
//! show it closed everything it opened. That table is shared by every
//! thread of this test binary, and every other test opens descriptors too
//! (sockets, and the pipes of a child process), so every test takes
//! [`serial`] first.

use std::sync::{Mutex, MutexGuard, PoisonError};

use shared::cli_check::LessonBinary;

/// The lesson's binary.
pub(crate) const LESSON: LessonBinary =
    LessonBinary::new(env!("CARGO_BIN_EXE_lesson-05-io-models"));

static SERIAL: Mutex<()> = Mutex::new(());

/// Holds every other test off until the guard is dropped.
pub(crate) fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How many descriptors this process has open.
pub(crate) fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}
