//! `node-memory-pressure`: the node ran out of memory, not the container's limit — an eviction
//! (`status.reason: Evicted`, an `Evicted` event), a node-level OOM (`SystemOOM` near the kill),
//! or an OOM kill of a container without any memory limit (only the node's OOM killer can end
//! it).
//!
//! Bad: raising the limit of a pod that was evicted: it did not reach its limit.
//! Good: requests that reflect real usage (Guaranteed QoS for critical pods), and a node whose
//! requests do not overcommit its memory.

use super::join::Case;
use super::{Cause, Confidence, Evidence, Finding, Fix, PEAK_HEADROOM, friendly};

/// How far from a kill a `SystemOOM` on the node may be to count as its cause, in seconds.
const NODE_OOM_WINDOW_SECONDS: f64 = 300.0;

pub fn check(case: &Case<'_>) -> Option<Finding> {
    let mut evidence = Vec::new();
    let mut confidence = None;
    let mut why = String::new();
    if let Some(eviction) = &case.eviction {
        evidence.push(Evidence::at(&eviction.origin, format!("evicted: {}", eviction.message)));
        confidence = Some(Confidence::High);
        why = "the pod was evicted: the node was low on memory".into();
    }
    let kill_time = case.kill_time();
    for event in case.node_events.iter().filter(|e| e.reason == "SystemOOM") {
        let near = match (kill_time, event.last.or(event.first)) {
            (Some(kill), Some(at)) => (kill - at).abs() <= NODE_OOM_WINDOW_SECONDS,
            _ => false,
        };
        if near {
            evidence.push(Evidence::at(
                &event.origin,
                format!("event SystemOOM on node {}: {}", event.name, event.message),
            ));
            confidence = Some(Confidence::High);
            if why.is_empty() {
                why = "a node-level (system) OOM at the time of the kill".into();
            }
        }
    }
    if confidence.is_none()
        && case.oom_killed()
        && case.limit.is_none()
        && case.pod.pod_limit.is_none()
    {
        evidence.push(Evidence::at(
            &case.container.origin,
            "no memory limit: only the node's OOM killer can have ended it".into(),
        ));
        confidence = Some(Confidence::Medium);
        why = "OOM-killed without a memory limit: the node ran out of memory".into();
    }
    let confidence = confidence?;
    if let Some(qos) = &case.pod.qos {
        let origin = case.container.resources_origin.as_ref().unwrap_or(&qos.origin);
        evidence.push(Evidence::at(origin, format!("QoS class {}", qos.class)));
    }
    let container = &case.container.name;
    let observed = case
        .eviction
        .as_ref()
        .and_then(|e| e.usage.iter().find(|u| u.container == *container))
        .map(|u| u.usage_bytes as f64)
        .or_else(|| case.usage.as_ref().map(|u| u.analysis.peak_bytes));
    let average = case.usage.as_ref().map(|u| u.analysis.average_bytes);
    let (request, limit) = match observed {
        Some(peak) => (
            Some(friendly(average.unwrap_or(peak).min(peak), 1.0)),
            Some(friendly(peak, PEAK_HEADROOM)),
        ),
        None => (None, None),
    };
    let best_effort = case.pod.qos.as_ref().is_some_and(|q| q.class == "BestEffort");
    let summary = match (&request, observed) {
        (Some(request), Some(peak)) => format!(
            "The node ran out of memory, not `{container}`'s limit. `{container}` used {}{}: request \
             {request} so the scheduler reserves it{}, and give the node room.",
            super::human(peak),
            if best_effort { " with no request at all (BestEffort: evicted first)" } else { "" },
            if best_effort {
                ""
            } else {
                " (requests = limits for Guaranteed QoS if it is critical)"
            }
        ),
        _ => format!(
            "The node ran out of memory, not `{container}`'s limit: set requests that reflect real \
             usage so the scheduler reserves it, and give the node room."
        ),
    };
    let node = case.pod.node.as_deref().unwrap_or("NODE");
    let steps = vec![
        "Set the memory request to the steady usage and the limit to the peak × 1.25; for a critical pod set requests = limits (Guaranteed QoS is evicted last).".to_owned(),
        format!("Check the node's overcommit: `kubectl describe node {node}` (Allocated resources: memory limits above 100 % of allocatable can exhaust it)."),
        "Reserve memory for the system (kubelet `--system-reserved`, `--eviction-hard memory.available`) so the kubelet evicts before the kernel OOM-kills.".to_owned(),
    ];
    Some(Finding {
        cause: Cause::NodeMemoryPressure,
        confidence,
        why,
        evidence,
        fix: Fix { summary, request, limit, steps, ..Fix::default() },
    })
}
