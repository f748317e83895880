//! Lesson 01's tests, one binary: the generator contract, the printed
//! transcript, the recorded timeline, and the command line.

mod cli;
mod common;
mod generator;
mod output;
mod stdout;
mod timeline;
mod transcript;
