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

/// The `serve` command, as a process of its own: its descriptors, read
/// from `/proc/<pid>/fd`, come back to their count before the clients
/// came, after finished and abandoned transfers. (It announces itself on
/// stderr once its loop is set up, so the count before is the loop's.)
#[test]
fn the_serve_process_closes_what_its_clients_opened() {
    use std::io::BufRead;
    use std::process::Stdio;
    for imp in ["selector", "runtime"] {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("big"), Pattern::bytes(1, 8 << 20))
            .unwrap();
        let mut child = Killed(
            Command::new(env!("CARGO_BIN_EXE_lesson-11-ftp"))
                .args(["serve", "--port", "0", "--impl", imp, "--root"])
                .arg(root.path())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        );
        let child = &mut child.0;
        let mut announced = String::new();
        std::io::BufReader::new(child.stderr.take().unwrap())
            .read_line(&mut announced)
            .unwrap();
        let addr: std::net::SocketAddr = announced
            .split(" on ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|addr| addr.parse().ok())
            .unwrap_or_else(|| panic!("no address in {announced:?}"));
        let fds = || {
            std::fs::read_dir(format!("/proc/{}/fd", child.id()))
                .unwrap()
                .count()
        };
        let baseline = fds();
        let mut client = lesson_11_ftp::Client::connect(addr).unwrap();
        client.put("one", &mut &b"abc"[..], 3).unwrap();
        client.get("one", &mut Vec::new()).unwrap();
        client.quit().unwrap();
        let mut leaver = Raw::connect(addr);
        assert_eq!(leaver.ask(b"PUT gone 1000000"), "GO");
        leaver.writer.write_all(&[1; 1000]).unwrap();
        let mut stalled = Raw::connect(addr);
        assert_eq!(stalled.ask(b"GET big"), format!("OK {}", 8 << 20));
        assert!(fds() > baseline, "{imp}: the transfers hold descriptors");
        drop((leaver, stalled));
        // The server closes them a turn of its loop after the clients
        // did: wait for that (bounded, so a leak fails instead of hangs).
        let mut now = fds();
        for _ in 0..10_000 {
            if now == baseline {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
            now = fds();
        }
        if now != baseline {
            let open: Vec<String> =
                std::fs::read_dir(format!("/proc/{}/fd", child.id()))
                    .unwrap()
                    .map(|e| {
                        let link = std::fs::read_link(e.unwrap().path());
                        format!("{link:?}")
                    })
                    .collect();
            panic!("{imp}: the serve process leaked: {open:?}");
        }
        assert!(!root.path().join("gone").exists());
    }
}

/// A child process, killed when the test ends, even by a panic (or it
/// would outlive the test and hold the harness's output pipe open).
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
