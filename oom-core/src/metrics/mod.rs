//! Exported memory metrics → time series: long CSV, Grafana panel CSV and Prometheus
//! `query_range` JSON, detected from their content.
//!
//! Broken rows are reported with their line and skipped; the rest is kept. Rows are sorted by
//! time, duplicate timestamps merged (their mean), and empty or `NaN` values treated as gaps.
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
//! - `detect`: which layout a dump is in, its CSV delimiter, and the column names recognised.
//! - `csv`: long CSV and Grafana CSV frames, row by row.
//! - `labels`: Prometheus label sets as Grafana writes them in legends and cells.
//! - `prometheus`: the Prometheus HTTP API's `query_range` / `query` JSON.
//! - `values`: memory values with units, timestamps.
//! - `assemble`: samples → sorted, merged series, with limits and pod restarts joined.
//! - `events`: the deploy-events CSV.

use std::collections::BTreeMap;
use std::io::Read;

mod assemble;
mod csv;
mod detect;
mod events;
mod labels;
mod prometheus;
mod values;

pub use events::parse_events;
pub use values::{format_time, parse_bytes, parse_time};

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
        let known: Vec<&str> = ["namespace", "pod", "container"]
            .iter()
            .filter_map(|key| self.labels.get(*key).map(String::as_str))
            .collect();
        if !known.is_empty() {
            return known.join("/");
        }
        let all: Vec<String> = self.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if all.is_empty() { "series".to_owned() } else { all.join(",") }
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

/// The layouts this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum InputFormat {
    /// A header, a time column, a value column, and label columns.
    LongCsv,
    /// Grafana's "series joined by time": a time column and one column per series.
    GrafanaCsv,
    /// Prometheus' `query_range` (or `query`) API response.
    PrometheusJson,
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
    /// JSON that does not parse, or is not a Prometheus response.
    #[error("line {line}: {message}")]
    Json {
        /// 1-based line of the problem.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A CSV without a recognisable time column.
    #[error("{0}")]
    Layout(String),
}

/// Everything read from one dump.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MetricsDump {
    /// The layout found (or forced).
    pub format: InputFormat,
    /// The memory series.
    pub series: Vec<Series>,
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
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if text.trim().is_empty() {
        return Err(MetricsError::Empty);
    }
    let format = format.unwrap_or_else(|| detect::detect(text));
    let mut builder = SeriesBuilder::default();
    let mut errors = RowErrors::default();
    match format {
        InputFormat::PrometheusJson => prometheus::prometheus(text, &mut builder, &mut errors)?,
        InputFormat::LongCsv | InputFormat::GrafanaCsv => {
            csv::csv_blocks(text, &mut builder, &mut errors)?
        }
    }
    Ok(MetricsDump {
        format,
        series: builder.finish(),
        errors: errors.list,
        errors_omitted: errors.omitted,
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
             1777040700,shop,api-1,app,300,1000\n\
             1777040580,shop,api-1,app,100,1000\n\
             1777040640,shop,api-1,app,200,1000\n\
             1777040640,shop,api-1,app,400,1000\n\
             1777040760,shop,api-1,app,-5,1000\n\
             not-a-time,shop,api-1,app,5,1000\n\
             1777040820,shop,api-1,app,,1000\n",
        );
        assert_eq!(dump.series.len(), 1);
        let series = &dump.series[0];
        let values: Vec<f64> = series.samples.iter().map(|s| s.bytes).collect();
        assert_eq!(values, [100.0, 300.0, 300.0]); // sorted, duplicates merged
        assert_eq!(series.limit_bytes(), Some(1000));
        assert_eq!(series.name(), "shop/api-1/app");
        let lines: Vec<_> = dump.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(6), Some(7)]);
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
                    1777040580,app,100\r\n\
                    \r\n\
                    \r\n\
                    time,container,value\r\n\
                    1777040580,db,100\r\n\
                    1777040640,db,-1\r\n\
                    sep=;\n\
                    time;container;value\n\
                    1777040580;cache;5\n\
                    soon;cache;6\n";
        let dump = parse_text(text);
        assert_eq!(dump.series.len(), 3, "{:?}", dump.errors);
        let lines: Vec<_> = dump.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(7), Some(11)]);
    }

    #[test]
    fn rows_of_interleaved_and_short_series_land_in_their_own_series() {
        let dump = parse_text(
            "time,value,pod,container,limit\n\
             1,100,a,app,1000\n\
             2,110,a,app,\n\
             3,200,b,app,2000\n\
             4,120,a,app,1000\n\
             5,,a,app,1000\n\
             6,130,a,app,1000\n\
             7,300,c\n\
             8,310,c,\n\
             9,320,c,\n",
        );
        let mut found: Vec<(String, Vec<f64>, Option<u64>)> = dump
            .series
            .iter()
            .map(|s| {
                let labels: Vec<String> =
                    s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                (labels.join(","), s.samples.iter().map(|x| x.bytes).collect(), s.limit_bytes())
            })
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            found,
            [
                ("container=,pod=c".into(), vec![310.0, 320.0], None),
                ("container=app,pod=a".into(), vec![100.0, 110.0, 120.0, 130.0], Some(1000)),
                ("container=app,pod=b".into(), vec![200.0], Some(2000)),
                ("pod=c".into(), vec![300.0], None),
            ]
        );
    }

    #[test]
    fn grafana_series_blocks() {
        let dump = parse_text(
            "\"Series\",\"Time\",\"Value\"\n\
             \"{container=\"\"app\"\", namespace=\"\"shop\"\"}\",1777040580000,100\n\
             \"{container=\"\"app\"\", namespace=\"\"shop\"\"}\",1777040640000,200\n",
        );
        assert_eq!(dump.series.len(), 1);
        assert_eq!(dump.series[0].name(), "shop/app");
        assert_eq!(dump.series[0].samples[0].time, 1_777_040_580.0);
    }

    #[test]
    fn prometheus_matrix_with_limit_series() {
        let dump = parse_text(
            r#"{"status":"success","data":{"resultType":"matrix","result":[
              {"metric":{"__name__":"container_memory_working_set_bytes","container":"app","pod":"api-1","namespace":"shop"},
               "values":[[1777040580,"100"],[1777040640.5,"NaN"],[1777040700,"300"]]},
              {"metric":{"__name__":"container_spec_memory_limit_bytes","container":"app","pod":"api-1","namespace":"shop"},
               "values":[[1777040580,"536870912"]]}]}}"#,
        );
        assert_eq!(dump.format, InputFormat::PrometheusJson);
        assert_eq!(dump.series.len(), 1);
        assert_eq!(dump.series[0].samples.len(), 2);
        assert_eq!(dump.series[0].limit_bytes(), Some(536_870_912));
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
             100,shop,api-abc,app,1\n200,shop,api-abc,app,2\n\
             300,shop,api-def,app,1\n400,shop,api-def,app,2\n",
        );
        assert_eq!(dump.series.len(), 1);
        assert_eq!(dump.series[0].pod_changes, [300.0]);
        assert_eq!(dump.series[0].samples.len(), 4);
    }
}
