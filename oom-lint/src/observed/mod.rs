//! Observed usage from metric dumps, joined to the containers of the manifests
//! (`check --metrics`, `fix --metrics`): series are matched by namespace, workload name (the pod
//! name's prefix) and container name, and analysed against the limit the manifest gives the
//! container, exactly as `analyze --limit` would.

use std::path::PathBuf;

use oom_core::leak::{Analysis, AnalysisOptions, Classification, analyze};
use oom_core::metrics::Series;

use crate::engine::model::{Container, Pod};
use crate::engine::source::{InputError, Position};
use crate::settings::Settings;

/// One series of the dump, with its analysis on its own (no limit known): for the summary of
/// the series no container claims.
#[derive(Debug)]
pub struct Usage {
    pub series: Series,
    pub analysis: Analysis,
}

/// A container's observed usage: its worst matching series, analysed with the container's
/// memory limit from the manifest (own, else pod-level).
#[derive(Debug)]
pub struct ContainerUsage<'u> {
    pub usage: &'u Usage,
    pub analysis: Analysis,
    /// The limit the analysis was given, in bytes.
    pub limit_bytes: Option<u64>,
}

/// The analysis options for a container: its limit, and the sizing policy of the settings.
pub fn options_for(limit_bytes: Option<u64>, settings: &Settings) -> AnalysisOptions {
    AnalysisOptions { limit_bytes, policy: settings.sizing_policy(), ..AnalysisOptions::default() }
}

/// The container's usage, if a series matches it: each matching series is analysed with the
/// container's limit, and the worst one is kept (a leak first, then the highest peak).
pub fn for_container<'u>(
    usage: &'u [Usage],
    pod: &Pod<'_>,
    container: &Container<'_>,
    settings: &Settings,
) -> Option<ContainerUsage<'u>> {
    let limit_bytes = pod.memory_limit(container).map(|(bytes, _)| bytes);
    let options = options_for(limit_bytes, settings);
    matching(usage, pod, container)
        .into_iter()
        .map(|usage| ContainerUsage {
            usage,
            analysis: analyze(&usage.series, &[], &options),
            limit_bytes,
        })
        .max_by(|a, b| {
            let leak = |u: &ContainerUsage<'_>| u.analysis.classification == Classification::Leak;
            leak(a).cmp(&leak(b)).then(a.analysis.peak_bytes.total_cmp(&b.analysis.peak_bytes))
        })
}

/// Reads and analyses the metric dumps of `--metrics`; unreadable ones and broken rows become
/// input errors, and the rest is still read.
pub fn read_dumps(paths: &[PathBuf], errors: &mut Vec<InputError>) -> Vec<Usage> {
    let mut usage = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        let dump = std::fs::File::open(path)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|file| oom_core::metrics::parse(file, None).map_err(|e| e.to_string()));
        let dump = match dump {
            Ok(dump) => dump,
            Err(message) => {
                errors.push(InputError { file: name, position: None, message });
                continue;
            }
        };
        for row in dump.errors {
            errors.push(InputError {
                file: name.clone(),
                position: row.line.map(|line| Position::new(line as usize, 1)),
                message: row.message,
            });
        }
        if dump.errors_omitted > 0 {
            errors.push(InputError {
                file: name.clone(),
                position: None,
                message: format!("{} more broken rows (not listed)", dump.errors_omitted),
            });
        }
        for series in dump.series {
            let analysis = analyze(&series, &[], &AnalysisOptions::default());
            usage.push(Usage { series, analysis });
        }
    }
    usage
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
