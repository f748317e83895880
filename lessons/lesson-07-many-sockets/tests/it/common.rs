//! Helpers the test modules share: counting this process's descriptors.

use std::sync::Mutex;

/// Tests that count descriptors run one at a time: another test's sockets
/// would be counted too.
pub(crate) static FDS: Mutex<()> = Mutex::new(());

/// How many descriptors this process has open.
pub(crate) fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

/// Waits (up to 5 s) for the descriptor count to come back to `before`,
/// and returns the last count.
pub(crate) fn settle_to(before: usize) -> usize {
    let deadline =
        std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let now = open_fds();
        if now <= before || std::time::Instant::now() > deadline {
            return now;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Takes the descriptor lock, after starting and stopping each runtime's
/// server once: may's scheduler keeps its threads and epoll descriptors
/// for the life of the process, which is not a leak of a server's.
pub(crate) fn fd_lock() -> std::sync::MutexGuard<'static, ()> {
    use lesson_07_many_sockets::{Log, Mode, Runtime, Server};
    let guard = FDS.lock().unwrap_or_else(|e| e.into_inner());
    shared::net::raise_fd_limit();
    static WARM: std::sync::Once = std::sync::Once::new();
    WARM.call_once(|| {
        for runtime in Runtime::ALL {
            let server = Server::start(runtime, 0, Mode::Fixed, Log::silent())
                .expect("starts");
            let mut client =
                lesson_07_many_sockets::client::HelloClient::connect(
                    server.addr(),
                )
                .expect("connects");
            client.round_trip(0).expect("served");
            drop(client);
            server.stop().expect("stops");
        }
    });
    guard
}
