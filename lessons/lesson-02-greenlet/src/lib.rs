//! Lesson 02 (work in progress): see the issue that builds it.
