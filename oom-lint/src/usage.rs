//! Observed usage from a metric dump, joined to the containers of the manifests
//! (`check --metrics`): series are matched by namespace, workload name (the pod name's prefix)
//! and container name.

use oom_core::leak::{Analysis, Classification};
use oom_core::metrics::Series;

use crate::workloads::{Container, Pod};

/// One analysed series of the dump.
#[derive(Debug)]
pub struct Usage {
    pub series: Series,
    pub analysis: Analysis,
}

/// What the join found, for the summary.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UsageSummary {
    pub matched_series: usize,
    pub unmatched_series: Vec<String>,
    pub containers_without_metrics: Vec<String>,
}

/// The series that belong to a container, most specific match first.
pub fn matching<'u>(
    usage: &'u [Usage],
    pod: &Pod<'_>,
    container: &Container<'_>,
) -> Vec<&'u Usage> {
    usage.iter().filter(|u| matches(&u.series, pod, container)).collect()
}

fn matches(series: &Series, pod: &Pod<'_>, container: &Container<'_>) -> bool {
    let labels = &series.labels;
    if labels.get("container").is_none_or(|c| *c != container.name) {
        return false;
    }
    // A manifest without a namespace is applied to whichever one kubectl is pointed at.
    if let (Some(series_ns), Some(object_ns)) = (labels.get("namespace"), &pod.object.namespace)
        && series_ns != object_ns
    {
        return false;
    }
    match labels.get("pod") {
        None => true,
        Some(pod_name) => {
            let workload = &pod.object.name;
            pod_name == workload
                || pod_name
                    .strip_prefix(workload.as_str())
                    .is_some_and(|rest| rest.starts_with('-') && generated_suffix(&rest[1..]))
        }
    }
}

/// What controllers append to a workload's name: `7d9f8c6b5-x2k4p` (Deployment), `0`
/// (StatefulSet), `x2k4p` (DaemonSet, Job), `28460940-x2k4p` (CronJob). Kubernetes draws hashes
/// and random suffixes from an alphabet without vowels, which keeps `api` from matching the pods
/// of `api-gateway`.
fn generated_suffix(rest: &str) -> bool {
    const ALPHABET: &str = "bcdfghjklmnpqrstvwxz2456789";
    let parts: Vec<&str> = rest.split('-').collect();
    (1..=2).contains(&parts.len())
        && parts.iter().all(|p| {
            !p.is_empty()
                && (p.chars().all(|c| c.is_ascii_digit())
                    || p.chars().all(|c| ALPHABET.contains(c)))
        })
}

/// The worst of a container's series: a leak if any leaks, with the highest peak.
pub fn worst<'u>(series: &[&'u Usage]) -> Option<&'u Usage> {
    series.iter().copied().max_by(|a, b| {
        let leak = |u: &Usage| u.analysis.classification == Classification::Leak;
        leak(a).cmp(&leak(b)).then(a.analysis.peak_bytes.total_cmp(&b.analysis.peak_bytes))
    })
}

#[cfg(test)]
mod tests {
    use super::generated_suffix;

    #[test]
    fn pod_name_suffixes() {
        for suffix in ["7d9f8c6b5-x2k4p", "0", "12", "x2k4p", "28460940-x2k4p"] {
            assert!(generated_suffix(suffix), "{suffix}");
        }
        for suffix in ["gateway-7d9f8c6b5-x2k4p", "gateway-x2k4p", "v2-7d9f8c6b5-x2k4p", "", "Abc"]
        {
            assert!(!generated_suffix(suffix), "{suffix}");
        }
    }
}
