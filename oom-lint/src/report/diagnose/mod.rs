//! Rendering `oom-lint diagnose` results, one emitter per format: human (an on-call note per
//! incident), JSON (`"version": 1`) and Markdown (for an incident ticket).

pub mod human;
pub mod json;
pub mod markdown;

use oom_core::text::count;

use crate::diagnose::{Cause, Incident};

/// `3 incidents: 1 memory-leak, 2 not-oom`, and the input errors: counted by what the
/// reports call them ([`Incident::label`]), in the causes' order.
pub fn summary_line(incidents: &[Incident], errors: usize) -> String {
    let mut labels: Vec<(Cause, &str, usize)> = Vec::new();
    for incident in incidents {
        match labels.iter_mut().find(|(_, label, _)| *label == incident.label()) {
            Some((_, _, n)) => *n += 1,
            None => labels.push((incident.cause, incident.label(), 1)),
        }
    }
    labels.sort_by_key(|(cause, label, _)| (Cause::ALL.iter().position(|c| c == cause), *label));
    let counts: Vec<String> = labels.iter().map(|(_, label, n)| format!("{n} {label}")).collect();
    let mut line = count(incidents.len(), "incident", "incidents");
    if !counts.is_empty() {
        line.push_str(&format!(": {}", counts.join(", ")));
    }
    if errors > 0 {
        line.push_str(&format!("; {}", count(errors, "input error", "input errors")));
    }
    line
}

/// Incidents counted by cause, in the causes' order.
pub fn by_cause(incidents: &[Incident]) -> Vec<(Cause, usize)> {
    Cause::ALL
        .iter()
        .map(|&cause| (cause, incidents.iter().filter(|i| i.cause == cause).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// `shop/api-7d9f8c6b5-x2k4p/api`.
pub fn title(incident: &Incident) -> String {
    match &incident.namespace {
        Some(ns) => format!("{ns}/{}/{}", incident.pod, incident.container),
        None => format!("{}/{}", incident.pod, incident.container),
    }
}
