//! Lesson 11: several transfers at once on one server thread, traced:
//! two downloads and an upload, started together, each moving a budget's
//! worth of bytes per turn of the loop while the others wait.

use std::sync::Barrier;

use shared::Trace;

use crate::client::{Client, Pattern};
use crate::server::{Impl, Server};

/// Serves two downloads and an upload of `size` bytes each at once with
/// `imp`, and returns the server's side of the run, recorded if `traced`
/// (a lane per connection: a running span per turn it got, labelled with
/// the bytes it moved, and a waiting span between turns).
///
/// # Errors
///
/// A transfer that failed or did not verify.
pub fn interleave(imp: Impl, size: u64, traced: bool) -> shared::Result<Trace> {
    let root = tempfile::tempdir()?;
    for (seed, name) in [(1, "a.bin"), (2, "b.bin")] {
        let bytes = Pattern::bytes(seed, usize::try_from(size)?);
        std::fs::write(root.path().join(name), bytes)?;
    }
    // The clock starts once the files are made: the picture is the run.
    let trace = Trace::recording(traced);
    let server = Server::start(imp, root.path(), 0, trace.clone())?;
    let addr = server.addr();
    // Every client connects before any sends its command, so the server
    // accepts all three in one turn and their transfers start together.
    let start = Barrier::new(3);
    std::thread::scope(|scope| {
        let start = &start;
        let get = |name: &'static str| {
            scope.spawn(move || {
                let client = Client::connect(addr);
                start.wait();
                let mut client = client?;
                client.get(name, &mut std::io::sink())?;
                client.quit()
            })
        };
        let threads = [
            get("a.bin"),
            get("b.bin"),
            scope.spawn(move || {
                let client = Client::connect(addr);
                start.wait();
                let mut client = client?;
                client.put("c.bin", &mut Pattern::new(3), size)?;
                client.quit()
            }),
        ];
        for thread in threads {
            match thread.join() {
                Ok(result) => result?,
                Err(_) => return Err("a client thread panicked".into()),
            }
        }
        Ok::<(), shared::Error>(())
    })?;
    server.stop()?;
    Ok(trace)
}
