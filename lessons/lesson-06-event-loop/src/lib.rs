//! Lesson 06 (work in progress): see the issue that builds it.
