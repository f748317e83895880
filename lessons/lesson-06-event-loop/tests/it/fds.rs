//! Every server closes every file descriptor it opened.
//!
//! The count is taken in a process of its own: the other tests of this
//! binary run on parallel threads and open and close descriptors of their
//! own between the two counts. So the test runs this binary again, on this
//! one test, with an environment variable that makes it do the counting.

use std::process::Command;

use lesson_06_event_loop::{EchoServer, Engine, load_ours};

/// Set in the child process that does the counting.
const COUNTING: &str = "LESSON_06_COUNT_FDS";

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn servers_and_runtimes_close_every_fd_they_opened() {
    if std::env::var_os(COUNTING).is_some() {
        count_fds_around_servers();
        return;
    }
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "fds::servers_and_runtimes_close_every_fd_they_opened",
            "--test-threads=1",
        ])
        .env(COUNTING, "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("1 passed"), "{stdout}");
}

fn count_fds_around_servers() {
    // Warm up once: the first run may open lasting fds of the process
    // (tokio's signal pipe, say) that are not leaks.
    for &engine in Engine::all() {
        let server = EchoServer::start(engine).unwrap();
        load_ours(server.addr(), 2, 2, 8).unwrap();
    }
    let before = open_fds();
    for &engine in Engine::all() {
        let server = EchoServer::start(engine).unwrap();
        load_ours(server.addr(), 50, 5, 64).unwrap();
        // Clients still connected when the server stops: stopping must
        // close their server-side sockets too.
        let idle: Vec<_> = (0..10)
            .map(|_| std::net::TcpStream::connect(server.addr()).unwrap())
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(20));
        server.stop().unwrap();
        drop(idle);
    }
    assert_eq!(open_fds(), before);
}
