//! Lesson 02 CLI (work in progress).

fn main() {}
