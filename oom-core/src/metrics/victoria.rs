//! VictoriaMetrics' `/api/v1/export`: one JSON object a line,
//! `{"metric":{"__name__":"m","a":"b"},"values":[1,2],"timestamps":[1700000000000,…]}`, with
//! timestamps in milliseconds. A broken line is a row error; the other lines are still read.

use crate::metrics::is_limit_metric;
use crate::metrics::labels::json_metric_labels;
use crate::metrics::prometheus::json_value;
use crate::metrics::values::{Value, parse_time};
use crate::metrics::{Collector, MetricsError};

pub(super) fn export_lines(text: &str, collect: &mut Collector<'_>) -> Result<(), MetricsError> {
    for (index, line) in text.lines().enumerate() {
        let number = Some(index as u64 + 1);
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let object: serde_json::Value = match serde_json::from_str(line) {
            Ok(object) => object,
            Err(error) => {
                collect.error(
                    number,
                    format!(
                        "victoriametrics-jsonl: invalid JSON ({error}); was the export cut short?"
                    ),
                );
                continue;
            }
        };
        let labels = json_metric_labels(&object);
        let values = object.get("values").and_then(|v| v.as_array());
        let times = object.get("timestamps").and_then(|v| v.as_array());
        let (Some(values), Some(times)) = (values, times) else {
            collect.error(
                number,
                "victoriametrics-jsonl: expected an object with `metric`, `values` and `timestamps`"
                    .into(),
            );
            continue;
        };
        if values.len() != times.len() {
            collect.error(
                number,
                format!(
                    "victoriametrics-jsonl: {} but {}; the line is skipped",
                    crate::text::count(values.len(), "value", "values"),
                    crate::text::count(times.len(), "timestamp", "timestamps")
                ),
            );
            continue;
        }
        for (value, time) in values.iter().zip(times) {
            let time = match time {
                serde_json::Value::Number(n) => parse_time(&n.to_string()),
                serde_json::Value::String(t) => parse_time(t),
                _ => Err("invalid time".to_owned()),
            };
            match (time, json_value(value)) {
                (Ok(time), Ok(Value::Bytes(bytes))) => {
                    if collect.sample_ok(
                        number,
                        "victoriametrics-jsonl",
                        is_limit_metric(&labels),
                        time,
                        bytes,
                    ) {
                        collect.builder.push(labels.clone(), time, bytes, None)
                    }
                }
                (Ok(_), Ok(Value::Gap)) => collect.gaps += 1,
                (Err(message), _) | (_, Err(message)) => {
                    collect.error(number, format!("victoriametrics-jsonl: {message}"))
                }
            }
        }
    }
    Ok(())
}
