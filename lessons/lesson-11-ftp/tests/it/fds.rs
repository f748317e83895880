//! Every descriptor the server opens for a connection (its socket, the
//! file it sends or the temporary file it fills) is closed when the
//! connection ends, however it ends.
//!
//! The count is taken in a process of its own: the other tests of this
//! binary run on parallel threads and open descriptors of their own. So
//! the test runs this binary again, on this one test, with an environment
//! variable that makes it do the counting.

use std::io::{Read, Write};
use std::process::Command;

use lesson_11_ftp::{Impl, Pattern};

use crate::common::{Raw, serve};

const COUNTING: &str = "LESSON_11_COUNT_FDS";

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn the_servers_descriptors_return_to_their_baseline() {
    if std::env::var_os(COUNTING).is_some() {
        count_fds_around_transfers();
        return;
    }
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "fds::the_servers_descriptors_return_to_their_baseline",
            "--test-threads=1",
        ])
        .env(COUNTING, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
}

fn count_fds_around_transfers() {
    for &imp in Impl::all() {
        let before_server = open_fds();
        let served = serve(imp);
        std::fs::write(
            served.root.path().join("big"),
            Pattern::bytes(1, 16 << 20),
        )
        .unwrap();
        served.put("warm", b"up").unwrap();
        served.wait_until_idle();
        let baseline = open_fds();

        // Finished transfers, both ways.
        served.put("one", &Pattern::bytes(2, 1 << 20)).unwrap();
        served.get("one").unwrap();
        // Refused commands, and a connection that simply goes.
        let mut refused = Raw::connect(served.addr());
        assert_eq!(refused.ask(b"GET ../x"), "ERR bad name");
        assert_eq!(refused.ask(b"PUT one 1"), "ERR exists");
        drop(refused);
        // An upload abandoned halfway: its socket and temporary file.
        let mut leaver = Raw::connect(served.addr());
        assert_eq!(leaver.ask(b"PUT gone 1048576"), "GO");
        leaver.writer.write_all(&[1; 1000]).unwrap();
        // A download abandoned halfway: its socket and the open file.
        let mut stalled = Raw::connect(served.addr());
        assert_eq!(stalled.ask(b"GET big"), format!("OK {}", 16 << 20));
        stalled.reader.read_exact(&mut [0; 1000]).unwrap();
        drop((leaver, stalled));
        served.wait_until_idle();
        assert_eq!(open_fds(), baseline, "{imp:?}: connections leaked");
        assert!(served.partial_files().is_empty());

        drop(served);
        assert_eq!(open_fds(), before_server, "{imp:?}: the server leaked");
    }
}
