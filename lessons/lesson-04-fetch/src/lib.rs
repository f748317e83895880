//! Lesson 04 (work in progress): see the issue that builds it.
