//! Lesson 05 (work in progress): see the issue that builds it.
