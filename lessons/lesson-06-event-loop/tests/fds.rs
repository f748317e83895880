//! Every server closes every file descriptor it opened. One test in its
//! own binary: other tests running in parallel would open and close fds
//! of their own between the two counts.

use lesson_06_event_loop::{EchoServer, Engine, load_ours};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn servers_and_runtimes_close_every_fd_they_opened() {
    // Warm up once: the first run may open lasting fds of the process
    // (tokio's signal pipe, say) that are not leaks.
    for engine in Engine::ALL {
        let server = EchoServer::start(engine).unwrap();
        load_ours(server.addr(), 2, 2, 8).unwrap();
    }
    let before = open_fds();
    for engine in Engine::ALL {
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
