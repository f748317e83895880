//! Lesson 04 CLI (work in progress).

fn main() {}
