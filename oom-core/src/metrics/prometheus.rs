//! The Prometheus HTTP API's `query_range` (matrix) and `query` (vector) JSON responses.

use crate::metrics::assemble::SeriesBuilder;
use crate::metrics::values::{parse_bytes, parse_time};
use crate::metrics::{Labels, MetricsError, RowError, RowErrors};

pub(super) fn prometheus(
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
