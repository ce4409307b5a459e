//! Command-line interface: every subcommand's arguments, one struct each.

use clap::{Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  oom-lint check k8s/
  helm template ./chart | oom-lint check -
  oom-lint check --format sarif . > oom-lint.sarif
  oom-lint rules memory-limit-missing
  oom-lint diagnose pods.json events.json memory.json
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
    /// From an OOMKill to its root cause and the fix: kubectl output, manifests and metrics.
    #[command(after_help = DIAGNOSE_EXAMPLES)]
    Diagnose(DiagnoseArgs),
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
    #[command(flatten)]
    pub live: PrometheusArgs,
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

Or live from a Prometheus-compatible server (Prometheus, Thanos, Mimir, Cortex, VictoriaMetrics)
with --prometheus URL. More than 10 containers (or --fleet) make a fleet scan: the selection is
listed, fetched in batches of pods, and reported as one ranked row per container (leaks by time to
OOM, then limits reached, then oversized limits by the memory they waste, then the rest).

Examples:
  oom-lint analyze memory.csv --limit 512Mi
  oom-lint analyze dump.json --events deploys.csv --plot plots/
  oom-lint analyze grafana-export.csv --format json
  oom-lint analyze --prometheus http://prometheus:9090 --namespace shop --since 3d
  oom-lint analyze --prometheus http://prometheus:9090 --namespace '.*' --format json > fleet.json
  oom-lint analyze --prometheus https://mimir.example/prometheus --header 'X-Scope-OrgID: team-a' \\
    --bearer-token-file /var/run/secrets/token --selector '{pod=~\"api-.*\"}' --save api.json

Exit codes: 0 no leak, 1 a leak was found (unless --fail-on never), 2 usage or input errors.";

#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// Metric dumps to analyse (`-` for standard input).
    #[arg(value_name = "FILE", required_unless_present = "prometheus")]
    pub files: Vec<std::path::PathBuf>,
    #[command(flatten)]
    pub live: PrometheusArgs,
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
    /// The time zone of times written without one (Grafana's local times): an IANA name such
    /// as Europe/Berlin, an offset such as +02:00, or UTC (the default).
    #[arg(long, value_name = "ZONE")]
    pub timezone: Option<String>,
    /// Exit with 1 when a leak is found (`leak`), or never.
    #[arg(long, value_enum, default_value_t = AnalyzeFailOn::Leak)]
    pub fail_on: AnalyzeFailOn,
    /// Scan the selection as a fleet: a ranked table of one row per container, fetched in
    /// batches (the default with --prometheus when more than 10 containers match).
    #[arg(long, requires = "prometheus", conflicts_with_all = ["save", "plot", "files"])]
    pub fleet: bool,
    /// A fleet scan's human table shows its first N rows, ranked by what to act on, and says
    /// how many more there are; 0 shows every row. The JSON report always has every row.
    #[arg(long, value_name = "N", default_value_t = crate::report::fleet::DEFAULT_TOP_ROWS, requires = "prometheus")]
    pub top: usize,
    /// No progress bar on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
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

const DIAGNOSE_EXAMPLES: &str = "\
Inputs, each detected from its content (directories are read whole):
  kubectl get pods [-A] -o json|yaml      kills, restarts, limits, owners, QoS, evictions
  kubectl describe pod (pasted text)      the same, and its Events table
  kubectl get events [-A] -o json|yaml    OOMKilling, SystemOOM, Evicted, probes, deploys
  kubectl get replicasets -o json         deploy history (revision, time, images)
  manifests (as for `check`)              admitted limits, JVM/Node/Go/.NET heap settings
  metric dumps (as for `analyze`)         memory series of the killed containers

Causes: memory-leak, traffic-spike, limit-too-low, jvm-native-memory, sidecar-memory,
node-memory-pressure, not-oom, unknown.

Examples:
  oom-lint diagnose describe.txt
  oom-lint diagnose pods.json events.json replicasets.json memory.json
  oom-lint diagnose incident/ --format markdown > ticket.md
  oom-lint diagnose incident/ --plot charts/
  oom-lint diagnose --prometheus http://prometheus:9090 --since 1d --namespace shop

With --prometheus, the kills are found from kube-state-metrics
(kube_pod_container_status_last_terminated_reason{reason=\"OOMKilled\"}, its timestamp and
kube_pod_container_status_restarts_total) and cAdvisor's container_oom_events_total; without
those series the report says which is missing instead of claiming no incident.

Exit codes: 0 no incident, 1 incidents found, 2 input errors (after the report).";

#[derive(Debug, clap::Args)]
pub struct DiagnoseArgs {
    /// kubectl output, manifests and metric dumps, or directories of them (`-` for stdin).
    #[arg(value_name = "FILE", required_unless_present = "prometheus")]
    pub files: Vec<std::path::PathBuf>,
    /// With --prometheus, the OOM-killed containers of the window (--since) are found from
    /// kube-state-metrics (and cAdvisor's OOM events), and their memory series fetched.
    #[command(flatten)]
    pub live: PrometheusArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiagnoseFormat::Human)]
    pub format: DiagnoseFormat,
    /// Write one SVG per incident with a memory series into this directory: the series, its
    /// trend, the limit over time, the kills, restarts and deploys.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<std::path::PathBuf>,
    /// Configuration file (default: .oom-lint.yaml found upwards), for its settings such as
    /// heap-ratio.
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnoseFormat {
    /// One block per incident, in the order to act on.
    Human,
    /// A stable JSON document (`"version": 1`).
    Json,
    /// Markdown, for an incident ticket.
    Markdown,
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
    #[arg(long, value_name = "FILE", required_unless_present = "prometheus")]
    pub metrics: Vec<std::path::PathBuf>,
    #[command(flatten)]
    pub live: PrometheusArgs,
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

/// Live metrics from a Prometheus-compatible server, instead of (or beside) dumps.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Live metrics (Prometheus, Thanos, Mimir, Cortex, VictoriaMetrics)")]
pub struct PrometheusArgs {
    /// Read memory series from this server's HTTP API, e.g. http://prometheus:9090 or
    /// https://mimir.example/prometheus (the path before /api/v1).
    #[arg(long, value_name = "URL")]
    pub prometheus: Option<String>,
    /// How far back from the end: 90m, 12h, 3d, 2w [default: 7d].
    #[arg(long, value_name = "DURATION", requires = "prometheus", conflicts_with = "start")]
    pub since: Option<String>,
    /// Start of the window (RFC 3339, or Unix seconds).
    #[arg(long, value_name = "TIME", requires = "prometheus")]
    pub start: Option<String>,
    /// End of the window (RFC 3339, or Unix seconds) [default: now].
    #[arg(long, value_name = "TIME", requires = "prometheus")]
    pub end: Option<String>,
    /// Resolution (30s, 1m, 5m) [default: the window / 11,000, at least 1m, rounded up].
    #[arg(long, value_name = "DURATION", requires = "prometheus")]
    pub step: Option<String>,
    /// Namespaces to read: a regular expression (RE2, anchored), e.g. 'shop|cart' or '.*'.
    #[arg(long, value_name = "REGEX", requires = "prometheus")]
    pub namespace: Option<String>,
    /// More PromQL label matchers for the memory series, e.g. '{pod=~"api-.*"}'.
    #[arg(long, value_name = "MATCHERS", requires = "prometheus")]
    pub selector: Option<String>,
    /// The memory metric (default container_memory_working_set_bytes; container="" and
    /// container="POD" are left out): the one fetched with --prometheus, and the one read from
    /// a dump that holds several (or the value column of a CSV, with `analyze`).
    #[arg(long, value_name = "NAME")]
    pub metric: Option<String>,
    /// Send `Authorization: Bearer` with the token in this file (read at start, never printed).
    #[arg(long, value_name = "FILE", requires = "prometheus")]
    pub bearer_token_file: Option<std::path::PathBuf>,
    /// Send `Authorization: Bearer` with the token in this environment variable.
    #[arg(long, value_name = "VAR", requires = "prometheus", conflicts_with = "bearer_token_file")]
    pub bearer_token_env: Option<String>,
    /// Basic auth as user:password (visible to `ps`; prefer --basic-auth-env).
    #[arg(long, value_name = "USER:PASSWORD", requires = "prometheus")]
    pub basic_auth: Option<String>,
    /// Basic auth as user:password from this environment variable.
    #[arg(long, value_name = "VAR", requires = "prometheus", conflicts_with = "basic_auth")]
    pub basic_auth_env: Option<String>,
    /// Trust the certificate authorities in this PEM file (instead of the bundled web roots).
    #[arg(long, value_name = "FILE", requires = "prometheus")]
    pub ca_file: Option<std::path::PathBuf>,
    /// An extra request header (repeatable), e.g. 'X-Scope-OrgID: tenant-a' for Mimir or Cortex.
    #[arg(long, value_name = "NAME: VALUE", requires = "prometheus")]
    pub header: Vec<String>,
    /// Give up on a request after this long (then retry).
    #[arg(long, value_name = "DURATION", default_value = "60s", requires = "prometheus")]
    pub timeout: String,
    /// Retries of a request after a timeout, 429 or 5xx, with exponential backoff.
    #[arg(long, value_name = "N", default_value_t = 3, requires = "prometheus")]
    pub retries: u32,
    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4, requires = "prometheus",
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Also write what was fetched as a Prometheus query_range JSON dump, to read offline.
    #[arg(long, value_name = "FILE", requires = "prometheus")]
    pub save: Option<std::path::PathBuf>,
}
