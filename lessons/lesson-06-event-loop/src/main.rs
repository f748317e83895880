//! Lesson 06 CLI (work in progress).

fn main() {}
