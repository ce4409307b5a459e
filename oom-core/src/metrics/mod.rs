//! Exported memory metrics → time series, from every layout people export them in: long
//! CSV, Grafana panel CSV, Prometheus `query_range` / `query` JSON, `promtool tsdb dump` and
//! `dump-openmetrics` text, the Prometheus / OpenMetrics text exposition with timestamps, and
//! VictoriaMetrics' `/api/v1/export` JSON lines — detected from their content and named
//! ([`MetricsDump::format`]).
//!
//! Every input is read right or refused with a message naming its layout and column: a silent
//! misread would size a container from numbers that are not its memory. Broken rows are
//! reported with their line and skipped; the rest is kept. `NaN`, `±Inf`, `null` and empty
//! values are gaps, skipped and counted the same way in every layout. Values above
//! [`MAX_PLAUSIBLE_BYTES`] and times outside [`EARLIEST_PLAUSIBLE_TIME`] ..
//! [`LATEST_PLAUSIBLE_TIME`] are broken rows too. Rows are sorted by time;
//! a series whose values cannot be one container (two values at one instant, interleaved
//! levels) is refused ([`RefusedSeries`]), and so is one whose values are implausible as
//! bytes ([`MIN_PLAUSIBLE_PEAK_BYTES`]); one whose peak is merely small is kept with a note
//! naming the unit to check ([`SUSPICIOUS_PEAK_BYTES`]).
//!
//! ```
//! use oom_core::metrics::{InputFormat, parse};
//!
//! let csv = "timestamp,namespace,pod,container,value\n\
//!            2026-04-24T14:00:00Z,shop,api-1,app,268435456\n\
//!            2026-04-24T14:01:00Z,shop,api-1,app,270MiB\n\
//!            2026-04-24T14:02:00Z,shop,api-1,app,oops\n";
//! let dump = parse(csv.as_bytes(), None)?;
//! assert_eq!(dump.format, InputFormat::LongCsv);
//! assert_eq!(dump.series.len(), 1);
//! assert_eq!(dump.series[0].samples.len(), 2);
//! assert_eq!(dump.errors[0].line, Some(4));
//! # Ok::<(), oom_core::metrics::MetricsError>(())
//! ```
//!
//! # Layout
//!
//! - `detect`: which layout a dump is in, its CSV delimiter, and what each CSV column holds.
//! - `csv`: long CSV and Grafana CSV frames, row by row.
//! - `labels`: Prometheus label sets as Grafana and the text formats write them.
//! - `prometheus`: the Prometheus HTTP API's `query_range` / `query` JSON.
//! - `text`: `promtool tsdb dump`, OpenMetrics and the Prometheus text exposition.
//! - `victoria`: VictoriaMetrics' JSON-lines export.
//! - `values`: memory values with units and separators, gaps, timestamps.
//! - `integrity`: metrics routed by name, pseudo-containers left out, series that cannot be one
//!   container or hold no plausible byte counts refused.
//! - `assemble`: samples → sorted, merged series, with limits and pod restarts joined.
//! - `events`: the deploy-events CSV.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Read;

use jiff::tz::TimeZone;

mod assemble;
mod csv;
mod detect;
mod events;
mod integrity;
mod labels;
mod prometheus;
mod signals;
mod text;
mod values;
mod victoria;

pub use events::parse_events;
pub use integrity::{
    INTERLEAVED_LAG_RATIO, MAX_CONFLICTING_INSTANT_SHARE, MEMORY_METRIC, MIN_PLAUSIBLE_PEAK_BYTES,
    SUSPICIOUS_PEAK_BYTES,
};
pub use signals::{
    KnownRestart, LAST_TERMINATED_METRIC, OOM_EVENTS_METRIC, RESTARTS_METRIC,
    SIGNAL_COVERAGE_SLACK_SHARE, known_restarts,
};
pub use values::{
    EARLIEST_PLAUSIBLE_TIME, EPOCH_MICROS_BELOW, EPOCH_MILLIS_BELOW, EPOCH_SECONDS_BELOW,
    LATEST_PLAUSIBLE_TIME, MAX_PLAUSIBLE_BYTES, format_time, parse_bytes, parse_time,
    parse_time_in,
};

use assemble::SeriesBuilder;

/// Labels of a series (`namespace`, `pod`, `container`, ...).
pub type Labels = BTreeMap<String, String>;

/// One observation: Unix time in seconds, memory in bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Sample {
    /// Seconds since the Unix epoch (fractional).
    pub time: f64,
    /// Bytes.
    pub bytes: f64,
}

/// A memory time series.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Series {
    /// Its labels.
    pub labels: Labels,
    /// Samples sorted by time, one per timestamp.
    pub samples: Vec<Sample>,
    /// The container's memory limit over time, when the dump carries it: a step series of
    /// (Unix seconds from which it holds, bytes), sorted by time, one entry per change. The first
    /// entry also holds before its time. Empty when the limit is unknown.
    pub limits: Vec<(f64, u64)>,
    /// Times at which the pod changed (a new pod name for the same container): restarts.
    pub pod_changes: Vec<f64>,
}

impl Series {
    /// The limit in force now (at the last change), in bytes, when known.
    ///
    /// ```
    /// use oom_core::metrics::Series;
    ///
    /// let series = Series {
    ///     labels: Default::default(),
    ///     samples: vec![],
    ///     limits: vec![(0.0, 512 << 20), (7200.0, 1 << 30)],
    ///     pod_changes: vec![],
    /// };
    /// assert_eq!(series.limit_bytes(), Some(1 << 30));
    /// ```
    pub fn limit_bytes(&self) -> Option<u64> {
        self.limits.last().map(|&(_, bytes)| bytes)
    }

    /// The limit in force at `time` (Unix seconds), in bytes: the last change at or before it,
    /// or the first limit for times before any change.
    ///
    /// ```
    /// use oom_core::metrics::Series;
    ///
    /// let series = Series {
    ///     labels: Default::default(),
    ///     samples: vec![],
    ///     limits: vec![(0.0, 512 << 20), (7200.0, 1 << 30)],
    ///     pod_changes: vec![],
    /// };
    /// assert_eq!(series.limit_at(-5.0), Some(512 << 20));
    /// assert_eq!(series.limit_at(3600.0), Some(512 << 20));
    /// assert_eq!(series.limit_at(7200.0), Some(1 << 30));
    /// ```
    pub fn limit_at(&self, time: f64) -> Option<u64> {
        limit_at(&self.limits, time)
    }

    /// A short name: `namespace/pod/container` from the labels present, else all labels.
    ///
    /// ```
    /// use oom_core::metrics::{Labels, Series};
    ///
    /// let labels: Labels = [("namespace", "shop"), ("container", "app")]
    ///     .into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    /// let series = Series { labels, samples: vec![], limits: vec![], pod_changes: vec![] };
    /// assert_eq!(series.name(), "shop/app");
    /// ```
    pub fn name(&self) -> String {
        name_of(&self.labels)
    }
}

/// The limit in force at `time` in a step series of (time, bytes) sorted by time: the last
/// change at or before it, or the first entry for earlier times. `None` for an empty series.
pub(crate) fn limit_at(limits: &[(f64, u64)], time: f64) -> Option<u64> {
    let after = limits.partition_point(|&(from, _)| from <= time);
    limits.get(after.saturating_sub(1)).map(|&(_, bytes)| bytes)
}

/// Appends a limit observed at `time` to a step series, keeping only changes.
pub(crate) fn push_limit(limits: &mut Vec<(f64, u64)>, time: f64, bytes: u64) {
    if limits.last().is_none_or(|&(_, last)| last != bytes) {
        limits.push((time, bytes));
    }
}

/// Whether a label set names a limit metric (cAdvisor's or kube-state-metrics'), whose values
/// may be "unlimited" sentinels far above any memory.
pub(crate) fn is_limit_metric(labels: &Labels) -> bool {
    labels.get("__name__").is_some_and(|name| name.contains("limit"))
}

/// [`Series::name`] of a label set.
pub(crate) fn name_of(labels: &Labels) -> String {
    let known: Vec<&str> = ["namespace", "pod", "container"]
        .iter()
        .filter_map(|key| labels.get(*key).map(String::as_str))
        .collect();
    if !known.is_empty() {
        return known.join("/");
    }
    let all: Vec<String> = labels
        .iter()
        .filter(|(k, _)| *k != "__name__")
        .map(|(k, v)| if k == "series" { v.clone() } else { format!("{k}={v}") })
        .collect();
    if all.is_empty() { "series".to_owned() } else { all.join(",") }
}

/// The layouts this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum InputFormat {
    /// A header, a time column, a value column, and label columns.
    LongCsv,
    /// Grafana's CSV: "series joined by time" (a time column and one column per series) or
    /// "series as rows" (`Series`, `Time`, `Value`).
    GrafanaCsv,
    /// Prometheus' `query_range` (or `query`) API response.
    PrometheusJson,
    /// `promtool tsdb dump`: `{__name__="m", a="b"} value timestamp_ms` lines.
    PromtoolDump,
    /// OpenMetrics text (`promtool tsdb dump-openmetrics`): `m{a="b"} value timestamp`, `# EOF`.
    OpenMetrics,
    /// The Prometheus text exposition, scrapes saved with their timestamps.
    PrometheusText,
    /// VictoriaMetrics' `/api/v1/export`: one `{"metric","values","timestamps"}` object a line.
    VictoriaMetricsJsonl,
}

impl InputFormat {
    /// The layout's name as the CLI and reports write it.
    ///
    /// ```
    /// assert_eq!(oom_core::metrics::InputFormat::GrafanaCsv.as_str(), "grafana-csv");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            InputFormat::LongCsv => "long-csv",
            InputFormat::GrafanaCsv => "grafana-csv",
            InputFormat::PrometheusJson => "prometheus-json",
            InputFormat::PromtoolDump => "promtool-dump",
            InputFormat::OpenMetrics => "openmetrics",
            InputFormat::PrometheusText => "prometheus-text",
            InputFormat::VictoriaMetricsJsonl => "victoriametrics-jsonl",
        }
    }
}

/// A row or value that could not be read; the rest of the input still was.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RowError {
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// What is wrong.
    pub message: String,
}

/// Why an input could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// Reading failed.
    #[error("cannot read the input: {0}")]
    Io(#[from] std::io::Error),
    /// The input is empty.
    #[error("the input is empty")]
    Empty,
    /// The input is not text (NUL bytes, invalid UTF-8 or UTF-16): nothing of it is echoed.
    #[error("binary file (not a metrics dump): it holds NUL bytes or is not UTF-8 or UTF-16 text")]
    Binary,
    /// JSON that does not parse, or is not a Prometheus response.
    #[error("line {line}: {message}")]
    Json {
        /// 1-based line of the problem.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A layout that cannot be read without guessing: the message names the layout and column.
    #[error("{0}")]
    Layout(String),
}

impl MetricsError {
    /// The message without its line number, for reports that show the line themselves.
    ///
    /// ```
    /// use oom_core::metrics::MetricsError;
    ///
    /// let error = MetricsError::Json { line: 3, message: "cut short".into() };
    /// assert_eq!(error.to_string(), "line 3: cut short");
    /// assert_eq!(error.message(), "cut short");
    /// ```
    pub fn message(&self) -> String {
        match self {
            MetricsError::Json { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}

/// A series read but not analysed: its values cannot be one container's memory in bytes.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RefusedSeries {
    /// Its labels.
    pub labels: Labels,
    /// Why, and what to export instead.
    pub reason: String,
}

/// Series left out on purpose, counted for the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LeftOut {
    /// cAdvisor's pause containers (`container="POD"`).
    pub pause_containers: usize,
    /// Pod-level cgroups: `container=""`, or a pod (or cgroup `id`) without a container label
    /// where other series have one.
    pub pod_cgroups: usize,
    /// Series of metrics other than memory, limits and restart signals.
    pub other_metrics: usize,
}

/// One sample of a restart or OOM signal series: Unix seconds and the counter or gauge value.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SignalSample {
    /// Seconds since the Unix epoch.
    pub time: f64,
    /// The value as exported (a restart count, 1 for a last-terminated reason, ...).
    pub value: f64,
}

/// A restart or OOM series found in the dump (`kube_pod_container_status_restarts_total`,
/// `kube_pod_container_status_last_terminated_reason`, `container_oom_events_total`), kept for
/// the analysis.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Signal {
    /// The metric name.
    pub metric: String,
    /// Its labels, without `__name__`.
    pub labels: Labels,
    /// Samples sorted by time.
    pub samples: Vec<SignalSample>,
}

/// How to read a dump.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// Force a layout instead of detecting it.
    pub format: Option<InputFormat>,
    /// The memory metric, when a dump holds several (default [`MEMORY_METRIC`]), or the value
    /// column of a CSV whose name is not a value name.
    pub metric: Option<String>,
    /// The zone of times written without one (Grafana's local times); UTC when `None`.
    pub timezone: Option<TimeZone>,
}

/// Everything read from one dump.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MetricsDump {
    /// The layout found (or forced).
    pub format: InputFormat,
    /// The memory metric read, when the dump names its metrics.
    pub metric: Option<String>,
    /// The memory series.
    pub series: Vec<Series>,
    /// Series read but refused: they cannot be one container's memory in bytes.
    pub refused: Vec<RefusedSeries>,
    /// Series left out on purpose (pause containers, pod cgroups, other metrics).
    pub left_out: LeftOut,
    /// Restart and OOM series, for the analysis.
    pub signals: Vec<Signal>,
    /// Values that were gaps (`NaN`, `±Inf`, `null`, empty), skipped.
    pub gaps: usize,
    /// How the dump was read where a rule decided (unnamed Grafana columns, ignored columns).
    pub notes: Vec<String>,
    /// Rows and values that were skipped (the first [`MAX_ROW_ERRORS`]).
    pub errors: Vec<RowError>,
    /// Further skipped rows, counted but not kept, so a broken dump cannot exhaust memory.
    pub errors_omitted: usize,
}

/// How many row errors a dump keeps; the rest are only counted.
pub const MAX_ROW_ERRORS: usize = 1000;

#[derive(Default)]
struct RowErrors {
    list: Vec<RowError>,
    omitted: usize,
}

impl RowErrors {
    fn push(&mut self, error: RowError) {
        if self.list.len() < MAX_ROW_ERRORS {
            self.list.push(error);
        } else {
            self.omitted += 1;
        }
    }
}

/// What the layout readers fill.
struct Collector<'a> {
    builder: SeriesBuilder,
    errors: RowErrors,
    gaps: usize,
    notes: Vec<String>,
    zone: &'a TimeZone,
    metric: Option<&'a str>,
}

impl Collector<'_> {
    fn error(&mut self, line: Option<u64>, message: String) {
        self.errors.push(RowError { line, message });
    }

    /// Whether a sample's time is plausible ([`EARLIEST_PLAUSIBLE_TIME`] ..
    /// [`LATEST_PLAUSIBLE_TIME`]); if not, the row is a broken row (`context` prefixes the
    /// message: the layout or the JSON path).
    fn time_ok(&mut self, line: Option<u64>, context: &str, time: f64) -> bool {
        self.check(line, context, values::check_time(time))
    }

    /// Whether a sample is plausible: its time, and bytes at most [`MAX_PLAUSIBLE_BYTES`] —
    /// unless it is a `limit` metric's ([`is_limit_metric`]), whose "unlimited" sentinels are
    /// judged where limits are assembled.
    fn sample_ok(
        &mut self,
        line: Option<u64>,
        context: &str,
        limit: bool,
        time: f64,
        bytes: f64,
    ) -> bool {
        self.time_ok(line, context, time)
            && (limit || self.check(line, context, values::check_bytes(bytes)))
    }

    fn check(&mut self, line: Option<u64>, context: &str, checked: Result<(), String>) -> bool {
        match checked {
            Ok(()) => true,
            Err(message) if context.is_empty() => {
                self.error(line, message);
                false
            }
            Err(message) => {
                self.error(line, format!("{context}: {message}"));
                false
            }
        }
    }
}

/// Reads a dump, detecting its layout unless `format` forces one.
///
/// ```
/// use oom_core::metrics::{InputFormat, parse};
///
/// let json = r#"{"status":"success","data":{"resultType":"matrix","result":[
///     {"metric":{"container":"app"},"values":[[1700000000,"268435456"],[1700000060,"NaN"]]}]}}"#;
/// let dump = parse(json.as_bytes(), None)?;
/// assert_eq!(dump.format, InputFormat::PrometheusJson);
/// assert_eq!(dump.series[0].samples.len(), 1); // NaN is a gap
/// assert_eq!(dump.gaps, 1);
/// # Ok::<(), oom_core::metrics::MetricsError>(())
/// ```
pub fn parse(
    mut reader: impl Read,
    format: Option<InputFormat>,
) -> Result<MetricsDump, MetricsError> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes)?;
    parse_slice(&bytes, format)
}

/// [`parse`] of a dump already in memory, without copying it first.
///
/// ```
/// use oom_core::metrics::parse_slice;
///
/// let dump = parse_slice(b"timestamp,container,value\n1700000000,app,512Mi\n", None)?;
/// assert_eq!(dump.series.len(), 1);
/// assert_eq!(dump.series[0].samples[0].bytes, 536_870_912.0);
/// # Ok::<(), oom_core::metrics::MetricsError>(())
/// ```
pub fn parse_slice(bytes: &[u8], format: Option<InputFormat>) -> Result<MetricsDump, MetricsError> {
    parse_with(bytes, &ParseOptions { format, ..ParseOptions::default() })
}

/// Text of a dump in UTF-8 (with or without a byte-order mark) or UTF-16 (LE or BE, with a
/// byte-order mark, or without one when every other byte of ASCII text is zero). Bytes that
/// are not text in the encoding found — invalid UTF-8 or UTF-16, or a NUL after decoding — are
/// a binary file, refused before any of it is echoed ([`MetricsError::Binary`]).
fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, MetricsError> {
    let text = crate::text::decode(bytes).map_err(|_| MetricsError::Binary)?.text;
    if text.contains('\0') {
        return Err(MetricsError::Binary);
    }
    Ok(text)
}

/// [`parse_slice`] with options: a forced layout, the memory metric, the zone of local times.
///
/// ```
/// use oom_core::metrics::{InputFormat, ParseOptions, parse_with};
///
/// let dump = "{__name__=\"container_memory_working_set_bytes\", container=\"app\", pod=\"a\"} 3.13768e+08 1776902400000\n\
///             {__name__=\"container_memory_working_set_bytes\", container=\"POD\", pod=\"a\"} 1e6 1776902400000\n\
///             {__name__=\"container_memory_rss\", container=\"app\", pod=\"a\"} 2e8 1776902400000\n";
/// let read = parse_with(dump.as_bytes(), &ParseOptions::default())?;
/// assert_eq!(read.format, InputFormat::PromtoolDump);
/// assert_eq!(read.series.len(), 1);
/// assert_eq!(read.series[0].samples[0].bytes, 313_768_000.0);
/// assert_eq!(read.left_out.pause_containers, 1);
/// assert_eq!(read.left_out.other_metrics, 1);
///
/// let options = ParseOptions { metric: Some("container_memory_rss".into()), ..Default::default() };
/// let rss = parse_with(dump.as_bytes(), &options)?;
/// assert_eq!(rss.series[0].samples[0].bytes, 2e8);
/// # Ok::<(), oom_core::metrics::MetricsError>(())
/// ```
pub fn parse_with(bytes: &[u8], options: &ParseOptions) -> Result<MetricsDump, MetricsError> {
    let text = decode(bytes)?;
    let text: &str = &text;
    if text.trim().is_empty() {
        return Err(MetricsError::Empty);
    }
    let detected = options.format.unwrap_or_else(|| detect::detect(text));
    let zone = options.timezone.clone().unwrap_or(TimeZone::UTC);
    let mut collect = Collector {
        builder: SeriesBuilder::default(),
        errors: RowErrors::default(),
        gaps: 0,
        notes: Vec::new(),
        zone: &zone,
        metric: options.metric.as_deref(),
    };
    let format = match detected {
        InputFormat::PrometheusJson => {
            prometheus::prometheus(text, &mut collect)?;
            detected
        }
        InputFormat::LongCsv | InputFormat::GrafanaCsv => {
            csv::csv_blocks(text, &mut collect)?.unwrap_or(detected)
        }
        InputFormat::PromtoolDump | InputFormat::OpenMetrics | InputFormat::PrometheusText => {
            text::exposition(text, detected, &mut collect)?;
            detected
        }
        InputFormat::VictoriaMetricsJsonl => {
            victoria::export_lines(text, &mut collect)?;
            detected
        }
    };
    let checked = integrity::check(&mut collect.builder, options.metric.as_deref())?;
    let mut notes = collect.notes;
    notes.extend(checked.notes);
    let (series, limit_notes) = collect.builder.finish();
    notes.extend(limit_notes);
    Ok(MetricsDump {
        format,
        metric: checked.metric,
        series,
        refused: checked.refused,
        left_out: checked.left_out,
        signals: checked.signals,
        gaps: collect.gaps,
        notes,
        errors: collect.errors.list,
        errors_omitted: collect.errors.omitted,
    })
}

/// A deploy or other event from `--events`: a time and a description.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Event {
    /// Unix seconds.
    pub time: f64,
    /// What happened (`deploy 3e4f891`).
    pub label: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    const MI: f64 = 1_048_576.0;

    fn parse_text(text: &str) -> MetricsDump {
        match parse(text.as_bytes(), None) {
            Ok(dump) => dump,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn long_csv_with_labels_limit_and_broken_rows() {
        let dump = parse_text(
            "time,namespace,pod,container,bytes,limit\n\
             1777040700,shop,api-1,app,300Mi,1000Mi\n\
             1777040580,shop,api-1,app,100Mi,1000Mi\n\
             1777040640,shop,api-1,app,200Mi,1000Mi\n\
             1777040640,shop,api-1,app,200Mi,1000Mi\n\
             1777040760,shop,api-1,app,-5,1000Mi\n\
             not-a-time,shop,api-1,app,5,1000Mi\n\
             1777040820,shop,api-1,app,,1000Mi\n",
        );
        assert_eq!(dump.series.len(), 1, "{:?}", dump.refused);
        let series = &dump.series[0];
        let values: Vec<f64> = series.samples.iter().map(|s| s.bytes / MI).collect();
        assert_eq!(values, [100.0, 200.0, 300.0]); // sorted, the same row twice is one sample
        assert_eq!(series.limit_bytes(), Some(1000 << 20));
        assert_eq!(series.name(), "shop/api-1/app");
        let lines: Vec<_> = dump.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(6), Some(7)]);
        assert_eq!(dump.gaps, 1);
    }

    #[test]
    fn grafana_joined_by_time_with_quirks() {
        let text = "sep=;\r\n\"Time\";\"{container=\"\"app\"\", pod=\"\"api-1\"\"}\";\"api-2\"\r\n\
                    2026-04-24 14:00:00;268435456;\r\n\
                    2026-04-24 14:01:00;;300 MiB\r\n\
                    \r\n\
                    \"Time\";\"other\"\r\n\
                    2026-04-24 14:00:00;1.2 GB\r\n";
        let dump = parse_text(text);
        assert_eq!(dump.format, InputFormat::GrafanaCsv);
        assert!(dump.errors.is_empty(), "{:?}", dump.errors);
        assert_eq!(dump.series.len(), 3);
        assert_eq!(dump.gaps, 2);
        let app =
            dump.series.iter().find(|s| s.labels.get("container").is_some_and(|c| c == "app"));
        assert_eq!(
            app.map(|s| (s.labels.get("pod").cloned(), s.samples.len())),
            Some((Some("api-1".into()), 1))
        );
        let other =
            dump.series.iter().find(|s| s.labels.get("series").is_some_and(|c| c == "other"));
        assert_eq!(other.map(|s| s.samples[0].bytes), Some(1.2e9));
    }

    #[test]
    fn broken_rows_in_later_frames_keep_their_lines() {
        let text = "time,container,value\r\n\
                    1777040580,app,100Mi\r\n\
                    \r\n\
                    \r\n\
                    time,container,value\r\n\
                    1777040580,db,100Mi\r\n\
                    1777040640,db,-1\r\n\
                    sep=;\n\
                    time;container;value\n\
                    1777040580;cache;5Mi\n\
                    soon;cache;6Mi\n";
        let dump = parse_text(text);
        assert_eq!(dump.series.len(), 3, "{:?}", dump.errors);
        let lines: Vec<_> = dump.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(7), Some(11)]);
    }

    #[test]
    fn rows_of_interleaved_and_short_series_land_in_their_own_series() {
        let dump = parse_text(
            "time,value,pod,container,limit\n\
             1777040581,100Mi,a,app,1000Mi\n\
             1777040582,110Mi,a,app,\n\
             1777040583,200Mi,b,app,2000Mi\n\
             1777040584,120Mi,a,app,1000Mi\n\
             1777040585,,a,app,1000Mi\n\
             1777040586,130Mi,a,app,1000Mi\n\
             1777040587,300Mi,c,,\n\
             1777040588,310Mi,c,,\n\
             1777040589,320Mi,c\n\
             1777040590,330Mi,c,\n",
        );
        // Rows with fewer fields than the header are broken rows, with their lines.
        let lines: Vec<_> = dump.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(10), Some(11)], "{:?}", dump.errors);
        let mut found: Vec<(String, Vec<f64>, Option<u64>)> = dump
            .series
            .iter()
            .map(|s| {
                let labels: Vec<String> =
                    s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                (
                    labels.join(","),
                    s.samples.iter().map(|x| x.bytes / MI).collect(),
                    s.limit_bytes(),
                )
            })
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            found,
            [
                ("container=app,pod=a".into(), vec![100.0, 110.0, 120.0, 130.0], Some(1000 << 20)),
                ("container=app,pod=b".into(), vec![200.0], Some(2000 << 20)),
            ]
        );
        // `container=""` (pod c's rows) is a pod-level cgroup, not a container.
        assert_eq!(dump.left_out.pod_cgroups, 1);
    }

    #[test]
    fn grafana_series_blocks() {
        let dump = parse_text(
            "\"Series\",\"Time\",\"Value\"\n\
             \"{container=\"\"app\"\", namespace=\"\"shop\"\"}\",1777040580000,100Mi\n\
             \"{container=\"\"app\"\", namespace=\"\"shop\"\"}\",1777040640000,200Mi\n",
        );
        assert_eq!(dump.format, InputFormat::GrafanaCsv);
        assert_eq!(dump.series.len(), 1);
        assert_eq!(dump.series[0].name(), "shop/app");
        assert_eq!(dump.series[0].samples[0].time, 1_777_040_580.0);
    }

    #[test]
    fn prometheus_matrix_with_limit_series() {
        let dump = parse_text(
            r#"{"status":"success","data":{"resultType":"matrix","result":[
              {"metric":{"__name__":"container_memory_working_set_bytes","container":"app","pod":"api-1","namespace":"shop"},
               "values":[[1777040580,"100000000"],[1777040640.5,"NaN"],[1777040700,"300000000"],[1777040760,"-Inf"]]},
              {"metric":{"__name__":"container_spec_memory_limit_bytes","container":"app","pod":"api-1","namespace":"shop"},
               "values":[[1777040580,"536870912"]]}]}}"#,
        );
        assert_eq!(dump.format, InputFormat::PrometheusJson);
        assert_eq!(dump.series.len(), 1);
        assert_eq!(dump.series[0].samples.len(), 2);
        assert_eq!(dump.gaps, 2);
        assert_eq!(dump.series[0].limit_bytes(), Some(536_870_912));
        assert_eq!(dump.metric.as_deref(), Some(MEMORY_METRIC));
    }

    #[test]
    fn absurd_values_and_times_are_broken_rows_in_every_layout() {
        let csv = parse_text(
            "timestamp,container,value\n\
             1777040580,app,300Mi\n\
             1777040640,app,1e308\n\
             1777040700,app,2Pi\n\
             1777040760,app,1Pi\n\
             0,app,300Mi\n\
             99999999999,app,300Mi\n\
             1777040820,app,310Mi\n",
        );
        let lines: Vec<_> = csv.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(3), Some(4), Some(6), Some(7)], "{:?}", csv.errors);
        assert!(csv.errors[0].message.contains("above 1 PiB"), "{:?}", csv.errors);
        assert!(csv.errors[2].message.contains("1970-01-01T00:00:00Z is outside 1990..2200"));
        // Exactly 1 PiB is still read.
        assert_eq!(csv.series[0].samples.len(), 3);

        let json = parse_text(
            r#"{"status":"success","data":{"resultType":"matrix","result":[
              {"metric":{"container":"app"},"values":[[1e300,"3e8"],[1777040580,"3e8"],[-1e20,"3e8"],[1777040640,"1e20"]]},
              {"metric":{"__name__":"container_spec_memory_limit_bytes","container":"app"},"values":[[1777040580,"9223372036854771712"]]}]}}"#,
        );
        let messages: Vec<&str> = json.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].starts_with("result[0]: time 1e300 is outside"), "{messages:?}");
        assert!(messages[1].starts_with("result[0]: time -1e20 is outside"), "{messages:?}");
        assert!(messages[2].contains("1e20 bytes is above 1 PiB"), "{messages:?}");
        assert_eq!(json.series[0].samples.len(), 1);

        let promtool = parse_text(
            "{__name__=\"container_memory_working_set_bytes\", container=\"app\"} 3e8 1777040580000\n\
             {__name__=\"container_memory_working_set_bytes\", container=\"app\"} 3e18 1777040640000\n\
             {__name__=\"container_memory_working_set_bytes\", container=\"app\"} 3e8 1\n",
        );
        let lines: Vec<_> = promtool.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(2), Some(3)], "{:?}", promtool.errors);

        let victoria = parse_text(
            "{\"metric\":{\"container\":\"app\"},\"values\":[3e8,5e300,3e8],\"timestamps\":[1777040580000,1777040640000,-5]}\n",
        );
        assert_eq!(victoria.errors.len(), 2, "{:?}", victoria.errors);
        assert_eq!(victoria.series[0].samples.len(), 1);
    }

    #[test]
    fn binary_input_is_refused_before_anything_is_read() {
        for bytes in [
            &b"\x08\x7d\xf1\xa6\x90\xbe\xc2\x00\x1b[31m"[..],
            b"PK\x03\x04\x47\xe7",
            b"timestamp,namespace,pod,container,value\n1777000000,ns,p\x00,app,314572800\n",
            b"timestamp,container,value\n1777000000,\xe9t\xe9,314572800\n",
            &[0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00],
        ] {
            let error = parse_slice(bytes, None).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(error.starts_with("binary file (not a metrics dump)"), "{bytes:?}: {error}");
        }
    }

    #[test]
    fn truncated_json_is_an_error_with_a_line() {
        let error = parse("{\"status\":\"success\",\n\"data\":{\"result\":[".as_bytes(), None);
        assert!(matches!(error, Err(MetricsError::Json { line: 2, .. })), "{error:?}");
    }

    #[test]
    fn new_pod_names_are_restarts_of_one_container() {
        let dump = parse_text(
            "timestamp,namespace,pod,container,value\n\
             1777040100,shop,api-abc,app,1Gi\n1777040200,shop,api-abc,app,2Gi\n\
             1777040300,shop,api-def,app,1Gi\n1777040400,shop,api-def,app,2Gi\n",
        );
        assert_eq!(dump.series.len(), 1);
        assert_eq!(dump.series[0].pod_changes, [1_777_040_300.0]);
        assert_eq!(dump.series[0].samples.len(), 4);
    }

    #[test]
    fn utf16_and_tabs() {
        let text = "timestamp\tcontainer\tvalue\n1777040580\tapp\t300000000\n";
        for bytes in [
            [
                &[0xFF, 0xFE][..],
                &text.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<_>>(),
            ]
            .concat(),
            [
                &[0xFE, 0xFF][..],
                &text.encode_utf16().flat_map(u16::to_be_bytes).collect::<Vec<_>>(),
            ]
            .concat(),
            text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
            [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
        ] {
            let dump = parse_slice(&bytes, None).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(dump.series.len(), 1);
            assert_eq!(dump.series[0].samples[0].bytes, 3e8);
        }
    }

    #[test]
    fn victoriametrics_export_lines() {
        let text = "{\"metric\":{\"__name__\":\"container_memory_working_set_bytes\",\"container\":\"app\",\"pod\":\"a\"},\"values\":[3e8,null,3.1e8],\"timestamps\":[1777040580000,1777040640000,1777040700000]}\n\
                    {\"metric\":{\"__name__\":\"kube_pod_container_status_restarts_total\",\"container\":\"app\",\"pod\":\"a\"},\"values\":[0,1],\"timestamps\":[1777040580000,1777040640000]}\n\
                    {\"metric\":{\"__name__\":\"kube_pod_container_resource_limits\",\"resource\":\"memory\",\"unit\":\"byte\",\"container\":\"app\",\"pod\":\"a\",\"instance\":\"ksm:8080\"},\"values\":[536870912],\"timestamps\":[1777040580000]}\n\
                    {\"metric\":{\"__name__\":\"kube_pod_container_resource_limits\",\"resource\":\"cpu\",\"container\":\"app\",\"pod\":\"a\"},\"values\":[1],\"timestamps\":[1777040580000]}\n\
                    {\"metric\":{}, \"values\":[1,2],\"timestamps\":[1]}\n";
        let dump = parse_text(text);
        assert_eq!(dump.format, InputFormat::VictoriaMetricsJsonl);
        assert_eq!(dump.series.len(), 1);
        assert_eq!(dump.series[0].samples.len(), 2);
        assert_eq!(dump.series[0].limit_bytes(), Some(536_870_912));
        assert_eq!(dump.gaps, 1);
        assert_eq!(dump.signals.len(), 1);
        assert_eq!(dump.signals[0].metric, "kube_pod_container_status_restarts_total");
        assert_eq!(dump.left_out.other_metrics, 1);
        assert_eq!(dump.errors.iter().map(|e| e.line).collect::<Vec<_>>(), [Some(5)]);
    }

    #[test]
    fn several_metrics_without_working_set_are_refused_unless_chosen() {
        let text =
            "m_a{container=\"app\"} 3e8 1777040580000\nm_b{container=\"app\"} 2e8 1777040580000\n";
        let error = parse(text.as_bytes(), None).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(error.contains("`m_a`, `m_b`") && error.contains("--metric"), "{error}");
        let options = ParseOptions { metric: Some("m_b".into()), ..ParseOptions::default() };
        let dump = parse_with(text.as_bytes(), &options).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(dump.series[0].samples[0].bytes, 2e8);
    }

    #[test]
    fn local_times_in_a_zone() {
        let text = "Time,api\n2026-04-24 16:23:00,300000000\n";
        let zone = TimeZone::fixed(jiff::tz::Offset::constant(2));
        let options = ParseOptions { timezone: Some(zone), ..ParseOptions::default() };
        let dump = parse_with(text.as_bytes(), &options).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(dump.series[0].samples[0].time, 1_777_040_580.0);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    const T0: u64 = 1_776_902_400;

    fn samples() -> impl Strategy<Value = Vec<(u64, u64)>> {
        // Plausible container memory: a level between 64 MiB and 16 GiB that wanders by up to
        // 2 % a sample, every 15 s to 5 min. Independent random values would look like several
        // containers interleaved, which the reader rightly refuses.
        let steps = proptest::collection::vec((15u64..300, -20i64..=20), 1..40);
        ((64u64 << 20)..(16u64 << 30), steps).prop_map(|(level, steps)| {
            let mut time = T0;
            let mut bytes = level;
            steps
                .into_iter()
                .map(|(step, permille)| {
                    time += step;
                    let change = (bytes / 1000).saturating_mul(permille.unsigned_abs());
                    bytes = if permille < 0 { bytes - change } else { bytes + change };
                    (time, bytes)
                })
                .collect()
        })
    }

    fn values(dump: &MetricsDump) -> Vec<(f64, f64)> {
        dump.series.iter().flat_map(|s| s.samples.iter().map(|x| (x.time, x.bytes))).collect()
    }

    fn expected(rows: &[(u64, u64)]) -> Vec<(f64, f64)> {
        rows.iter().map(|&(t, b)| (t as f64, b as f64)).collect()
    }

    /// `1767870` → `1,767,870` (or with `.` for decimal-comma locales).
    fn grouped(value: u64, separator: char) -> String {
        let digits = value.to_string();
        let mut out = String::new();
        for (index, digit) in digits.chars().enumerate() {
            if index > 0 && (digits.len() - index).is_multiple_of(3) {
                out.push(separator);
            }
            out.push(digit);
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn no_layout_panics_on_arbitrary_input(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            for format in [
                None,
                Some(InputFormat::LongCsv),
                Some(InputFormat::PrometheusJson),
                Some(InputFormat::PromtoolDump),
                Some(InputFormat::OpenMetrics),
                Some(InputFormat::PrometheusText),
                Some(InputFormat::VictoriaMetricsJsonl),
            ] {
                let _ = parse_with(&data, &ParseOptions { format, ..ParseOptions::default() });
            }
        }

        #[test]
        fn no_panic_on_text_shaped_like_dumps(text in r#"[{}a-z_="\\, 0-9.;\t\n+-eEINfa#:]{0,200}"#) {
            let _ = parse_with(text.as_bytes(), &ParseOptions::default());
        }

        #[test]
        fn promtool_dump_round_trips(rows in samples()) {
            let text: String = rows.iter().map(|(t, b)| format!(
                "{{__name__=\"container_memory_working_set_bytes\", container=\"app\", pod=\"p\"}} {b} {}\n", t * 1000
            )).collect();
            let dump = parse_with(text.as_bytes(), &ParseOptions::default());
            prop_assert!(dump.is_ok());
            if let Ok(dump) = dump {
                prop_assert_eq!(dump.format, InputFormat::PromtoolDump);
                prop_assert_eq!(values(&dump), expected(&rows));
            }
        }

        #[test]
        fn victoriametrics_export_round_trips(rows in samples()) {
            let values_json: Vec<String> = rows.iter().map(|(_, b)| b.to_string()).collect();
            let times_json: Vec<String> = rows.iter().map(|(t, _)| (t * 1000).to_string()).collect();
            let text = format!(
                "{{\"metric\":{{\"__name__\":\"container_memory_working_set_bytes\",\"container\":\"app\"}},\"values\":[{}],\"timestamps\":[{}]}}\n",
                values_json.join(","), times_json.join(",")
            );
            let dump = parse_with(text.as_bytes(), &ParseOptions::default());
            prop_assert!(dump.is_ok());
            if let Ok(dump) = dump {
                prop_assert_eq!(dump.format, InputFormat::VictoriaMetricsJsonl);
                prop_assert_eq!(values(&dump), expected(&rows));
            }
        }

        #[test]
        fn grouped_numbers_round_trip_in_both_locales(rows in samples(), nanoseconds in any::<bool>()) {
            let time = |t: u64| if nanoseconds { format!("{t}000000000") } else { t.to_string() };
            let comma: String = std::iter::once("timestamp,container,value\n".to_owned())
                .chain(rows.iter().map(|&(t, b)| format!("{},app,\"{}.5\"\n", time(t), grouped(b, ','))))
                .collect();
            let semicolon: String = std::iter::once("timestamp;container;value\n".to_owned())
                .chain(rows.iter().map(|&(t, b)| format!("{};app;{},5\n", time(t), grouped(b, '.'))))
                .collect();
            let want: Vec<(f64, f64)> = rows.iter().map(|&(t, b)| (t as f64, b as f64 + 0.5)).collect();
            for text in [comma, semicolon] {
                let dump = parse_with(text.as_bytes(), &ParseOptions::default());
                prop_assert!(dump.is_ok());
                if let Ok(dump) = dump {
                    prop_assert!(dump.errors.is_empty(), "{:?}", dump.errors);
                    prop_assert_eq!(values(&dump), want.clone());
                }
            }
        }
    }
}
