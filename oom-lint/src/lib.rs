//! The `oom-lint` command's internals, as a library so that its fuzz targets and benchmarks can
//! drive the same code. Not a stable API: depend on `oom-core` instead.

pub mod cli;
pub mod commands;
pub mod config;
pub mod environment;
pub mod exit;
pub mod finding;
pub mod fix;
pub mod ingest;
pub mod lint;
pub mod parallel;
pub mod plot;
pub mod report;
pub mod rules;
pub mod runtime_view;
pub mod source;
pub mod suppress;
pub mod usage;
pub mod workloads;
pub mod yaml;
