//! Lesson 05 CLI (work in progress).

fn main() {}
