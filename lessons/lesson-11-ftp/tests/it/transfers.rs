//! Files go up and come back intact, alone and many at once; a stalled
//! reader stops nobody else; an interrupted upload leaves nothing.

use std::io::{Read, Write};

use lesson_11_ftp::{Client, Impl, Pattern};

use crate::common::{Raw, serve};

#[test]
fn files_of_0_1_1mib_and_64mib_go_up_and_come_back_intact() {
    for &imp in Impl::all() {
        let served = serve(imp);
        for size in [0, 1, 1 << 20, 64 << 20] {
            let name = format!("file-{size}");
            let bytes = Pattern::bytes(size as u64, size);
            let sent = served.put(&name, &bytes).unwrap();
            assert_eq!(sent.bytes, size as u64);
            let on_disk =
                std::fs::read(served.root.path().join(&name)).unwrap();
            assert!(on_disk == bytes, "{imp:?}: {name} on disk differs");
            let back = served.get(&name).unwrap();
            assert!(back == bytes, "{imp:?}: {name} came back different");
        }
        assert!(served.partial_files().is_empty());
    }
}

#[test]
fn twenty_transfers_at_once_up_and_down_are_all_correct() {
    const SIZE: usize = 1 << 20;
    for &imp in Impl::all() {
        let served = serve(imp);
        for i in 0..10u64 {
            let bytes = Pattern::bytes(i, SIZE);
            std::fs::write(served.root.path().join(format!("down-{i}")), bytes)
                .unwrap();
        }
        std::thread::scope(|scope| {
            let served = &served;
            let threads: Vec<_> = (0..20u64)
                .map(|i| {
                    scope.spawn(move || {
                        if i % 2 == 0 {
                            let n = i / 2;
                            let got = served.get(&format!("down-{n}")).unwrap();
                            assert!(got == Pattern::bytes(n, SIZE), "down-{n}");
                        } else {
                            let bytes = Pattern::bytes(100 + i, SIZE);
                            served.put(&format!("up-{i}"), &bytes).unwrap();
                        }
                    })
                })
                .collect();
            for thread in threads {
                thread.join().unwrap();
            }
        });
        for i in (1..20u64).step_by(2) {
            let path = served.root.path().join(format!("up-{i}"));
            assert!(
                std::fs::read(path).unwrap() == Pattern::bytes(100 + i, SIZE)
            );
        }
    }
}

#[test]
fn a_client_that_stops_reading_mid_download_does_not_stop_the_others() {
    for &imp in Impl::all() {
        let served = serve(imp);
        // Far more than the socket buffers of both ends hold.
        let big = Pattern::bytes(7, 32 << 20);
        std::fs::write(served.root.path().join("big"), &big).unwrap();
        let mut stalled = Raw::connect(served.addr());
        assert_eq!(stalled.ask(b"GET big"), format!("OK {}", big.len()));
        let mut first = [0u8; 1000];
        stalled.reader.read_exact(&mut first).unwrap();
        // It reads no more. Meanwhile, everyone else gets served.
        for i in 0..5u64 {
            let bytes = Pattern::bytes(i, 1 << 20);
            served.put(&format!("other-{i}"), &bytes).unwrap();
            assert!(served.get(&format!("other-{i}")).unwrap() == bytes);
        }
        assert!(served.get("big").unwrap() == big);
        // The stalled download is still open, and stalled.
        assert!(served.server.open_sessions() >= 1);
        drop(stalled);
        served.wait_until_idle();
    }
}

#[test]
fn a_client_that_leaves_mid_upload_leaves_no_file_behind() {
    for &imp in Impl::all() {
        let served = serve(imp);
        let mut leaver = Raw::connect(served.addr());
        assert_eq!(leaver.ask(b"PUT half.bin 10485760"), "GO");
        leaver
            .writer
            .write_all(&Pattern::bytes(1, 1 << 20))
            .unwrap();
        // The server has the upload in progress: a second PUT of the name
        // is refused at once.
        let mut second = Raw::connect(served.addr());
        assert_eq!(second.ask(b"PUT half.bin 3"), "ERR exists");
        drop(second);
        drop(leaver);
        served.wait_until_idle();
        assert!(!served.root.path().join("half.bin").exists());
        assert_eq!(served.partial_files(), [""; 0]);
        // And the name is free again.
        served.put("half.bin", b"whole").unwrap();
        assert_eq!(served.get("half.bin").unwrap(), b"whole");
    }
}

#[test]
fn commands_sent_back_to_back_are_answered_in_order() {
    for &imp in Impl::all() {
        let served = serve(imp);
        served.put("a", b"abc").unwrap();
        let mut raw = Raw::connect(served.addr());
        raw.writer.write_all(b"LIST\nGET a\nGET b\nQUIT\n").unwrap();
        let mut all = String::new();
        raw.reader.read_to_string(&mut all).unwrap();
        let sum = lesson_11_ftp::protocol::checksum(b"abc");
        assert_eq!(
            all,
            format!(
                "OK 1\n3 a\nOK 3\nabcSUM {sum}\nERR no such file\nOK bye\n"
            )
        );
    }
}

#[test]
fn the_client_checks_what_it_was_sent() {
    let served = serve(Impl::Selector);
    let mut client = Client::connect(served.addr()).unwrap();
    let mut short: &[u8] = b"ab";
    let err = client.put("short", &mut short, 3).unwrap_err();
    assert!(err.to_string().contains("1 bytes short of 3"), "{err}");
}
