//! Lesson 08's integration tests, one binary: the queue under shuttle.

mod shuttle;
