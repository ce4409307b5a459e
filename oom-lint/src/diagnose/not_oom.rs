//! `not-oom`: exit code 137 (SIGKILL) or 143 (SIGTERM) with a reason other than `OOMKilled`.
//! The kernel's OOM killer did not end it: the kubelet did (after failed liveness or startup
//! probes, at the end of a termination grace period), or something inside the container.
//!
//! Bad: treating `Exit Code: 137, Reason: Error` as an OOM kill and raising the limit.
//! Good: reading the events — `Liveness probe failed` then `Killing` — and fixing the probe.

use oom_core::text::count;

use super::join::Case;
use super::{Cause, Confidence, Evidence, Finding, Fix};

/// Event messages that show the kubelet killed the container on purpose.
const PROBE_KILL_MARKERS: [&str; 3] =
    ["failed liveness probe", "failed startup probe", "Liveness probe failed"];

pub fn check(case: &Case<'_>) -> Option<Finding> {
    if case.oom_killed() || case.eviction.is_some() {
        return None;
    }
    let kill = case.container.kills.iter().rev().find(|k| k.is_signal_kill())?;
    let exit = kill.exit_code.unwrap_or(137);
    let mut evidence = Vec::new();
    let probe_events: Vec<_> = case
        .events
        .iter()
        .filter(|e| {
            matches!(e.reason.as_str(), "Unhealthy" | "Killing")
                && PROBE_KILL_MARKERS.iter().any(|m| e.message.contains(m))
                || e.message.contains("Startup probe failed")
        })
        .collect();
    for event in &probe_events {
        evidence.push(Evidence::at(
            &event.origin,
            format!("event {} (×{}): {}", event.reason, event.count, event.message),
        ));
    }
    let grace = case
        .events
        .iter()
        .filter(|e| matches!(e.reason.as_str(), "FailedPreStopHook" | "ExceededGracePeriod"))
        .collect::<Vec<_>>();
    for event in &grace {
        evidence.push(Evidence::at(
            &event.origin,
            format!("event {}: {}", event.reason, event.message),
        ));
    }
    let ns = case.namespace();
    let (pod, container) = (&case.pod.name, &case.container.name);
    let logs = format!("kubectl logs --previous -n {ns} {pod} -c {container}");
    let reason = if kill.reason.is_empty() { "no reason" } else { kill.reason.as_str() };
    let (confidence, why, summary, mut steps) = if !probe_events.is_empty() {
        let kills: u64 =
            probe_events.iter().filter(|e| e.reason == "Killing").map(|e| e.count).sum();
        (
            Confidence::High,
            format!("exit code {exit} with reason {reason}, after failed liveness probes"),
            format!(
                "Memory is not the problem: the kubelet killed `{container}` after its liveness \
                 probe failed{}. Fix the probe or what makes the endpoint slow, not the memory limit.",
                match kills {
                    0 => String::new(),
                    _ => format!(" ({})", count(kills, "kill", "kills")),
                }
            ),
            vec![
                "Find why the probe endpoint does not answer in time (CPU throttling, a blocked event loop, a slow dependency the health check calls).".to_owned(),
                "Give the probe room: `timeoutSeconds` above the endpoint's slowest answer, a `startupProbe` for a slow start, a higher `failureThreshold`.".to_owned(),
                format!("Read what it logged before the kill: `{logs}`"),
            ],
        )
    } else if !grace.is_empty() {
        (
            Confidence::High,
            format!("exit code {exit} with reason {reason}, after its termination grace period"),
            format!("Memory is not the problem: `{container}` did not stop within its termination grace period and was killed."),
            vec![
                "Make the process stop on SIGTERM, or raise `terminationGracePeriodSeconds` above what the preStop hook and shutdown need.".to_owned(),
                format!("Read what it logged before the kill: `{logs}`"),
            ],
        )
    } else {
        (
            Confidence::Medium,
            format!("exit code {exit} with reason {reason}: a signal, not the OOM killer"),
            format!(
                "Probably not memory: `{container}` ended with exit code {exit} (SIG{}) and reason \
                 {reason}, which the runtime reports as OOMKilled when the kernel's OOM killer ends \
                 it. Something else sent the signal: a probe, a stop, the process itself.",
                if exit == 143 { "TERM" } else { "KILL" }
            ),
            vec![
                format!(
                    "Export the pod's events to see who killed it: `kubectl get events -n {ns} --field-selector involvedObject.name={pod} -o json > events.json`"
                ),
                format!("Read what it logged before the kill: `{logs}`"),
            ],
        )
    };
    if let (Some(usage), Some(limit)) = (&case.usage, &case.limit) {
        let share = usage.analysis.peak_bytes / limit.bytes as f64;
        evidence.push(Evidence::series(
            usage,
            format!(
                "peak {} of the {} limit ({:.0} %)",
                super::human(usage.analysis.peak_bytes),
                limit.text,
                share * 100.0
            ),
        ));
    }
    steps.dedup();
    Some(Finding {
        cause: Cause::NotOom,
        confidence,
        why,
        evidence,
        fix: Fix { summary, steps, ..Fix::default() },
    })
}
