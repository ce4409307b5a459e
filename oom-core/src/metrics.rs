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

use std::collections::BTreeMap;
use std::io::Read;

use crate::quantity::Quantity;

/// Labels of a series (`namespace`, `pod`, `container`, ...).
pub type Labels = BTreeMap<String, String>;

/// One observation: Unix time in seconds, memory in bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Seconds since the Unix epoch (fractional).
    pub time: f64,
    /// Bytes.
    pub bytes: f64,
}

/// A memory time series.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Its labels.
    pub labels: Labels,
    /// Samples sorted by time, one per timestamp.
    pub samples: Vec<Sample>,
    /// The container's memory limit, when the dump carries it.
    pub limit_bytes: Option<u64>,
    /// Times at which the pod changed (a new pod name for the same container): restarts.
    pub pod_changes: Vec<f64>,
}

impl Series {
    /// A short name: `namespace/pod/container` from the labels present, else all labels.
    ///
    /// ```
    /// use oom_core::metrics::{Labels, Series};
    ///
    /// let labels: Labels = [("namespace", "shop"), ("container", "app")]
    ///     .into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    /// let series = Series { labels, samples: vec![], limit_bytes: None, pod_changes: vec![] };
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

/// The layouts this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

const TIME_COLUMNS: [&str; 8] =
    ["timestamp", "time", "ts", "date", "datetime", "t", "@timestamp", "_time"];
const VALUE_COLUMNS: [&str; 10] = [
    "value",
    "bytes",
    "memory",
    "working_set_bytes",
    "container_memory_working_set_bytes",
    "memory_bytes",
    "usage",
    "usage_bytes",
    "rss",
    "_value",
];
const LIMIT_COLUMNS: [&str; 4] = ["limit", "limit_bytes", "memory_limit", "memory_limit_bytes"];
const LIMIT_METRIC: &str = "container_spec_memory_limit_bytes";

/// Reads a dump, detecting its layout unless `format` forces one.
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
    let format = format.unwrap_or_else(|| detect(text));
    let mut builder = SeriesBuilder::default();
    let mut errors = RowErrors::default();
    match format {
        InputFormat::PrometheusJson => prometheus(text, &mut builder, &mut errors)?,
        InputFormat::LongCsv | InputFormat::GrafanaCsv => {
            csv_blocks(text, &mut builder, &mut errors)?
        }
    }
    Ok(MetricsDump {
        format,
        series: builder.finish(),
        errors: errors.list,
        errors_omitted: errors.omitted,
    })
}

fn detect(text: &str) -> InputFormat {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return InputFormat::PrometheusJson;
    }
    let header =
        text.lines().find(|l| !l.trim().is_empty() && !l.starts_with("sep=")).unwrap_or("");
    let delimiter = delimiter_of(header);
    let has_value_column = split_header(header, delimiter)
        .iter()
        .any(|c| VALUE_COLUMNS.contains(&c.to_ascii_lowercase().as_str()));
    if has_value_column { InputFormat::LongCsv } else { InputFormat::GrafanaCsv }
}

fn delimiter_of(header: &str) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

fn split_header(header: &str, delimiter: u8) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .from_reader(header.as_bytes());
    reader
        .records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(|c| c.trim().to_owned()).collect())
        .unwrap_or_default()
}

/// CSV, possibly several frames separated by blank lines, each with its own header.
fn csv_blocks(
    text: &str,
    builder: &mut SeriesBuilder,
    errors: &mut RowErrors,
) -> Result<(), MetricsError> {
    let mut delimiter = None;
    let mut found_header = false;
    // A frame is read in place, as a slice of the text between blank (or `sep=`) lines.
    let (mut block_start, mut block_first_line) = (0, 1u64);
    let mut offset = 0;
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        let line = raw.trim_end_matches(['\n', '\r']);
        let sep = line.strip_prefix("sep=");
        if sep.is_some() || line.trim().is_empty() {
            if offset > block_start {
                let block = &text[block_start..offset];
                found_header |= csv_block(block, block_first_line, delimiter, builder, errors);
            }
            if let Some(sep) = sep {
                delimiter = sep.bytes().next();
            }
            block_start = offset + raw.len();
            block_first_line = index as u64 + 2;
        }
        offset += raw.len();
    }
    if text.len() > block_start {
        let block = &text[block_start..];
        found_header |= csv_block(block, block_first_line, delimiter, builder, errors);
    }
    if found_header {
        Ok(())
    } else {
        Err(MetricsError::Layout(
            "no CSV header with a time column (timestamp, time, ts, Time, ...) was found".into(),
        ))
    }
}

/// Line numbers of records' byte offsets, which only move forward. After a CRLF line end the
/// csv crate places the next record at the `\n` (and counts one line short), so a record that
/// starts at a `\n` starts on the line after it.
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: u64,
}

impl LineCounter<'_> {
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut byte = usize::try_from(byte).unwrap_or(usize::MAX).min(self.text.len());
        if self.text.get(byte) == Some(&b'\n') {
            byte += 1;
        }
        if byte > self.offset {
            self.line +=
                self.text[self.offset..byte].iter().filter(|&&b| b == b'\n').count() as u64;
            self.offset = byte;
        }
        self.line
    }
}

enum Column {
    Time,
    Value,
    Limit,
    Label(String),
    /// A Grafana series column, named by its legend or label set.
    Series(Labels),
}

/// One frame; returns whether it had a usable header.
fn csv_block(
    block: &str,
    first_line: u64,
    delimiter: Option<u8>,
    builder: &mut SeriesBuilder,
    errors: &mut RowErrors,
) -> bool {
    let header_line = block.lines().next().unwrap_or("");
    let delimiter = delimiter.unwrap_or_else(|| delimiter_of(header_line));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(block.as_bytes());
    let mut records = reader.records();
    let Some(Ok(header)) = records.next() else { return false };
    let names: Vec<String> = header.iter().map(|c| c.trim().to_owned()).collect();
    let lower: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    let Some(time_index) = lower.iter().position(|n| TIME_COLUMNS.contains(&n.as_str())) else {
        errors.push(RowError {
            line: Some(first_line),
            message: format!("no time column in header `{}`", header_line.trim()),
        });
        return false;
    };
    let value_index = lower.iter().position(|n| VALUE_COLUMNS.contains(&n.as_str()));
    let columns: Vec<Column> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            if i == time_index {
                Column::Time
            } else if Some(i) == value_index {
                Column::Value
            } else if value_index.is_some() && LIMIT_COLUMNS.contains(&lower[i].as_str()) {
                Column::Limit
            } else if value_index.is_some() {
                Column::Label(name.clone())
            } else {
                Column::Series(parse_label_set(name))
            }
        })
        .collect();
    let mut lines = LineCounter { text: block.as_bytes(), offset: 0, line: first_line };
    let label_columns: Vec<usize> =
        (0..columns.len()).filter(|&i| matches!(columns[i], Column::Label(_))).collect();
    // The label cells of the last row that was added: a dump lists a series' rows one after
    // another, and a row of the same series need not build its label set again.
    let mut previous_cells: Option<Vec<String>> = None;
    // As in the full path below, the last limit column wins.
    let limit_index = columns.iter().rposition(|c| matches!(c, Column::Limit));
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map(|p| lines.line_at(p.byte()));
                errors.push(RowError { line, message: format!("unreadable CSV row: {error}") });
                continue;
            }
        };
        let line = record.position().map_or(first_line, |p| lines.line_at(p.byte()));
        let Some(time_text) = record.get(time_index) else { continue };
        let time = match parse_time(time_text) {
            Ok(time) => time,
            Err(message) => {
                errors.push(RowError { line: Some(line), message });
                continue;
            }
        };
        let same_series = previous_cells.as_ref().is_some_and(|previous| {
            label_columns.iter().zip(previous).all(|(&i, cell)| record.get(i) == Some(cell))
        }) && record.len() >= columns.len();
        if same_series && let Some(value_index) = value_index {
            let limit = limit_index
                .and_then(|i| record.get(i))
                .and_then(|cell| parse_bytes(cell).ok().flatten());
            match record.get(value_index).map(parse_bytes) {
                Some(Ok(Some(bytes))) => builder.push_to_last(time, bytes, limit),
                Some(Err(message)) => errors.push(RowError { line: Some(line), message }),
                Some(Ok(None)) | None => {}
            }
            continue;
        }
        let mut labels = Labels::new();
        let mut value = None;
        let mut limit = None;
        for (cell, column) in record.iter().zip(&columns) {
            match column {
                Column::Time => {}
                Column::Value => value = Some(cell),
                Column::Limit => limit = parse_bytes(cell).ok().flatten(),
                Column::Label(name) => {
                    // Grafana's per-series layout puts the label set in a "Series" column.
                    if cell.trim_start().starts_with('{') || cell.contains("{") {
                        labels.extend(parse_label_set(cell));
                    } else {
                        labels.insert(name.clone(), cell.trim().to_owned());
                    }
                }
                Column::Series(series_labels) => match parse_bytes(cell) {
                    Ok(Some(bytes)) => builder.push(series_labels.clone(), time, bytes, None),
                    Ok(None) => {}
                    Err(message) => errors.push(RowError { line: Some(line), message }),
                },
            }
        }
        if let Some(cell) = value {
            match parse_bytes(cell) {
                Ok(Some(bytes)) => {
                    builder.push(labels, time, bytes, limit);
                    // A short row has fewer labels than its cells suggest: no shortcut from it.
                    previous_cells = (record.len() >= columns.len()).then(|| {
                        let cell = |i: usize| record.get(i).unwrap_or_default().to_owned();
                        label_columns.iter().map(|&i| cell(i)).collect()
                    });
                }
                Ok(None) => {}
                Err(message) => errors.push(RowError { line: Some(line), message }),
            }
        }
    }
    true
}

/// `{container="app", pod="api-1"}`, `metric{a="b"}`, or a bare legend (`api-1`).
fn parse_label_set(text: &str) -> Labels {
    let text = text.trim();
    let mut labels = Labels::new();
    let (name, body) = match text.find('{') {
        Some(open) if text.ends_with('}') => (&text[..open], &text[open + 1..text.len() - 1]),
        _ => {
            labels.insert("series".to_owned(), text.to_owned());
            return labels;
        }
    };
    if !name.trim().is_empty() {
        labels.insert("__name__".to_owned(), name.trim().to_owned());
    }
    let mut rest = body;
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim().trim_start_matches(',').trim().to_owned();
        let after = rest[eq + 1..].trim_start();
        let Some(quoted) = after.strip_prefix('"') else { break };
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        let mut end = quoted.len();
        while let Some((index, c)) = chars.next() {
            match c {
                '\\' => value.extend(chars.next().map(|(_, c)| c)),
                '"' => {
                    end = index + 1;
                    break;
                }
                c => value.push(c),
            }
        }
        labels.insert(key, value);
        rest = &quoted[end.min(quoted.len())..];
    }
    labels
}

/// Parses a time: RFC 3339 / ISO 8601 with or without a zone (no zone = UTC), or Unix seconds,
/// milliseconds or microseconds (told apart by magnitude), fractions allowed.
///
/// ```
/// use oom_core::metrics::parse_time;
///
/// assert_eq!(parse_time("2026-04-24T14:23:00Z"), Ok(1_777_040_580.0));
/// assert_eq!(parse_time("2026-04-24 14:23:00"), Ok(1_777_040_580.0));
/// assert_eq!(parse_time("2026-04-24T16:23:00+02:00"), Ok(1_777_040_580.0));
/// assert_eq!(parse_time("1777040580000"), Ok(1_777_040_580.0));
/// assert_eq!(parse_time("1777040580.5"), Ok(1_777_040_580.5));
/// ```
pub fn parse_time(text: &str) -> Result<f64, String> {
    let text = text.trim();
    if let Ok(number) = text.parse::<f64>() {
        if !number.is_finite() || number < 0.0 {
            return Err(format!("invalid time `{text}`"));
        }
        return Ok(if number > 1e14 {
            number / 1e6
        } else if number > 1e11 {
            number / 1e3
        } else {
            number
        });
    }
    if let Ok(timestamp) = text.parse::<jiff::Timestamp>() {
        return Ok(timestamp.as_nanosecond() as f64 / 1e9);
    }
    if let Ok(datetime) = text.parse::<jiff::civil::DateTime>()
        && let Ok(timestamp) = jiff::tz::TimeZone::UTC.to_timestamp(datetime)
    {
        return Ok(timestamp.as_nanosecond() as f64 / 1e9);
    }
    Err(format!("invalid time `{text}`: expected RFC 3339 (2026-04-24T14:23:00Z) or Unix seconds"))
}

/// Formats Unix seconds as RFC 3339 in UTC, to the second.
///
/// ```
/// assert_eq!(oom_core::metrics::format_time(1_777_040_580.0), "2026-04-24T14:23:00Z");
/// ```
pub fn format_time(seconds: f64) -> String {
    jiff::Timestamp::from_second(seconds.round() as i64)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| format!("{seconds}"))
}

/// Parses a memory value: bytes, or a number with a unit (`312 MiB`, `1.2 GB`, `512Mi`).
/// `Ok(None)` is a gap (empty, `NaN`, `null`).
///
/// ```
/// use oom_core::metrics::parse_bytes;
///
/// assert_eq!(parse_bytes("312 MiB"), Ok(Some(312.0 * 1048576.0)));
/// assert_eq!(parse_bytes("1.2 GB"), Ok(Some(1.2e9)));
/// assert_eq!(parse_bytes("512Mi"), Ok(Some(536870912.0)));
/// assert_eq!(parse_bytes("NaN"), Ok(None));
/// assert!(parse_bytes("-5").is_err());
/// ```
pub fn parse_bytes(text: &str) -> Result<Option<f64>, String> {
    let text = text.trim();
    if text.is_empty()
        || matches!(text.to_ascii_lowercase().as_str(), "nan" | "null" | "none" | "-" | "n/a")
    {
        return Ok(None);
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .unwrap_or(text.len());
    // `1e9` is a number, but in `512Ei` the `E` belongs to the unit.
    let (number, unit) = match text[..split].parse::<f64>() {
        Ok(_) => (&text[..split], text[split..].trim()),
        Err(_) => {
            let digits =
                text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
            (&text[..digits], text[digits..].trim())
        }
    };
    let value: f64 = number.parse().map_err(|_| format!("invalid memory value `{text}`"))?;
    let scale = match unit {
        "" | "B" | "bytes" | "b" => 1.0,
        "KiB" | "Ki" => 1024.0,
        "MiB" | "Mi" => 1048576.0,
        "GiB" | "Gi" => 1073741824.0,
        "TiB" | "Ti" => 1099511627776.0,
        "kB" | "KB" | "k" | "K" => 1e3,
        "MB" | "M" => 1e6,
        "GB" | "G" => 1e9,
        "TB" | "T" => 1e12,
        other => {
            return Quantity::parse(&format!("{number}{other}"))
                .map(|q| Some(q.magnitude_bytes() as f64))
                .map_err(|_| format!("invalid memory value `{text}`: unknown unit `{other}`"));
        }
    };
    let bytes = value * scale;
    if !bytes.is_finite() {
        return Ok(None);
    }
    if bytes < 0.0 {
        return Err(format!("negative memory value `{text}`"));
    }
    Ok(Some(bytes))
}

fn prometheus(
    text: &str,
    builder: &mut SeriesBuilder,
    errors: &mut RowErrors,
) -> Result<(), MetricsError> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| MetricsError::Json {
        line: e.line() as u64,
        message: format!("invalid JSON ({e}); was the export cut short?"),
    })?;
    if let Some(status) = json.get("status").and_then(|s| s.as_str())
        && status != "success"
    {
        let reason = json.get("error").and_then(|e| e.as_str()).unwrap_or("no reason given");
        return Err(MetricsError::Json {
            line: 1,
            message: format!("Prometheus status `{status}`: {reason}"),
        });
    }
    let result = json
        .get("data")
        .and_then(|d| d.get("result"))
        .or_else(|| json.get("result"))
        .and_then(|r| r.as_array())
        .ok_or_else(|| MetricsError::Json {
            line: 1,
            message: "not a Prometheus response: expected data.result[]".into(),
        })?;
    for (index, series) in result.iter().enumerate() {
        let labels: Labels = series
            .get("metric")
            .and_then(|m| m.as_object())
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let values: Vec<&serde_json::Value> = match (series.get("values"), series.get("value")) {
            (Some(values), _) => values.as_array().map(|v| v.iter().collect()).unwrap_or_default(),
            (None, Some(value)) => vec![value],
            (None, None) => Vec::new(),
        };
        for pair in values {
            let (Some(time), Some(value)) = (pair.get(0), pair.get(1)) else {
                errors.push(RowError {
                    line: None,
                    message: format!("result[{index}]: a value is not a [time, \"value\"] pair"),
                });
                continue;
            };
            let time = time.as_f64().or_else(|| time.as_str().and_then(|t| parse_time(t).ok()));
            let value = match value {
                serde_json::Value::String(text) => parse_bytes(text),
                serde_json::Value::Number(number) => Ok(number.as_f64()),
                _ => Err("not a number".to_owned()),
            };
            match (time, value) {
                (Some(time), Ok(Some(bytes))) => builder.push(labels.clone(), time, bytes, None),
                (Some(_), Ok(None)) => {}
                (_, Err(message)) => errors
                    .push(RowError { line: None, message: format!("result[{index}]: {message}") }),
                (None, _) => errors.push(RowError {
                    line: None,
                    message: format!("result[{index}]: invalid time"),
                }),
            }
        }
    }
    Ok(())
}

/// Collects samples per label set, then sorts, merges and attaches limits.
#[derive(Default)]
struct SeriesBuilder {
    series: BTreeMap<Labels, (Vec<Sample>, Option<u64>)>,
    /// The series the last sample went to.
    last: Option<Labels>,
}

impl SeriesBuilder {
    fn push(&mut self, labels: Labels, time: f64, bytes: f64, limit: Option<f64>) {
        if self.last.as_ref() != Some(&labels) {
            self.last = Some(labels.clone());
        }
        let entry = self.series.entry(labels).or_default();
        entry.0.push(Sample { time, bytes });
        if let Some(limit) = limit.filter(|l| *l > 0.0) {
            entry.1 = Some(limit as u64);
        }
    }

    /// Adds a sample to the series the last one went to.
    fn push_to_last(&mut self, time: f64, bytes: f64, limit: Option<f64>) {
        let Some(entry) = self.last.as_ref().and_then(|labels| self.series.get_mut(labels)) else {
            return;
        };
        entry.0.push(Sample { time, bytes });
        if let Some(limit) = limit.filter(|l| *l > 0.0) {
            entry.1 = Some(limit as u64);
        }
    }

    fn finish(self) -> Vec<Series> {
        let mut memory = Vec::new();
        let mut limits: Vec<(Labels, u64)> = Vec::new();
        for (mut labels, (mut samples, limit)) in self.series {
            samples.sort_by(|a, b| a.time.total_cmp(&b.time));
            let samples = merge_duplicates(samples);
            if labels.get("__name__").is_some_and(|n| n == LIMIT_METRIC) {
                labels.remove("__name__");
                if let Some(last) = samples.iter().rev().find(|s| s.bytes > 0.0) {
                    limits.push((labels, last.bytes as u64));
                }
                continue;
            }
            labels.remove("__name__");
            memory.push(Series { labels, samples, limit_bytes: limit, pod_changes: Vec::new() });
        }
        for series in &mut memory {
            if series.limit_bytes.is_none() {
                series.limit_bytes = limits
                    .iter()
                    .find(|(labels, _)| {
                        labels.iter().all(|(k, v)| series.labels.get(k).is_none_or(|own| own == v))
                    })
                    .map(|(_, limit)| *limit);
            }
        }
        join_pod_generations(memory)
    }
}

fn merge_duplicates(samples: Vec<Sample>) -> Vec<Sample> {
    let mut merged: Vec<Sample> = Vec::with_capacity(samples.len());
    let mut count = 1.0;
    for sample in samples {
        match merged.last_mut() {
            Some(last) if last.time == sample.time => {
                count += 1.0;
                last.bytes += (sample.bytes - last.bytes) / count;
            }
            _ => {
                merged.push(sample);
                count = 1.0;
            }
        }
    }
    merged
}

/// Series that differ only in their pod name and follow each other in time are one container
/// across restarts (a Deployment's new pod after an OOMKill): joined, with the change recorded.
fn join_pod_generations(series: Vec<Series>) -> Vec<Series> {
    let key = |s: &Series| {
        let mut labels = s.labels.clone();
        labels.remove("pod");
        labels.remove("instance");
        labels.remove("id");
        labels.remove("name");
        labels
    };
    let mut groups: BTreeMap<Labels, Vec<Series>> = BTreeMap::new();
    for s in series {
        groups.entry(key(&s)).or_default().push(s);
    }
    let mut out = Vec::new();
    for (_, mut members) in groups {
        let all_have_pods =
            members.len() > 1 && members.iter().all(|s| s.labels.contains_key("pod"));
        members.sort_by(|a, b| first_time(a).total_cmp(&first_time(b)));
        let sequential = members.windows(2).all(|w| last_time(&w[0]) <= first_time(&w[1]));
        if !all_have_pods || !sequential {
            out.extend(members);
            continue;
        }
        let mut joined = members.remove(0);
        for next in members {
            joined.pod_changes.push(first_time(&next));
            joined.samples.extend(next.samples);
            joined.limit_bytes = next.limit_bytes.or(joined.limit_bytes);
            if let Some(pod) = next.labels.get("pod") {
                joined.labels.insert("pod".to_owned(), pod.clone());
            }
        }
        out.push(joined);
    }
    out
}

fn first_time(series: &Series) -> f64 {
    series.samples.first().map_or(f64::INFINITY, |s| s.time)
}

fn last_time(series: &Series) -> f64 {
    series.samples.last().map_or(f64::NEG_INFINITY, |s| s.time)
}

/// A deploy or other event from `--events`: a time and a description.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Unix seconds.
    pub time: f64,
    /// What happened (`deploy 3e4f891`).
    pub label: String,
}

/// Reads an events CSV: `timestamp,event` rows, with or without a header.
///
/// ```
/// use oom_core::metrics::parse_events;
///
/// let (events, errors) = parse_events("timestamp,event\n2026-04-24T14:23:00Z,deploy 3e4f891\n".as_bytes())?;
/// assert_eq!(events[0].label, "deploy 3e4f891");
/// assert!(errors.is_empty());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn parse_events(mut reader: impl Read) -> Result<(Vec<Event>, Vec<RowError>), std::io::Error> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    let mut csv =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let (mut events, mut errors) = (Vec::new(), Vec::new());
    for (index, record) in csv.records().enumerate() {
        let line = Some(index as u64 + 1);
        let Ok(record) = record else {
            errors.push(RowError { line, message: "unreadable CSV row".into() });
            continue;
        };
        let time_text = record.get(0).unwrap_or("").trim();
        let label = record.iter().skip(1).collect::<Vec<_>>().join(",").trim().to_owned();
        if time_text.is_empty() {
            continue;
        }
        match parse_time(time_text) {
            Ok(time) => events.push(Event { time, label }),
            Err(_) if index == 0 => {} // a header
            Err(message) => errors.push(RowError { line, message }),
        }
    }
    events.sort_by(|a, b| a.time.total_cmp(&b.time));
    Ok((events, errors))
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
        assert_eq!(series.limit_bytes, Some(1000));
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
                (labels.join(","), s.samples.iter().map(|x| x.bytes).collect(), s.limit_bytes)
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
        assert_eq!(dump.series[0].limit_bytes, Some(536_870_912));
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

    #[test]
    fn values_with_units() {
        assert_eq!(parse_bytes("1e9"), Ok(Some(1e9)));
        assert_eq!(parse_bytes("2 KiB"), Ok(Some(2048.0)));
        assert_eq!(parse_bytes("1Ei"), Ok(Some(1152921504606846976.0)));
        assert!(parse_bytes("12 parsecs").is_err());
        assert!(parse_bytes("abc").is_err());
    }
}
