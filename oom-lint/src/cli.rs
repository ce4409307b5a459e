//! Command-line interface: every subcommand's arguments, one struct each.

use clap::{Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  oom-lint check k8s/
  helm template ./chart | oom-lint check -
  oom-lint check --format sarif . > oom-lint.sarif
  oom-lint rules memory-limit-missing
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
    /// Lint Kubernetes manifests (YAML, JSON, `helm template` output) for memory settings.
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// Analyse exported memory metrics: leak, spike or steady; since when; time to OOM; sizing.
    #[command(after_help = ANALYZE_EXAMPLES)]
    Analyze(AnalyzeArgs),
    /// Write the recommended memory request and limit (and a matching -Xmx) into manifests.
    #[command(after_help = FIX_EXAMPLES)]
    Fix(FixArgs),
    /// List the rules, or print one rule's documentation.
    Rules(RulesArgs),
    /// Recommend memory request, limit, JVM heap and alert threshold from observed usage.
    #[command(after_help = SIZE_EXAMPLES)]
    Size(SizeArgs),
}

const CHECK_EXAMPLES: &str = "\
Examples:
  oom-lint check k8s/ deploy.yaml
  helm template ./chart | oom-lint check -
  kustomize build overlays/prod | oom-lint check - --format github
  oom-lint check --format sarif --fail-on warning . > oom-lint.sarif

Suppress with the annotation `oom-lint.io/ignore: \"rule-a,rule-b\"` (or
`oom-lint.io/ignore.<container>`), or a comment `# oom-lint: ignore[rule-a]` on or above a
container's `- name:` line. Configure with .oom-lint.yaml (found upwards) or --config.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input errors.";

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files and directories to lint (`-` for standard input). Default: the current directory.
    #[arg(value_name = "PATH")]
    pub paths: Vec<std::path::PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Exit with 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Configuration file (default: .oom-lint.yaml found from the current directory upwards).
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    /// Skip files matching this glob (repeatable), e.g. --exclude 'charts/*/tests/**'.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Metric dumps (as for `analyze`) to compare the manifests with observed usage; enables
    /// memory-limit-below-peak, memory-limit-headroom-low, memory-limit-oversized and
    /// memory-leak-suspected.
    #[arg(long, value_name = "FILE")]
    pub metrics: Vec<std::path::PathBuf>,
    /// Refuse (and report) files larger than this (a quantity such as 256Mi).
    #[arg(long, value_name = "QUANTITY", default_value = "256Mi")]
    pub max_file_size: String,
    /// Threads to parse and check with (default: one per core).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Source snippets with the offending line underlined, and a summary.
    Human,
    /// A stable JSON document (`"version": 1`).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (inline annotations).
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

const ANALYZE_EXAMPLES: &str = "\
Inputs, detected from the content: long CSV (a time column, a value column, label columns),
Grafana panel CSV, Prometheus query_range / query JSON, promtool tsdb dump and
dump-openmetrics text, Prometheus text exposition with timestamps, VictoriaMetrics
/api/v1/export JSON lines. UTF-8 or UTF-16; `,`, `;` or tab separated.

Examples:
  oom-lint analyze memory.csv --limit 512Mi
  oom-lint analyze dump.json --events deploys.csv --plot plots/
  oom-lint analyze grafana-export.csv --format json

Exit codes: 0 no leak, 1 a leak was found (unless --fail-on never), 2 usage or input errors.";

#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// Metric dumps to analyse (`-` for standard input).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<std::path::PathBuf>,
    /// Deploys and other events: a CSV of `timestamp,event` rows.
    #[arg(long, value_name = "FILE")]
    pub events: Option<std::path::PathBuf>,
    /// The container memory limit (a quantity such as 512Mi), when the dump does not carry it.
    #[arg(long, value_name = "QUANTITY")]
    pub limit: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AnalyzeFormat::Human)]
    pub format: AnalyzeFormat,
    /// Write one SVG chart per series into this directory.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<std::path::PathBuf>,
    /// Force the input layout instead of detecting it.
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormatArg>,
    /// The memory metric to read when a dump holds several (default
    /// container_memory_working_set_bytes), or the value column of a CSV.
    #[arg(long, value_name = "NAME")]
    pub metric: Option<String>,
    /// The time zone of times written without one (Grafana's local times): an IANA name such
    /// as Europe/Berlin, an offset such as +02:00, or UTC (the default).
    #[arg(long, value_name = "ZONE")]
    pub timezone: Option<String>,
    /// Exit with 1 when a leak is found (`leak`), or never.
    #[arg(long, value_enum, default_value_t = AnalyzeFailOn::Leak)]
    pub fail_on: AnalyzeFailOn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormatArg {
    LongCsv,
    GrafanaCsv,
    PrometheusJson,
    PromtoolDump,
    #[value(name = "openmetrics")]
    OpenMetrics,
    PrometheusText,
    #[value(name = "victoriametrics-jsonl")]
    VictoriaMetricsJsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnalyzeFailOn {
    Leak,
    Never,
}

const FIX_EXAMPLES: &str = "\
Only the memory scalars change (or lines are added where they are missing); comments, order,
quoting and indentation stay. Leaking containers are left alone. Writes are atomic, and a file
that changed since it was read is refused. Helm output and standard input are never rewritten:
the diff is printed with the template instead.

Examples:
  oom-lint fix k8s/ --metrics memory.csv --dry-run
  oom-lint fix k8s/ --metrics prometheus-dump.json";

#[derive(Debug, clap::Args)]
pub struct FixArgs {
    /// Manifest files and directories to fix.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<std::path::PathBuf>,
    /// Metric dumps with the observed usage (as for `analyze`).
    #[arg(long, value_name = "FILE", required = true)]
    pub metrics: Vec<std::path::PathBuf>,
    /// Print a unified diff instead of writing.
    #[arg(long)]
    pub dry_run: bool,
    /// Configuration file (default: .oom-lint.yaml found upwards): its `settings`, such as
    /// `heap-ratio`, size what is written, as `check` judges it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// A rule id, to print its documentation.
    pub id: Option<String>,
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
pub enum AnalyzeFormat {
    /// A readable verdict per series.
    Human,
    /// One JSON document for every series.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SizeFormat {
    /// A readable summary with a ready-to-paste `resources:` block.
    Human,
    /// One JSON object.
    Json,
}
