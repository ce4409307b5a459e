//! A fleet scan as JSON: `{"version": 1, "fleet": {...}, "rows": [...], "errors": [...]}`, the
//! rows in ranked order with the same field names as `analyze`'s series.

use serde_json::{Value, json};

use super::{Fleet, Row};

fn row(row: &Row) -> Value {
    json!({
        "rank": row.rank().as_str(),
        "namespace": row.namespace,
        "pod": row.pod,
        "container": row.container,
        "classification": row.classification.as_str(),
        "samples": row.samples,
        "peak_bytes": row.peak_bytes,
        "average_bytes": row.average_bytes,
        "slope_bytes_per_hour": row.slope_bytes_per_hour,
        "limit_bytes": row.limit_bytes,
        "limit_reached": row.limit_reached,
        "time_to_oom_hours": row.time_to_oom_hours,
        "time_to_oom_interval_hours": row.time_to_oom_interval.map(|(low, high)| json!([low, high])),
        "restarts": row.restarts,
        "oom_restarts": row.oom_restarts,
        "recommended_request_bytes": row.recommended_request_bytes,
        "recommended_limit_bytes": row.recommended_limit_bytes,
        "recommended_limit": row.recommended_limit,
        "relief_limit_bytes": row.relief_limit_bytes,
        "wasted_bytes": row.wasted_bytes(),
    })
}

pub fn render(fleet: &Fleet) -> String {
    let errors: Vec<Value> = fleet
        .errors
        .iter()
        .map(|e| json!({"file": e.file, "line": e.position.map(|p| p.line), "message": e.message}))
        .collect();
    let document = json!({
        "version": 1,
        "fleet": {
            "source": fleet.source,
            "start": fleet.start,
            "end": fleet.end,
            "containers": fleet.listed,
            "analysed": fleet.rows.len(),
            "leaks": fleet.count(super::Rank::Leak),
            "limits_reached": fleet.count(super::Rank::LimitReached),
            "oversized": fleet.count(super::Rank::Oversized),
            "wasted_bytes": fleet.wasted_bytes(),
            "seconds": {
                "listing": fleet.seconds.listing,
                "fetch": fleet.seconds.fetch,
                "analysis": fleet.seconds.analysis,
                "wall": fleet.seconds.wall,
            },
        },
        "rows": fleet.rows.iter().map(row).collect::<Vec<_>>(),
        "errors": errors,
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}
