//! Every name that would leave the root is refused, with the reply the
//! protocol names; so are existing names, missing files, huge uploads and
//! lines that are no command.

use lesson_11_ftp::Impl;

use crate::common::{Raw, serve};

#[test]
fn names_that_leave_the_root_get_err_bad_name() {
    for &imp in Impl::all() {
        let served = serve(imp);
        std::os::unix::fs::symlink("/etc", served.root.path().join("etc"))
            .unwrap();
        std::os::unix::fs::symlink(
            "../../../../../../etc/hostname",
            served.root.path().join("up"),
        )
        .unwrap();
        let mut raw = Raw::connect(served.addr());
        let names: [&[u8]; 10] = [
            b"a/b",
            b"..",
            b".",
            b"../secret",
            b"/etc/passwd",
            b"a\0b",
            b"\xff",
            b"etc",
            b"up",
            b"",
        ];
        for name in names {
            let get = [b"GET ", name].concat();
            assert_eq!(raw.ask(&get), "ERR bad name", "{imp:?} {get:?}");
            let put = [b"PUT ", name, b" 1"].concat();
            assert_eq!(raw.ask(&put), "ERR bad name", "{imp:?} {put:?}");
        }
        // Nothing was created anywhere, and the connection still works.
        assert_eq!(raw.ask(b"LIST"), "OK 0");
        assert!(served.partial_files().is_empty());
    }
}

#[test]
fn put_of_an_existing_name_gets_err_exists() {
    for &imp in Impl::all() {
        let served = serve(imp);
        served.put("taken", b"first").unwrap();
        let mut raw = Raw::connect(served.addr());
        assert_eq!(raw.ask(b"PUT taken 6"), "ERR exists");
        // The first file is untouched.
        assert_eq!(served.get("taken").unwrap(), b"first");
        // A folder's name is taken too.
        std::fs::create_dir(served.root.path().join("folder")).unwrap();
        assert_eq!(raw.ask(b"PUT folder 1"), "ERR exists");
        assert_eq!(raw.ask(b"GET folder"), "ERR no such file");
    }
}

#[test]
fn missing_files_huge_uploads_and_non_commands_are_refused() {
    for &imp in Impl::all() {
        let served = serve(imp);
        let mut raw = Raw::connect(served.addr());
        assert_eq!(raw.ask(b"GET nothing"), "ERR no such file");
        assert_eq!(raw.ask(b"PUT huge 99999999999999"), "ERR too large");
        assert_eq!(raw.ask(b"DEL x"), "ERR bad command");
        assert_eq!(raw.ask(b"PUT x y"), "ERR bad command");
        assert_eq!(raw.ask(b"QUIT"), "OK bye");
        assert_eq!(raw.reply(), None);
        // A line longer than any command is refused once it has ended,
        // without the server ever holding it, and the next line is read
        // as a line.
        let mut raw = Raw::connect(served.addr());
        assert_eq!(raw.ask(&vec![b'x'; 5000]), "ERR bad command");
        assert_eq!(raw.ask(b"GET nothing"), "ERR no such file");
    }
}
