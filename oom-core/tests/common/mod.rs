//! Shared by the integration tests: the synthetic series now live in `oom_core::testing`.

pub use oom_core::testing::synthetic;
