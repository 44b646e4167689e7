//! Typed views (work in progress).
