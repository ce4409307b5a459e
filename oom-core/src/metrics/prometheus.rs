//! The Prometheus HTTP API's `query_range` (matrix) and `query` (vector) JSON responses.

use crate::metrics::is_limit_metric;
use crate::metrics::labels::json_metric_labels;
use crate::metrics::values::{NumberStyle, Value, parse_time_in, parse_value};
use crate::metrics::{Collector, MetricsError, Sample};

pub(super) fn prometheus(text: &str, collect: &mut Collector<'_>) -> Result<(), MetricsError> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| MetricsError::Json {
        line: e.line() as u64,
        message: format!("prometheus-json: invalid JSON ({e}); was the export cut short?"),
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
    let data = json.get("data");
    if let Some(kind) = data.and_then(|d| d.get("resultType")).and_then(|t| t.as_str())
        && !matches!(kind, "matrix" | "vector")
    {
        return Err(MetricsError::Json {
            line: 1,
            message: format!(
                "prometheus-json: resultType `{kind}` holds no series; query a range vector \
                 (query_range) of the memory metric"
            ),
        });
    }
    let result = data
        .and_then(|d| d.get("result"))
        .or_else(|| json.get("result"))
        .and_then(|r| r.as_array())
        .ok_or_else(|| MetricsError::Json {
            line: 1,
            message: "not a Prometheus response: expected data.result[]".into(),
        })?;
    for (index, series) in result.iter().enumerate() {
        let labels = json_metric_labels(series);
        let values: Vec<&serde_json::Value> = match (series.get("values"), series.get("value")) {
            (Some(values), _) => values.as_array().map(|v| v.iter().collect()).unwrap_or_default(),
            (None, Some(value)) => vec![value],
            (None, None) => Vec::new(),
        };
        let mut samples = Vec::with_capacity(values.len());
        for pair in values {
            let (Some(time), Some(value)) = (pair.get(0), pair.get(1)) else {
                collect.error(
                    None,
                    format!("result[{index}]: a value is not a [time, \"value\"] pair"),
                );
                continue;
            };
            let time = time
                .as_f64()
                .or_else(|| time.as_str().and_then(|t| parse_time_in(t, collect.zone).ok()));
            let value = json_value(value);
            match (time, value) {
                (Some(time), Ok(Value::Bytes(bytes))) => {
                    if collect.sample_ok(
                        None,
                        &format!("result[{index}]"),
                        is_limit_metric(&labels),
                        time,
                        bytes,
                    ) {
                        samples.push(Sample { time, bytes });
                    }
                }
                (Some(_), Ok(Value::Gap)) => collect.gaps += 1,
                (_, Err(message)) => collect.error(None, format!("result[{index}]: {message}")),
                (None, _) => collect.error(None, format!("result[{index}]: invalid time")),
            }
        }
        collect.builder.extend(labels, samples);
    }
    Ok(())
}

/// A sample value as JSON writes it: Prometheus' strings (`"3.1e8"`, `"NaN"`, `"+Inf"`), plain
/// numbers, or `null` — gaps the same as in every other layout.
pub(super) fn json_value(value: &serde_json::Value) -> Result<Value, String> {
    match value {
        serde_json::Value::String(text) => parse_value(text, NumberStyle::DecimalPoint, 1.0),
        serde_json::Value::Number(number) => match number.as_f64() {
            Some(bytes) if bytes < 0.0 => Err(format!("negative memory value `{number}`")),
            Some(bytes) => Ok(Value::Bytes(bytes)),
            None => Err(format!("invalid memory value `{number}`")),
        },
        serde_json::Value::Null => Ok(Value::Gap),
        _ => Err("not a number".to_owned()),
    }
}
