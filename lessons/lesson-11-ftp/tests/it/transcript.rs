//! The default run's session, line for line, on both servers.

use lesson_11_ftp::{Impl, demo};

const SESSION: &str = include_str!("../../output/session.txt");

#[test]
fn both_servers_answer_the_session_exactly_as_the_chapter_shows() {
    for &imp in Impl::all() {
        let lines = demo::session(imp).unwrap();
        assert_eq!(lines.join("\n") + "\n", SESSION, "{imp:?}");
    }
}
