//! `oom-core`: the pure library behind [oom-lint](https://github.com/oom-lint/oom-lint).
//!
//! It does no I/O: inputs are `&str` or [`std::io::Read`], outputs are plain data, so other tools
//! can depend on it freely.
//!
//! # A tour of the modules
//!
//! [`quantity`] holds Kubernetes memory quantities (`512Mi`, `1.5G`, `129e6`, `512m`), parsed
//! as the API server parses them: the grammar and rounding of apimachinery's
//! `resource.Quantity` (`k8s.io/apimachinery/pkg/api/resource`), kept exact in whole bytes, with
//! the suffix family that tells `512Mi` from the `512m` typo. It also formats byte counts back
//! into quantities ([`quantity::format_bytes`]) and for people ([`quantity::format_human`]).
//!
//! [`runtime`] reads the heap settings of language runtimes as each runtime reads them:
//! HotSpot's JVM options and its heap ergonomics (`-Xmx`, `MaxRAMPercentage`,
//! `UseContainerSupport`, the option sources and their precedence), Node.js'
//! `--max-old-space-size` (V8's old generation), the Go runtime's `GOMEMLIMIT` (as
//! `runtime/debug.SetMemoryLimit` documents it) and the .NET GC's hexadecimal settings such as
//! `GCHeapHardLimit`.
//!
//! [`sizing`] turns observed usage into a memory request and limit, a JVM max heap and an alert
//! threshold with its PromQL expression, rounding to friendly quantities.
//!
//! [`metrics`] reads exported memory metrics into time series: long CSV, Grafana panel CSV
//! ("series joined by time" and per-series frames) and the Prometheus HTTP API's `query_range` /
//! `query` JSON (as the Prometheus documentation describes its API), with label sets in
//! PromQL's syntax and the kubelet's cAdvisor metric names (`container_memory_working_set_bytes`
//! for usage, `container_spec_memory_limit_bytes` for the limit).
//!
//! [`trend`] holds the statistics: ordinary least squares; the Theil–Sen slope (Theil, 1950;
//! Sen, 1968) with Sen's confidence interval; the Mann–Kendall trend test (Mann, 1945; Kendall,
//! 1975) and its correction for autocorrelated series by Hamed and Rao (1998), all in
//! O(n log n).
//!
//! [`leak`] tells a leak from a one-time spike or steady use on one series, with the growth
//! rate and its interval, the onset and the event just before it, restarts, the time until the
//! limit and what to set instead. Every cut-off it decides by is a documented field of
//! [`leak::Thresholds`].
//!
//! [`text`] decodes input files (UTF-8, or UTF-16 as PowerShell writes it) and says counts in
//! words (`1 sample`, `2 samples`).
//!
//! # Cargo features
//!
//! - `serde`: `Serialize` and `Deserialize` on the public data types ([`leak::Analysis`],
//!   [`metrics::Series`], [`sizing::Recommendation`], [`quantity::Quantity`] as its text, ...).
//!   Enums are written in `snake_case`; options and thresholds fill missing fields with their
//!   defaults.
//! - `testing`: `oom_core::testing`, labelled synthetic series for tests and benchmarks. Not a
//!   stable API.
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
pub mod text;
pub mod trend;

#[cfg(feature = "testing")]
pub mod testing;
