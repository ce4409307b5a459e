//! The `oom-lint` command's internals, as a library so that its fuzz targets and benchmarks can
//! drive the same code. Not a stable API: depend on `oom-core` instead.
//!
//! Data flows one way: [`engine`] (files → positioned YAML → objects → pods, with context and
//! resolved heap settings) and [`observed`] (metric dumps joined to containers) → [`rules`] (one
//! file per rule, one registry) driven by [`lint`] → [`finding`]s → [`report`] (one emitter per
//! format); [`fix`] plans byte-exact edits from the same model. [`incidents`] (kubectl output,
//! manifests and metric dumps → kills, events, deploys) → [`diagnose`] (the cause of each kill
//! and its fix) → [`report`]. [`commands`] holds one file per subcommand over them.

pub mod cli;
pub mod commands;
pub mod config;
pub mod diagnose;
pub mod engine;
pub mod exit;
pub mod finding;
pub mod fix;
pub mod incidents;
pub mod lint;
pub mod live;
pub mod observed;
pub mod report;
pub mod rules;
pub mod settings;
