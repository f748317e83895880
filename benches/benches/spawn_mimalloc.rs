//! Lesson 03 (`lesson-03-gevent`): the spawn bench of `spawn.rs` again,
//! with mimalloc as the global allocator instead of glibc's malloc.
//!
//! Why a second binary: a program has one global allocator, chosen when
//! it is compiled. A tokio task is a heap allocation (its future, in a
//! cell aligned to 128 bytes) freed when it finishes, so at 100,000 tasks
//! glibc spends much of the time consolidating freed chunks
//! (`malloc_consolidate`, `_int_free` under `perf`). mimalloc keeps
//! per-thread free lists by size and never consolidates on this path.
//! Compare `spawn/tokio_ct/100000` with `spawn_mimalloc/tokio_ct/100000`:
//! the difference is the allocator, not tokio.
//!
//! ```text
//! cargo bench -p benches --bench spawn_mimalloc -- --warm-up-time 1 --measurement-time 2
//! ```

use benches::spawn::spawn;
use criterion::{Criterion, criterion_group, criterion_main};

/// Every allocation of this binary, the runtimes' included, goes to
/// mimalloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn spawn_mimalloc(c: &mut Criterion) {
    spawn(c, "spawn_mimalloc");
}

criterion_group! {
    name = benches;
    config = benches::criterion();
    targets = spawn_mimalloc
}
criterion_main!(benches);
