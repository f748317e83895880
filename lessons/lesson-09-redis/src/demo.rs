//! Lesson 09: the course's message-queue demo in one process. Both
//! listeners start, the web front starts on a free port, and siege runs
//! `-c10 -r5` on `/prodcons`, then on `/pubsub`; each listener prints the
//! 50 messages it got.
//!
//! The pub/sub listener subscribes *before* the siege starts: a message
//! published while nobody is subscribed reaches nobody.

use std::time::Duration;

use shared::{Trace, Transcript};

use crate::listen::{Names, listen_list, listen_pubsub};
use crate::web::{Siege, serve, siege};

/// Clients at once and requests per client: the course's `siege -c10 -r 5`.
pub const CONCURRENCY: usize = 10;
/// See [`CONCURRENCY`].
pub const REPETITIONS: usize = 5;

/// Runs the demo on `names`; returns each route's siege.
pub fn run(
    url: &str,
    names: &Names,
    out: &Transcript,
) -> shared::Result<Vec<(&'static str, Siege)>> {
    let total = CONCURRENCY * REPETITIONS;
    let idle = Duration::from_secs(10);
    let trace = &Trace::disabled();
    let mut redis = crate::connect::sync_connection(url)?;
    redis::cmd("DEL")
        .arg(&names.queue)
        .query::<()>(&mut redis)
        .map_err(crate::connect::lost)?;
    std::thread::scope(|scope| {
        let (subscribed, ready) = std::sync::mpsc::channel();
        let list = scope.spawn(|| {
            let lane = trace.lane("list");
            listen_list(url, &names.queue, total, idle, out, &lane)
        });
        let pubsub = scope.spawn(move || {
            let lane = trace.lane("pubsub");
            listen_pubsub(url, &names.channel, total, idle, out, &lane, || {
                let _ = subscribed.send(());
            })
        });
        let sieges = (|| -> shared::Result<_> {
            let _ = ready.recv_timeout(idle);
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let (bound, addr) = tokio::sync::oneshot::channel();
                let front = serve(url, 0, names.clone(), |a| {
                    let _ = bound.send(a);
                });
                tokio::pin!(front);
                let addr = tokio::select! {
                    done = &mut front => {
                        done?;
                        return Err("the web front stopped".into());
                    }
                    addr = addr => addr?,
                };
                let mut sieges = Vec::new();
                for path in ["/prodcons", "/pubsub"] {
                    let load = siege(addr, path, CONCURRENCY, REPETITIONS);
                    tokio::select! {
                        done = &mut front => {
                            done?;
                            return Err("the web front stopped".into());
                        }
                        report = load => sieges.push((path, report)),
                    }
                }
                Ok(sieges)
            })
        })();
        let listened = list.join().expect("the list listener does not panic");
        let subscribed =
            pubsub.join().expect("the pub/sub listener does not panic");
        let sieges = sieges?;
        listened?;
        subscribed?;
        Ok(sieges)
    })
}
