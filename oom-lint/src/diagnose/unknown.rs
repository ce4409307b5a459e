//! `unknown`: the evidence does not decide. The fix says what is missing and gives the exact
//! commands to export it.

use super::join::Case;
use super::{Cause, Confidence, Finding, Fix};

/// A series that ends this long before the kill (seconds) cannot show what led to it.
const SERIES_GAP_SECONDS: f64 = 600.0;

pub fn finding(case: &Case<'_>) -> Finding {
    let name = &case.container.name;
    let ns = case.namespace();
    let pod = &case.pod.name;
    let mut missing = Vec::new();
    let mut steps = Vec::new();
    let gap = match (&case.usage, case.kill_time()) {
        (Some(usage), Some(kill)) if kill - usage.last_time > SERIES_GAP_SECONDS => {
            Some(kill - usage.last_time)
        }
        _ => None,
    };
    let gap_text;
    if case.usage.is_none() {
        missing.push("its memory series");
        steps.push(export_series_step(case, name));
    } else if let Some(gap) = gap {
        gap_text = format!(
            "its memory series up to the kill (the one given ends {} before it)",
            super::duration(gap)
        );
        missing.push(&gap_text);
        steps.push(export_series_step(case, name));
    }
    if case.events.is_empty() {
        missing.push("the pod's events");
        steps.push(format!("`kubectl get events -n {ns} --field-selector involvedObject.name={pod} -o json > events.json` (events last an hour: export them soon after the kill)"));
    }
    // Only Deployments (and Argo Rollouts) keep their history in ReplicaSets.
    let replica_sets = case
        .workload
        .as_ref()
        .is_none_or(|w| matches!(w.kind.as_str(), "Deployment" | "ReplicaSet" | "Rollout"));
    if case.deploys.is_empty() && replica_sets {
        missing.push("the deploy history");
        steps.push(format!("`kubectl get replicasets -n {ns} -o json > replicasets.json`"));
    }
    if case.manifest.is_none() && case.limit.is_none() {
        missing.push("the limits");
        steps.push(format!("`kubectl get pod -n {ns} {pod} -o json > pod.json`"));
    }
    steps.push("Then run `oom-lint diagnose` again with every file.".into());
    let summary = if missing.is_empty() {
        format!(
            "The evidence does not decide why `{name}` was OOM-killed: no growth, no spike, and its peaks stay below the limit in the data given (a gap around the kill?)."
        )
    } else {
        format!(
            "Not enough evidence to say why `{name}` was OOM-killed: export {} and run again.",
            missing.join(", ")
        )
    };
    Finding {
        cause: Cause::Unknown,
        confidence: Confidence::Low,
        why: "the evidence does not decide".into(),
        evidence: Vec::new(),
        fix: Fix { summary, steps, ..Fix::default() },
    }
}

/// The `curl` that exports a container's memory from Prometheus around its kill.
pub fn export_series_step(case: &Case<'_>, container: &str) -> String {
    let ns = case.namespace();
    let pods =
        case.workload.as_ref().map_or_else(|| case.pod.name.clone(), |w| format!("{}-.*", w.name));
    let (start, end) = match case.kill_time() {
        Some(kill) => (
            oom_core::metrics::format_time(kill - 86_400.0),
            oom_core::metrics::format_time(kill + 600.0),
        ),
        None => ("$(date -u -d '-1 day' +%FT%TZ)".into(), "$(date -u +%FT%TZ)".into()),
    };
    format!(
        "Export its memory around the kill: `curl -sG \"$PROMETHEUS_URL/api/v1/query_range\" --data-urlencode 'query=container_memory_working_set_bytes{{namespace=\"{ns}\",pod=~\"{pods}\",container=\"{container}\"}}' --data-urlencode start={start} --data-urlencode end={end} --data-urlencode step=60 > memory.json`"
    )
}
