//! Which layout a dump is in, and for a CSV frame, what each column holds.
//!
//! The layout is decided from the first meaningful line, never by trying one parser after
//! another: a `{` followed by a quote opens JSON (Prometheus' response, or VictoriaMetrics'
//! export when each line is a `{"metric":…,"values":…,"timestamps":…}` object), a `{` followed
//! by a label name opens a `promtool tsdb dump` line, `# HELP` / `# TYPE` or a
//! `name{labels} value` line open the Prometheus text exposition (OpenMetrics when it ends with
//! `# EOF`), and anything else is CSV. A CSV frame's columns are then decided from its whole
//! header and a sample of its rows ([`plan_frame`]).

use crate::metrics::labels::parse_label_set;
use crate::metrics::values::{NumberStyle, header_unit, parse_value};
use crate::metrics::{InputFormat, Labels};

/// Names (lower case) of a long CSV's time column.
pub(super) const TIME_COLUMNS: [&str; 9] =
    ["timestamp", "time", "ts", "date", "datetime", "t", "@timestamp", "_time", "timestamp_ms"];
/// Names (lower case, without a unit suffix) of a long CSV's value column.
pub(super) const VALUE_COLUMNS: [&str; 14] = [
    "value",
    "bytes",
    "memory",
    "working_set_bytes",
    "working_set",
    "container_memory_working_set_bytes",
    "memory_bytes",
    "memory_usage",
    "usage",
    "usage_bytes",
    "rss",
    "_value",
    "mem",
    "memory_working_set",
];
/// Names (lower case, without a unit suffix) of a long CSV's limit column.
pub(super) const LIMIT_COLUMNS: [&str; 4] =
    ["limit", "limit_bytes", "memory_limit", "memory_limit_bytes"];
/// Column names that are labels whatever their cells look like (a numeric pod name is still a
/// pod name).
const LABEL_COLUMNS: [&str; 12] = [
    "namespace",
    "pod",
    "container",
    "instance",
    "job",
    "node",
    "id",
    "name",
    "image",
    "series",
    "metric",
    "uid",
];
/// Rows of a CSV frame read before its columns are decided.
pub(super) const SAMPLE_ROWS: usize = 200;

/// The layout of a dump, from its first meaningful line (see the module documentation). CSV
/// dumps are reported as [`InputFormat::LongCsv`] here; the CSV reader tells long CSV from
/// Grafana's layouts by their header and rows.
pub(super) fn detect(text: &str) -> InputFormat {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let Some(first) = lines.next() else { return InputFormat::LongCsv };
    if let Some(after) = first.strip_prefix('{') {
        let after = after.trim_start();
        if after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return InputFormat::PromtoolDump;
        }
        let one_line: Option<serde_json::Value> = serde_json::from_str(first).ok();
        let is_export = one_line.as_ref().is_some_and(|v| {
            v.get("metric").is_some()
                && (v.get("values").is_some() || v.get("timestamps").is_some())
                && v.get("status").is_none()
        });
        return if is_export {
            InputFormat::VictoriaMetricsJsonl
        } else {
            InputFormat::PrometheusJson
        };
    }
    if first.starts_with('[') {
        return InputFormat::PrometheusJson;
    }
    let exposition_comment =
        |l: &str| ["# HELP ", "# TYPE ", "# UNIT ", "# EOF"].iter().any(|p| l.starts_with(p));
    if exposition_comment(first) || is_sample_line(first) {
        let openmetrics = text.lines().rev().map(str::trim).find(|l| !l.is_empty())
            == Some("# EOF")
            || text.lines().any(|l| l.starts_with("# UNIT "));
        return if openmetrics { InputFormat::OpenMetrics } else { InputFormat::PrometheusText };
    }
    InputFormat::LongCsv
}

/// `name{labels} value [timestamp]` or `name value [timestamp]`.
fn is_sample_line(line: &str) -> bool {
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(line.len());
    let name = &line[..name_end];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let rest = &line[name_end..];
    let rest = match crate::metrics::labels::parse_braced(rest) {
        Some((_, rest)) => rest,
        None if rest.starts_with([' ', '\t']) => rest,
        None => return false,
    };
    let mut tokens = rest.split_whitespace();
    let value_ok =
        tokens.next().is_some_and(|v| parse_value(v, NumberStyle::DecimalPoint, 1.0).is_ok());
    let time_ok = tokens.next().is_none_or(|t| t.parse::<f64>().is_ok() || t == "#");
    value_ok && time_ok
}

/// The delimiter of a header line: the most frequent unquoted tab, `;` or `,` (Grafana writes
/// `;` in some locales, spreadsheets export tabs); `,` when there is none.
pub(super) fn delimiter_of(header: &str) -> u8 {
    let (mut commas, mut semicolons, mut tabs, mut quoted) = (0, 0, 0, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            '\t' if !quoted => tabs += 1,
            _ => {}
        }
    }
    if tabs > 0 && tabs >= semicolons && tabs >= commas {
        b'\t'
    } else if semicolons > commas {
        b';'
    } else {
        b','
    }
}

/// What a CSV column holds.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Column {
    Time,
    /// The memory value, a bare number being in `scale` bytes.
    Value {
        scale: f64,
    },
    /// The limit, a bare number being in `scale` bytes.
    Limit {
        scale: f64,
    },
    Label(String),
    /// A Grafana series column, named by its legend or label set.
    Series {
        labels: Labels,
        scale: f64,
    },
    /// Numbers that are neither the memory value nor a label (a restart count, another metric).
    Ignored,
}

/// How a CSV frame is read.
#[derive(Debug)]
pub(super) struct FramePlan {
    pub(super) layout: InputFormat,
    pub(super) columns: Vec<Column>,
    pub(super) style: NumberStyle,
    /// Decisions the user should know about.
    pub(super) notes: Vec<String>,
}

/// Decides a CSV frame's columns from its header and a sample of its rows, or refuses with a
/// message naming the layout and the column:
///
/// 1. The time column is the first whose name is a time name (`timestamp`, `time`, `Time`, ...).
/// 2. The value column is the one named by `--metric`, else the one whose name (without a unit
///    suffix such as `_mib` or ` (MiB)`) is a value name (`value`, `bytes`, `memory`, ...).
///    The unit suffix gives the unit of bare numbers; without one they are bytes.
/// 3. With a value column, every other column is a label — except limit columns, and columns
///    of numbers that are not label names (ignored, with a note): a numeric column as a label
///    would split one container into a series per row.
/// 4. Several value columns and no label column is Grafana 7's "series joined by time" without
///    legends (every column `Value`): each column is its own series, named by its header and
///    position. Several value columns beside labels cannot be told apart: refused.
/// 5. No value column: when every other column holds numbers, it is Grafana's "series joined by
///    time", one series per column named by its header (a legend or a label set); when some hold
///    text (labels), the value column's name is unknown: refused, naming the numeric columns.
pub(super) fn plan_frame(
    names: &[String],
    sample: &[Vec<String>],
    metric: Option<&str>,
    delimiter: u8,
) -> Result<FramePlan, String> {
    let lower: Vec<String> = names.iter().map(|n| n.trim().to_ascii_lowercase()).collect();
    let time_index =
        lower.iter().position(|n| TIME_COLUMNS.contains(&n.as_str())).ok_or_else(|| {
            format!(
                "no time column (timestamp, time, ts, Time, ...) in header `{}`",
                names.join(",")
            )
        })?;
    let column_name = |i: usize| format!("`{}` (column {})", names[i].trim(), i + 1);
    let units: Vec<(String, Option<f64>)> = names
        .iter()
        .map(|n| {
            let (base, scale) = header_unit(n);
            (base.to_ascii_lowercase(), scale)
        })
        .collect();
    let metric_lower = metric.map(str::to_ascii_lowercase);
    let is_value_name = |i: usize| match &metric_lower {
        Some(metric) => lower[i] == *metric || units[i].0 == *metric,
        None => {
            VALUE_COLUMNS.contains(&lower[i].as_str())
                || VALUE_COLUMNS.contains(&units[i].0.as_str())
        }
    };
    let is_limit_name = |i: usize| {
        LIMIT_COLUMNS.contains(&lower[i].as_str()) || LIMIT_COLUMNS.contains(&units[i].0.as_str())
    };
    let is_series_column = |i: usize| lower[i] == "series";
    let value_columns: Vec<usize> =
        (0..names.len()).filter(|&i| i != time_index && is_value_name(i)).collect();
    let other: Vec<usize> = (0..names.len())
        .filter(|&i| i != time_index && !value_columns.contains(&i) && !is_limit_name(i))
        .collect();
    let cells = |i: usize| sample.iter().filter_map(move |row| row.get(i).map(String::as_str));
    let candidates: Vec<usize> = if value_columns.is_empty() {
        other.iter().copied().filter(|&i| !LABEL_COLUMNS.contains(&lower[i].as_str())).collect()
    } else {
        value_columns.clone()
    };
    let style = NumberStyle::of_cells(candidates.iter().flat_map(|&i| cells(i)), delimiter);
    let numeric = |i: usize| {
        let mut any = false;
        for cell in cells(i) {
            match parse_value(cell, style, 1.0) {
                Ok(crate::metrics::values::Value::Bytes(_)) => any = true,
                Ok(crate::metrics::values::Value::Gap) => {}
                Err(_) => return false,
            }
        }
        any || sample.is_empty()
    };
    let scale = |i: usize| units[i].1.unwrap_or(1.0);
    let mut notes = Vec::new();
    let layout_of = |value_index: Option<usize>| {
        if value_index.is_some() && (0..names.len()).any(is_series_column) {
            InputFormat::GrafanaCsv
        } else if value_index.is_some() {
            InputFormat::LongCsv
        } else {
            InputFormat::GrafanaCsv
        }
    };
    let label_like: Vec<usize> = other
        .iter()
        .copied()
        .filter(|&i| LABEL_COLUMNS.contains(&lower[i].as_str()) || !numeric(i))
        .collect();
    match value_columns.as_slice() {
        [value_index] => {
            let value_index = *value_index;
            let layout = layout_of(Some(value_index));
            let columns = (0..names.len())
                .map(|i| {
                    if i == time_index {
                        Column::Time
                    } else if i == value_index {
                        Column::Value { scale: scale(i) }
                    } else if is_limit_name(i) {
                        Column::Limit { scale: scale(i) }
                    } else if label_like.contains(&i) {
                        Column::Label(names[i].trim().to_owned())
                    } else {
                        notes.push(format!(
                            "{}: column {} holds numbers but is not the memory value: ignored",
                            layout.as_str(),
                            column_name(i)
                        ));
                        Column::Ignored
                    }
                })
                .collect();
            Ok(FramePlan { layout, columns, style, notes })
        }
        [] => {
            let numeric_columns: Vec<usize> =
                other.iter().copied().filter(|i| !label_like.contains(i)).collect();
            if let Some(metric) = metric {
                return Err(format!(
                    "csv: no column named `{metric}` (--metric) in header `{}`",
                    names.join(",")
                ));
            }
            if numeric_columns.is_empty() {
                return Err(format!(
                    "csv: no column of memory values in header `{}` (expected one named value, bytes, memory, ...)",
                    names.join(",")
                ));
            }
            if !label_like.is_empty() {
                let listed: Vec<String> = numeric_columns.iter().map(|&i| column_name(i)).collect();
                return Err(format!(
                    "long-csv: no value column recognised: {} hold{} numbers but {} not a value name \
                     (value, bytes, memory, working_set_bytes, usage, rss, ...); rename the column \
                     or choose it with --metric",
                    listed.join(", "),
                    crate::text::noun(listed.len(), "s", ""),
                    crate::text::noun(listed.len(), "its name is", "their names are"),
                ));
            }
            let columns = (0..names.len())
                .map(|i| {
                    if i == time_index {
                        Column::Time
                    } else {
                        // The legend without its unit suffix.
                        let labels = parse_label_set(&header_unit(&names[i]).0);
                        Column::Series { labels, scale: scale(i) }
                    }
                })
                .collect();
            Ok(FramePlan { layout: InputFormat::GrafanaCsv, columns, style, notes })
        }
        several => {
            let listed: Vec<String> = several.iter().map(|&i| column_name(i)).collect();
            if !label_like.is_empty() || metric.is_some() {
                let same_names = several.iter().all(|&i| lower[i] == lower[several[0]]);
                return Err(format!(
                    "long-csv: several value columns ({}) beside label columns: which one is the \
                     memory of which container cannot be told; {}",
                    listed.join(", "),
                    if same_names {
                        "rename them, or export one series per row with its labels"
                    } else {
                        "choose one with --metric NAME"
                    }
                ));
            }
            notes.push(format!(
                "grafana-csv: {} have no legend (Grafana's \"series joined by time\" without \
                 names): each is read as its own series, named by its column; set a legend such as \
                 {{{{pod}}}}/{{{{container}}}} in the panel to name them",
                listed.join(", ")
            ));
            let columns = (0..names.len())
                .map(|i| {
                    if i == time_index {
                        Column::Time
                    } else if several.contains(&i) {
                        let mut labels = Labels::new();
                        labels.insert(
                            "series".to_owned(),
                            format!("{} (column {})", names[i].trim(), i + 1),
                        );
                        Column::Series { labels, scale: scale(i) }
                    } else if is_limit_name(i) {
                        Column::Limit { scale: scale(i) }
                    } else {
                        Column::Ignored
                    }
                })
                .collect();
            Ok(FramePlan { layout: InputFormat::GrafanaCsv, columns, style, notes })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(header: &str, rows: &[&str]) -> Result<FramePlan, String> {
        let names: Vec<String> = header.split(',').map(str::to_owned).collect();
        let sample: Vec<Vec<String>> =
            rows.iter().map(|r| r.split(',').map(str::to_owned).collect()).collect();
        plan_frame(&names, &sample, None, b',')
    }

    #[test]
    fn layouts_from_the_first_line() {
        assert_eq!(detect("{\"status\":\"success\"}"), InputFormat::PrometheusJson);
        assert_eq!(detect("{\n  \"status\": 1"), InputFormat::PrometheusJson);
        assert_eq!(detect("{__name__=\"m\", a=\"b\"} 1 2\n"), InputFormat::PromtoolDump);
        assert_eq!(
            detect("{\"metric\":{\"a\":\"b\"},\"values\":[1],\"timestamps\":[2]}\n"),
            InputFormat::VictoriaMetricsJsonl
        );
        assert_eq!(detect("# HELP m help\nm{a=\"b\"} 1 2\n"), InputFormat::PrometheusText);
        assert_eq!(detect("m{a=\"b\"} 1 2\n# EOF\n"), InputFormat::OpenMetrics);
        assert_eq!(detect("m 1.5e8 1777000000000\n"), InputFormat::PrometheusText);
        assert_eq!(detect("timestamp,value\n1,2\n"), InputFormat::LongCsv);
        assert_eq!(detect("#group,false\n#datatype,string\n"), InputFormat::LongCsv);
    }

    #[test]
    fn units_in_headers() {
        let plan = plan("timestamp,pod,value_mib", &["1,a,300.5"]).map(|p| p.columns);
        assert_eq!(
            plan.ok().and_then(|c| c.get(2).cloned()),
            Some(Column::Value { scale: 1048576.0 })
        );
    }

    #[test]
    fn repeated_value_headers_are_unnamed_series() {
        let plan = plan("Time,Value,Value", &["1,2,3"]);
        let plan = plan.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(plan.layout, InputFormat::GrafanaCsv);
        assert!(
            matches!(&plan.columns[2], Column::Series { labels, .. } if labels["series"] == "Value (column 3)")
        );
        assert_eq!(plan.notes.len(), 1);
    }

    #[test]
    fn ambiguous_headers_are_refused_with_layout_and_column() {
        let error = plan("timestamp,pod,mem_used", &["1,a,300"]).err().unwrap_or_default();
        assert!(
            error.starts_with("long-csv:") && error.contains("`mem_used` (column 3)"),
            "{error}"
        );
        let error = plan("timestamp,pod,value,value", &["1,a,3,4"]).err().unwrap_or_default();
        assert!(error.contains("`value` (column 3), `value` (column 4)"), "{error}");
    }

    #[test]
    fn numeric_non_label_columns_are_ignored_not_labels() {
        let plan = plan("timestamp,pod,value,restarts", &["1,a,3,0", "2,a,3,1"]);
        let plan = plan.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(plan.columns[3], Column::Ignored);
        assert_eq!(plan.notes.len(), 1);
    }

    #[test]
    fn delimiters() {
        assert_eq!(delimiter_of("time\tvalue\tpod"), b'\t');
        assert_eq!(delimiter_of("\"Series\";\"Time\";\"Value\""), b';');
        assert_eq!(delimiter_of("time,value"), b',');
    }
}
