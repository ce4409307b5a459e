//! Helpers for tests and benchmarks, behind the `testing` feature.
//!
//! **Not a stable API**: this module serves oom-core's own tests and the workspace's benchmarks,
//! and may change in any release, patch releases included.

pub mod synthetic;
pub mod varied;
