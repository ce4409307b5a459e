//! The JSON report (`"version": 1`), documented in the README; fields may be added, never
//! renamed.

use oom_core::metrics::format_time;
use serde_json::{Value, json};

use super::by_cause;
use crate::diagnose::{Incident, Plot};
use crate::finding::InputError;
use crate::incidents::Skipped;

pub fn render(incidents: &[Incident], errors: &[InputError], skipped: &[Skipped]) -> String {
    let incidents_json: Vec<Value> = incidents.iter().map(incident).collect();
    let errors_json: Vec<Value> = errors
        .iter()
        .map(|e| json!({"file": e.file, "line": e.position.map(|p| p.line), "message": e.message}))
        .collect();
    let by_cause: serde_json::Map<String, Value> = by_cause(incidents)
        .into_iter()
        .map(|(cause, n)| (cause.id().to_owned(), json!(n)))
        .collect();
    let report = json!({
        "version": 1,
        "incidents": incidents_json,
        "errors": errors_json,
        "skipped": skipped.iter().map(|s| json!({"file": s.file, "message": s.message})).collect::<Vec<_>>(),
        "summary": {"incidents": incidents.len(), "by_cause": by_cause, "errors": errors.len()},
    });
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

fn time(seconds: Option<f64>) -> Value {
    seconds.map_or(Value::Null, |s| json!(format_time(s)))
}

fn incident(incident: &Incident) -> Value {
    let fix = &incident.fix;
    json!({
        "namespace": incident.namespace,
        "pod": incident.pod,
        "container": incident.container,
        "workload": incident.workload.as_ref().map(|w| json!({"kind": w.kind, "name": w.name})),
        "role": incident.role.as_str(),
        "limit": incident.limit,
        "kills": incident.kills.iter().map(|k| json!({
            "time": time(k.finished),
            "started": time(k.started),
            "reason": k.reason,
            "exit_code": k.exit_code,
        })).collect::<Vec<_>>(),
        "restart_count": incident.restart_count,
        "cause": incident.cause.id(),
        "label": incident.label(),
        "confidence": incident.confidence.as_str(),
        "why": incident.why,
        "evidence": incident.evidence.iter().map(|e| json!({
            "text": e.text, "file": e.file, "line": e.line, "series": e.series,
        })).collect::<Vec<_>>(),
        "other_causes": incident.other_causes.iter().map(|o| json!({
            "cause": o.cause.id(), "confidence": o.confidence.as_str(), "why": o.why,
        })).collect::<Vec<_>>(),
        "fix": {
            "summary": fix.summary,
            "resources": fix.resources(),
            "request": fix.request,
            "limit": fix.limit,
            "flags": fix.flags,
            "steps": fix.steps,
        },
        "runtime": incident.runtime,
        "plot": match &incident.plot {
            Plot::Written(file) => json!(file),
            Plot::NotRequested | Plot::NoSeries => Value::Null,
        },
        "analysis": incident.usage.as_ref().map(|u| {
            let a = &u.analysis;
            json!({
                "file": u.file,
                "series": u.series,
                "classification": a.classification.as_str(),
                "slope_bytes_per_hour": a.slope_bytes_per_hour,
                "slope_ci": [a.slope_ci.0, a.slope_ci.1],
                "r_squared": a.r_squared,
                "leak_start": time(a.leak_start),
                "event": a.event.as_ref().map(|e| e.label.clone()),
                "limit_bytes": a.limit_bytes,
                "time_to_oom_hours": a.time_to_oom_hours,
                "restarts": a.restarts,
                "peak_bytes": a.peak_bytes,
                "average_bytes": a.average_bytes,
                "relief_limit_bytes": a.relief_limit_bytes,
                "spike": a.spike.map(|s| json!({"start": format_time(s.start), "end": format_time(s.end), "peak_bytes": s.peak_bytes})),
            })
        }),
    })
}
