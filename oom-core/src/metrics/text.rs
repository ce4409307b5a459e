//! Prometheus' text formats, one sample a line:
//!
//! - `promtool tsdb dump`: `{__name__="m", a="b"} 3.13768e+08 1776902400000` (milliseconds);
//! - `promtool tsdb dump-openmetrics` and OpenMetrics: `m{a="b"} 313768000 1776902400.000`
//!   (seconds), ending with `# EOF`;
//! - the text exposition (`/metrics` scrapes saved with their timestamps): `m{a="b"} 313768000
//!   1776902400000` (milliseconds), with `# HELP` / `# TYPE` comments.
//!
//! Timestamps are told apart by magnitude like everywhere else; a sample without one cannot be
//! placed in time and is a row error.

use crate::metrics::is_limit_metric;
use crate::metrics::labels::parse_braced;
use crate::metrics::values::{NumberStyle, Value, parse_time, parse_value};
use crate::metrics::{Collector, InputFormat, Labels, MetricsError};

pub(super) fn exposition(
    text: &str,
    layout: InputFormat,
    collect: &mut Collector<'_>,
) -> Result<(), MetricsError> {
    let name = layout.as_str();
    let mut read_any = false;
    let mut last: Option<(&str, Labels)> = None;
    for (index, line) in text.lines().enumerate() {
        let number = Some(index as u64 + 1);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((series, rest)) = split_series(line) else {
            collect.error(number, format!("{name}: not a `name{{labels}} value timestamp` line"));
            continue;
        };
        // OpenMetrics exemplars follow a `#`.
        let rest = rest.split(" # ").next().unwrap_or(rest);
        let mut tokens = rest.split_whitespace();
        let (Some(value), time) = (tokens.next(), tokens.next()) else {
            collect.error(number, format!("{name}: a sample without a value"));
            continue;
        };
        let Some(time) = time else {
            collect.error(
                number,
                format!(
                    "{name}: a sample without a timestamp cannot be placed in time; save scrapes \
                     with their timestamps (or export with `promtool tsdb dump`)"
                ),
            );
            continue;
        };
        let time = match parse_time(time) {
            Ok(time) => time,
            Err(message) => {
                collect.error(number, format!("{name}: {message}"));
                continue;
            }
        };
        // Consecutive lines of one series share their label text: parse it once.
        let labels = match &last {
            Some((text, labels)) if *text == series => labels.clone(),
            _ => match labels_of(series) {
                Some(labels) => {
                    last = Some((series, labels.clone()));
                    labels
                }
                None => {
                    collect.error(number, format!("{name}: unreadable label set `{series}`"));
                    continue;
                }
            },
        };
        read_any = true;
        match parse_value(value, NumberStyle::DecimalPoint, 1.0) {
            Ok(Value::Bytes(bytes)) => {
                if collect.sample_ok(number, name, is_limit_metric(&labels), time, bytes) {
                    collect.builder.push(labels, time, bytes, None)
                }
            }
            Ok(Value::Gap) => collect.gaps += 1,
            Err(message) => collect.error(number, format!("{name}: {message}")),
        }
    }
    if !read_any && collect.errors.list.is_empty() {
        return Err(MetricsError::Layout(format!("{name}: no samples found")));
    }
    Ok(())
}

/// The series part of a line (`m{a="b"}`, `{__name__="m"}`, `m`) and the rest.
fn split_series(line: &str) -> Option<(&str, &str)> {
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(line.len());
    let after_name = &line[name_end..];
    if after_name.starts_with('{') {
        let (_, rest) = parse_braced(after_name)?;
        let end = line.len() - rest.len();
        Some((&line[..end], rest))
    } else if name_end > 0 && after_name.starts_with([' ', '\t']) {
        Some((&line[..name_end], after_name))
    } else {
        None
    }
}

fn labels_of(series: &str) -> Option<Labels> {
    let open = series.find('{').unwrap_or(series.len());
    let mut labels =
        if open < series.len() { parse_braced(&series[open..])?.0 } else { Labels::new() };
    if open > 0 {
        labels.insert("__name__".to_owned(), series[..open].to_owned());
    }
    Some(labels)
}

#[cfg(test)]
mod tests {
    use crate::metrics::{InputFormat, parse};

    #[test]
    fn promtool_dump_openmetrics_and_scrapes() {
        let dump = "{__name__=\"container_memory_working_set_bytes\", container=\"api\", pod=\"p\"} 3.13768e+08 1776902400000\n\
                    {__name__=\"container_memory_working_set_bytes\", container=\"api\", pod=\"p\"} NaN 1776902700000\n\
                    {__name__=\"container_memory_working_set_bytes\", container=\"api\", pod=\"p\"} 3.2e+08 1776903000000\n";
        let read = parse(dump.as_bytes(), None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read.format, InputFormat::PromtoolDump);
        assert_eq!(read.series[0].samples.len(), 2);
        assert_eq!(read.gaps, 1);
        assert_eq!(read.series[0].samples[1].time, 1_776_903_000.0);

        let open = "# TYPE container_memory_working_set_bytes gauge\n\
                    container_memory_working_set_bytes{container=\"api\",pod=\"p\"} 313768000 1776902400.000\n\
                    container_memory_working_set_bytes{container=\"api\",pod=\"p\"} +Inf 1776902700.000\n\
                    # EOF\n";
        let read = parse(open.as_bytes(), None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read.format, InputFormat::OpenMetrics);
        assert_eq!(read.series[0].samples[0].time, 1_776_902_400.0);
        assert_eq!(read.gaps, 1);

        let scrape = "# HELP container_memory_working_set_bytes Current working set\n\
                      container_memory_working_set_bytes{container=\"api\",pod=\"p\"} 313768000 1776902400000\n\
                      container_memory_working_set_bytes{container=\"api\",pod=\"p\"} 313768000\n";
        let read = parse(scrape.as_bytes(), None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read.format, InputFormat::PrometheusText);
        assert_eq!(read.errors.len(), 1);
        assert!(read.errors[0].message.contains("without a timestamp"));
    }
}
