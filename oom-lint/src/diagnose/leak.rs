//! `memory-leak`: the container's memory series grows without levelling off up to the kill.
//! Decided only from a series: `oom_core::leak` must classify it a leak *and* the lower end of
//! the slope's 95 % interval must be above zero. Kill times, restarts or long uptimes alone are
//! never enough.
//!
//! Bad: a higher limit for a leak — it only delays the next kill.
//! Good: a relief limit for now (how long it lasts), then revert the deploy the growth started
//! after, or find the leak with the runtime's tool.

use oom_core::leak::Classification;
use oom_core::text::count;

use super::join::Case;
use super::{Cause, Confidence, Evidence, Finding, Fix, rate};

/// R² of the trend above which a leak is `high` confidence (a clean, steady climb).
const HIGH_CONFIDENCE_R_SQUARED: f64 = 0.5;

pub fn check(case: &Case<'_>) -> Option<Finding> {
    let usage = case.usage.as_ref()?;
    let a = &usage.analysis;
    if a.classification != Classification::Leak || a.slope_ci.0 <= 0.0 {
        return None;
    }
    let name = &case.container.name;
    let confidence = if a.r_squared >= HIGH_CONFIDENCE_R_SQUARED || a.restarts > 0 {
        Confidence::High
    } else {
        Confidence::Medium
    };
    let mut evidence = vec![Evidence::series(
        usage,
        format!(
            "grows {} (95 % CI {} to {}, R² {:.2}), peak {}",
            rate(a.slope_bytes_per_hour),
            rate(a.slope_ci.0),
            rate(a.slope_ci.1),
            a.r_squared,
            super::human(a.peak_bytes)
        ),
    )];
    if let Some(deploy) = usage.since_deploy {
        evidence.push(Evidence::series(
            usage,
            format!(
                "the samples since the deploy at {} analysed on their own (the code changed there)",
                super::when(deploy)
            ),
        ));
    }
    let mut onset = a.leak_start;
    let mut deploy = match (&a.event, onset) {
        (Some(event), _) => case.deploys.iter().copied().find(|d| d.label() == event.label),
        (None, Some(start)) => case.deploy_before(start),
        (None, None) => None,
    };
    // The samples since a deploy grow from their start, and those before it did not: the
    // growth came with that deploy.
    if deploy.is_none()
        && onset.is_none()
        && let Some(at) = usage.since_deploy
        && let Some(before) = usage.before_deploy.filter(|c| *c != Classification::Leak)
    {
        evidence.push(Evidence::series(
            usage,
            format!("no growth before that deploy (the samples before it are {})", before.as_str()),
        ));
        onset = Some(at);
        deploy = case.deploy_before(at);
    }
    if let Some(start) = onset {
        evidence.push(Evidence::series(usage, format!("growth starts {}", super::when(start))));
    }
    if let Some(deploy) = deploy {
        evidence.push(Evidence::at(
            &deploy.origin,
            format!(
                "{}{}",
                deploy.label(),
                deploy.time.map(|t| format!(" at {}", super::when(t))).unwrap_or_default()
            ),
        ));
    }
    if a.restarts > 0 {
        evidence.push(Evidence::series(
            usage,
            format!("{} in the series", count(a.restarts, "restart", "restarts")),
        ));
    }
    let mut summary = format!(
        "`{name}` leaks {} (95 % CI {} to {})",
        rate(a.slope_bytes_per_hour),
        rate(a.slope_ci.0),
        rate(a.slope_ci.1)
    );
    if let Some(start) = onset {
        summary.push_str(&format!(" since {}", super::when(start)));
    }
    if let Some(deploy) = deploy {
        summary.push_str(&format!(", after the {}", deploy.label()));
    }
    match (a.time_to_oom_hours, a.limit_bytes) {
        (Some(hours), Some(limit)) if hours > 0.0 => summary.push_str(&format!(
            "; at the {} limit the next kill comes in ≈ {}",
            oom_core::quantity::format_bytes(limit),
            super::duration(hours * 3600.0)
        )),
        (Some(_), Some(limit)) => summary.push_str(&format!(
            "; it reaches the {} limit",
            oom_core::quantity::format_bytes(limit)
        )),
        _ => {}
    }
    summary.push_str(". Raising the limit only delays the next kill.");
    let mut steps = Vec::new();
    let mut limit = None;
    if let Some(relief) = a.relief_limit_bytes {
        let relief_text = oom_core::quantity::format_bytes(relief);
        let lasts = (relief as f64 - usage.last_bytes) / a.slope_ci.1.max(a.slope_bytes_per_hour);
        steps.push(format!(
            "For now, raise the limit to {relief_text} (relief): it lasts ≈ {} at the worst-case rate from the last sample.",
            super::duration(lasts.max(0.0) * 3600.0)
        ));
        limit = Some(relief_text);
    }
    if let Some(deploy) = deploy {
        let workload = case.workload.as_ref().map_or_else(
            || "deployment/NAME".to_owned(),
            |w| format!("{}/{}", w.kind.to_lowercase(), w.name),
        );
        match deploy.revision {
            Some(revision) if revision > 1 => steps.push(format!(
                "Revert the deploy the growth started after: `kubectl rollout undo {workload} -n {} --to-revision={}`",
                case.namespace(),
                revision - 1
            )),
            _ => steps.push(format!("Revert the {} the growth started after, or find what it changed.", deploy.label())),
        }
    }
    steps.push(profile_step(case));
    let request = case
        .container
        .request
        .as_ref()
        .map(|r| r.text.clone())
        .or_else(|| a.recommendation.as_ref().map(|r| r.request.clone()));
    Some(Finding {
        cause: Cause::MemoryLeak,
        confidence,
        why: format!("its memory grows {} without levelling off", rate(a.slope_bytes_per_hour)),
        evidence,
        fix: Fix { summary, request: limit.as_ref().and(request), limit, steps, ..Fix::default() },
    })
}

/// How to find the leak with the container's runtime.
fn profile_step(case: &Case<'_>) -> String {
    let (ns, pod, c) = (case.namespace(), &case.pod.name, &case.container.name);
    match case.manifest.and_then(|m| m.runtime) {
        Some("jvm") => format!(
            "Find the leak: a heap dump before the next kill, `kubectl exec -n {ns} {pod} -c {c} -- jcmd 1 GC.heap_dump /tmp/heap.hprof`, opened in Eclipse MAT; or native memory with `-XX:NativeMemoryTracking=summary`."
        ),
        Some("go") => format!(
            "Find the leak: `kubectl port-forward -n {ns} {pod} 6060` and `go tool pprof http://localhost:6060/debug/pprof/heap` twice, an hour apart (`-base` the first)."
        ),
        Some("node") => format!(
            "Find the leak: start with `--inspect` (or `--heapsnapshot-signal=SIGUSR2`) and compare two heap snapshots of `{c}` an hour apart in Chrome DevTools."
        ),
        Some("dotnet") => format!(
            "Find the leak: `dotnet-gcdump collect -p 1` inside `{c}` twice, an hour apart, and compare them."
        ),
        _ => format!(
            "Find the leak: compare two heap profiles of `{c}` an hour apart (JVM `jcmd GC.heap_dump`, Go pprof, Node `--inspect`, .NET `dotnet-gcdump`)."
        ),
    }
}
