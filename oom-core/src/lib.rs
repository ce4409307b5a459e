//! `oom-core`: the pure library behind [oom-lint](https://github.com/oom-lint/oom-lint).
//!
//! It does no I/O: inputs are `&str` or [`std::io::Read`], outputs are plain data, so other tools
//! can depend on it freely.
//!
//! - [`leak`]: leak, spike or steady; growth with a confidence interval; onset, cause, time to OOM.
//! - [`metrics`]: exported memory metrics (CSV, Grafana CSV, Prometheus JSON) → series.
//! - [`quantity`]: Kubernetes memory quantities, parsed exactly as the API server does.
//! - [`sizing`]: request, limit, JVM heap and alert threshold from observed usage.
//! - [`trend`]: OLS, Theil–Sen with confidence intervals, Mann–Kendall (Hamed–Rao).
//! - [`runtime`]: JVM, Node.js, Go and .NET heap settings, read as each runtime reads them.
//!
//! ```
//! use oom_core::{quantity::Quantity, sizing::{SizingPolicy, recommend}};
//!
//! let peak = Quantity::parse("400Mi")?.magnitude_bytes() as f64;
//! let average = Quantity::parse("256Mi")?.magnitude_bytes() as f64;
//! let rec = recommend(peak, average, &SizingPolicy::default())?;
//! assert_eq!((rec.request.as_str(), rec.limit.as_str()), ("256Mi", "512Mi"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod leak;
pub mod metrics;
pub mod quantity;
pub mod runtime;
pub mod sizing;
pub mod trend;

#[cfg(feature = "testing")]
pub mod testing;
