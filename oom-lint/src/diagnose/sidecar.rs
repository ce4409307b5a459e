//! `sidecar-memory`: the memory that ran out belongs to a sidecar or init container — it was
//! the one killed, or, under a pod-level limit the app shares with it, its growth pushed the pod
//! over.
//!
//! Bad: raising the app's limit when `istio-proxy` is the container that keeps being killed.
//! Good: that container's own limit, sized from its usage, named.

use oom_core::leak::Classification;

use super::join::{Case, Usage};
use super::{Cause, Confidence, Evidence, Finding, Fix, PEAK_HEADROOM, friendly};
use crate::incidents::Role;

/// Without a usage series, the first step for a killed sidecar's limit: this many times the
/// limit it was killed at (to be confirmed with its usage).
const UNMEASURED_RAISE: f64 = 2.0;

pub fn check(case: &Case<'_>) -> Option<Finding> {
    let name = &case.container.name;
    if case.container.role != Role::App && case.oom_killed() {
        let role = if case.container.role == Role::Init { "init container" } else { "sidecar" };
        let evidence = vec![Evidence::at(
            &case.container.origin,
            format!("`{name}` is a {role} of pod {}", case.pod.name),
        )];
        return Some(finding(
            case,
            name,
            role,
            case.usage.as_ref(),
            Confidence::High,
            evidence,
            "was the container killed",
        ));
    }
    // The app shares a pod-level limit, and another container's memory grows under it.
    let pod_limit = case.pod.pod_limit.as_ref()?;
    if case.container.limit.is_some() || !case.oom_killed() {
        return None;
    }
    let (other, usage) = case.others.iter().find_map(|(c, u)| {
        let u = u.as_ref()?;
        (c.role == Role::Sidecar
            && u.analysis.classification == Classification::Leak
            && u.analysis.slope_ci.0 > 0.0)
            .then_some((c, u))
    })?;
    let evidence = vec![
        Evidence::at(
            &pod_limit.origin,
            format!("pod-level limit {} shared by the containers", pod_limit.text),
        ),
        Evidence::series(
            usage,
            format!(
                "sidecar `{}` grows {} (95 % CI {} to {})",
                other.name,
                super::rate(usage.analysis.slope_bytes_per_hour),
                super::rate(usage.analysis.slope_ci.0),
                super::rate(usage.analysis.slope_ci.1)
            ),
        ),
    ];
    Some(finding(
        case,
        &other.name,
        "sidecar",
        Some(usage),
        Confidence::Medium,
        evidence,
        "grows under the pod-level limit the app shares",
    ))
}

fn finding(
    case: &Case<'_>,
    name: &str,
    role: &str,
    usage: Option<&Usage>,
    confidence: Confidence,
    mut evidence: Vec<Evidence>,
    what: &str,
) -> Finding {
    let current = case.pod.containers.iter().find(|c| c.name == name).and_then(|c| c.limit.clone());
    let (request, limit, sized) = match usage {
        Some(u) => {
            evidence.push(Evidence::series(
                u,
                format!(
                    "peak {}, average {}",
                    super::human(u.analysis.peak_bytes),
                    super::human(u.analysis.average_bytes)
                ),
            ));
            (
                Some(friendly(u.analysis.average_bytes, 1.0)),
                Some(friendly(u.analysis.peak_bytes, PEAK_HEADROOM)),
                "from its usage (peak × 1.25)",
            )
        }
        None => match &current {
            Some(limit) => (
                None,
                Some(friendly(limit.bytes as f64, UNMEASURED_RAISE)),
                "as a first step (twice the limit it was killed at; confirm with its usage)",
            ),
            None => (None, None, ""),
        },
    };
    let summary = match &limit {
        Some(limit) => format!(
            "The memory that ran out is the {role} `{name}`'s ({what}): give `{name}` its own limit {limit}, {sized}; the app's limit is not the problem."
        ),
        None => format!(
            "The memory that ran out is the {role} `{name}`'s ({what}): give `{name}` its own memory limit from its usage."
        ),
    };
    let mut steps = vec![format!(
        "Set the memory of container `{name}` (not the app's): the `resources:` block below."
    )];
    if usage.is_none() {
        steps.push(super::unknown::export_series_step(case, name));
    }
    if usage.is_some_and(|u| u.analysis.classification == Classification::Leak) {
        steps.push(format!("`{name}` keeps growing: upgrade it or report the leak to its maintainers; a higher limit only delays the kill."));
    }
    Finding {
        cause: Cause::SidecarMemory,
        confidence,
        why: format!("the {role} `{name}` {what}"),
        evidence,
        fix: Fix { summary, request, limit, steps, ..Fix::default() },
    }
}
