//! Command-line interface: every subcommand's arguments, one struct each.

use clap::{Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  oom-lint size --peak 400Mi --average 256Mi
  oom-lint size --peak 1.2Gi --average 700Mi --headroom 1.5 --format json

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input errors.";

/// Stop Kubernetes containers from being OOMKilled.
#[derive(Debug, Parser)]
#[command(name = "oom-lint", version, about, after_help = EXAMPLES, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Recommend memory request, limit, JVM heap and alert threshold from observed usage.
    #[command(after_help = SIZE_EXAMPLES)]
    Size(SizeArgs),
}

const SIZE_EXAMPLES: &str = "\
Rules: request = average; limit = peak × headroom; both rounded up to a friendly value (at most
+12.5%, e.g. 500Mi → 512Mi); JVM max heap = limit × heap ratio; alert at limit × alert ratio.

Examples:
  oom-lint size --peak 400Mi --average 256Mi
  oom-lint size --peak 419430400 --average 268435456 --format json";

#[derive(Debug, clap::Args)]
pub struct SizeArgs {
    /// Highest memory use observed (a Kubernetes quantity such as 400Mi, or bytes).
    #[arg(long, value_name = "QUANTITY", allow_hyphen_values = true)]
    pub peak: String,
    /// Steady-state average memory use (a quantity such as 256Mi, or bytes).
    #[arg(long, value_name = "QUANTITY", allow_hyphen_values = true)]
    pub average: String,
    /// Limit = peak × headroom (1.0 to 2.0).
    #[arg(long, default_value_t = oom_core::sizing::SizingPolicy::DEFAULT_HEADROOM)]
    pub headroom: f64,
    /// JVM max heap = limit × heap ratio (above 0, below 1).
    #[arg(long, default_value_t = oom_core::sizing::SizingPolicy::DEFAULT_HEAP_RATIO)]
    pub heap_ratio: f64,
    /// Alert when usage passes limit × alert ratio (above 0, up to 1).
    #[arg(long, default_value_t = oom_core::sizing::SizingPolicy::DEFAULT_ALERT_RATIO)]
    pub alert_ratio: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SizeFormat::Human)]
    pub format: SizeFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SizeFormat {
    /// A readable summary with a ready-to-paste `resources:` block.
    Human,
    /// One JSON object.
    Json,
}
