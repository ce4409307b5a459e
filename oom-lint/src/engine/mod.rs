//! The engine: input files → positioned YAML nodes → Kubernetes objects → pods and containers,
//! with the context that changes what they run with (LimitRanges, ConfigMaps, settings) and the
//! heap settings each container's runtime resolves. Rules, `fix` and reports build on it; it
//! imports none of them.
//!
//! - [`source`]: a file's text, positions, input errors.
//! - [`ingest`]: paths and standard input → sources (directory walk, size limits, encodings).
//! - [`yaml`]: sources → documents of positioned nodes (every node keeps its span).
//! - [`model`]: documents → objects → pods → containers, and the namespace context.
//! - [`shapes`]: where pod specs are in an object (fixed places, or by shape in custom resources).
//! - [`admission`]: the memory values the API server admits (LimitRange, pod-level, defaults),
//!   with where each came from.
//! - [`process`]: what a container's process sees: environment and command line.
//! - [`heaps`]: the JVM, Node.js, Go and .NET heap settings each container runs with.
//! - [`walk`]: the one model builder — batched for `check`, all at once for `fix`.
//! - [`suppress`]: suppression annotations and comments.
//! - [`parallel`]: work spread over the cores.

pub mod admission;
pub mod heaps;
pub mod ingest;
pub mod limit_range;
pub mod model;
pub mod parallel;
pub mod process;
pub mod shapes;
pub mod source;
pub mod suppress;
pub mod walk;
pub mod yaml;
