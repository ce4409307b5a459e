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

/// A current limit this many times the observed peak or more is read as a unit problem, not an
/// oversized limit: a dump in KiB read as bytes puts the peak 1024× below a limit that fits it,
/// while even a generously oversized limit (a 4 GiB limit on a 20 MiB sidecar) is 200×. `fix`
/// leaves such a container alone and `memory-limit-oversized` asks about the unit.
pub const SUSPECT_UNIT_FACTOR: f64 = 500.0;

/// Why a limit `limit_bytes` and an observed peak `peak_bytes` suggest the dump's values are in
/// another unit, when the limit is [`SUSPECT_UNIT_FACTOR`] times the peak or more.
pub fn suspected_unit(peak_bytes: f64, limit_bytes: u64) -> Option<String> {
    let factor = limit_bytes as f64 / peak_bytes.max(1.0);
    (factor >= SUSPECT_UNIT_FACTOR).then(|| {
        format!(
            "the observed peak ({}) is {factor:.0}× below the current {} limit: are the dump's \
             values in KiB (or kB) rather than bytes? A unit problem is likelier than a limit \
             {factor:.0}× too large; name the unit in the column header (`value_kib`) or export \
             bytes",
            oom_core::quantity::format_human(peak_bytes as u64),
            oom_core::quantity::format_bytes(limit_bytes),
        )
    })
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
        usage.extend(read_dump(name, dump, errors));
    }
    usage
}

/// Reads and analyses a dump already in memory (the one a live source assembled), as
/// [`read_dumps`] does a file.
pub fn read_dump_bytes(name: &str, bytes: &[u8], errors: &mut Vec<InputError>) -> Vec<Usage> {
    let format = Some(oom_core::metrics::InputFormat::PrometheusJson);
    let dump = oom_core::metrics::parse_slice(bytes, format).map_err(|e| e.to_string());
    read_dump(name.to_owned(), dump, errors)
}

fn read_dump(
    name: String,
    dump: Result<oom_core::metrics::MetricsDump, String>,
    errors: &mut Vec<InputError>,
) -> Vec<Usage> {
    let dump = match dump {
        Ok(dump) => dump,
        Err(message) => {
            errors.push(InputError { file: name, position: None, message });
            return Vec::new();
        }
    };
    dump_problems(&name, &dump, errors);
    dump.series
        .into_iter()
        .map(|series| {
            let analysis = analyze(&series, &[], &AnalysisOptions::default());
            Usage { series, analysis }
        })
        .collect()
}

/// What a dump could not give, as input errors of `file`: its broken rows (with their lines),
/// how many more were not listed, and the series refused as not one container's memory in
/// bytes (never compared or sized, so said rather than dropped). Shared by every command that
/// reads dumps.
pub fn dump_problems(
    file: &str,
    dump: &oom_core::metrics::MetricsDump,
    errors: &mut Vec<InputError>,
) {
    for row in &dump.errors {
        errors.push(InputError {
            file: file.to_owned(),
            position: row.line.map(|line| Position::new(line as usize, 1)),
            message: row.message.clone(),
        });
    }
    if dump.errors_omitted > 0 {
        errors.push(InputError {
            file: file.to_owned(),
            position: None,
            message: format!("{} more broken rows (not listed)", dump.errors_omitted),
        });
    }
    for refused in &dump.refused {
        errors.push(InputError {
            file: file.to_owned(),
            position: None,
            message: format!("{}: {}", dump.format.as_str(), refused.reason),
        });
    }
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
    let workload = pod.object.name.as_str();
    let kind = pod.object.kind.as_str();
    // An owner label names the workload (or its ReplicaSet / Job) outright: trust it over the
    // pod name, and never fall back to the name when it names another workload.
    if let Some(owner) = OWNER_LABELS.iter().find_map(|label| labels.get(*label)) {
        return owner == workload
            || owner
                .strip_prefix(workload)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|rest| owner_suffix(kind, rest));
    }
    match labels.get("pod") {
        None => true,
        Some(pod_name) => {
            pod_name == workload
                || pod_name
                    .strip_prefix(workload)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|rest| pod_suffix(kind, rest))
        }
    }
}

/// Labels that name the controller of a pod: kube-state-metrics' `kube_pod_owner` (`owner_name`),
/// cAdvisor/Heapster's `created_by_name`, and the `workload` label of recording rules.
const OWNER_LABELS: [&str; 3] = ["workload", "owner_name", "created_by_name"];

/// Kubernetes draws generated names from an alphabet without vowels
/// (`k8s.io/apimachinery/pkg/util/rand.SafeEncodeString`), which keeps `api` from matching the
/// pods of `api-gateway`.
const GENERATED_ALPHABET: &str = "bcdfghjklmnpqrstvwxz2456789";

/// The random suffix of `generateName` (`names.SimpleNameGenerator`): five characters.
const RANDOM_SUFFIX_LEN: usize = 5;

/// The longest pod-template-hash a Deployment's ReplicaSet name carries (a 32-bit FNV hash
/// encoded with [`GENERATED_ALPHABET`]).
const MAX_TEMPLATE_HASH_LEN: usize = 10;

fn is_random_suffix(part: &str) -> bool {
    part.len() == RANDOM_SUFFIX_LEN && part.chars().all(|c| GENERATED_ALPHABET.contains(c))
}

fn is_template_hash(part: &str) -> bool {
    (1..=MAX_TEMPLATE_HASH_LEN).contains(&part.len())
        && part.chars().all(|c| GENERATED_ALPHABET.contains(c))
}

fn is_number(part: &str) -> bool {
    !part.is_empty() && part.chars().all(|c| c.is_ascii_digit())
}

/// What each controller appends to its workload's name to name a pod:
/// Deployment (and Argo Rollout) `<pod-template-hash>-<random>`, StatefulSet `<ordinal>`,
/// DaemonSet, ReplicaSet, ReplicationController and Job `<random>` (an indexed Job
/// `<index>-<random>`), CronJob `<scheduled minute>-<random>`. A bare Pod has no suffix. Other
/// kinds (custom controllers) may use any of these shapes.
fn pod_suffix(kind: &str, rest: &str) -> bool {
    let parts: Vec<&str> = rest.split('-').collect();
    let deployment = || matches!(parts[..], [hash, random] if is_template_hash(hash) && is_random_suffix(random));
    let stateful = || matches!(parts[..], [ordinal] if is_number(ordinal));
    let random = || matches!(parts[..], [random] if is_random_suffix(random));
    let numbered =
        || matches!(parts[..], [number, random] if is_number(number) && is_random_suffix(random));
    match kind {
        "Pod" => false,
        "Deployment" | "Rollout" => deployment(),
        "StatefulSet" => stateful(),
        "DaemonSet" | "ReplicaSet" | "ReplicationController" => random(),
        "Job" => random() || numbered(),
        "CronJob" => numbered(),
        _ => deployment() || stateful() || random() || numbered(),
    }
}

/// What an owner label may add to the workload's name: the ReplicaSet of a Deployment
/// (`<pod-template-hash>`), the Job of a CronJob (`<scheduled minute>`).
fn owner_suffix(kind: &str, rest: &str) -> bool {
    match kind {
        "Deployment" | "Rollout" => is_template_hash(rest),
        "CronJob" => is_number(rest),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::pod_suffix;

    #[test]
    fn pod_name_suffixes_follow_each_controller() {
        let cases = [
            ("Deployment", "7d9f8c6b5-x2k4p", true),
            ("Deployment", "0", false),
            ("Deployment", "db-0", false),
            ("Deployment", "gateway-7d9f8c6b5-x2k4p", false),
            ("Deployment", "v2-7d9f8c6b5-x2k4p", false),
            ("StatefulSet", "0", true),
            ("StatefulSet", "12", true),
            ("StatefulSet", "x2k4p", false),
            ("DaemonSet", "x2k4p", true),
            ("DaemonSet", "0", false),
            ("Job", "x2k4p", true),
            ("Job", "3-x2k4p", true),
            ("CronJob", "28460940-x2k4p", true),
            ("CronJob", "x2k4p", false),
            ("Pod", "x2k4p", false),
            ("Rollout", "7d9f8c6b5-x2k4p", true),
            ("CloneSet", "x2k4p", true),
            ("CloneSet", "gateway-x2k4p", false),
            ("CloneSet", "", false),
            ("CloneSet", "Abcde", false),
        ];
        for (kind, suffix, expected) in cases {
            assert_eq!(pod_suffix(kind, suffix), expected, "{kind} {suffix}");
        }
    }
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    #[test]
    fn the_unit_is_suspected_only_a_few_hundredfold_below_the_limit() {
        // KiB read as bytes: a 2 GiB peak under a 3 GiB limit reads as 2 MiB.
        let kib = suspected_unit(2.0 * 1_048_576.0, 3 << 30).unwrap_or_default();
        assert!(kib.contains("1536× below the current 3Gi limit"), "{kib}");
        assert!(kib.contains("KiB (or kB)"), "{kib}");
        // kB read as bytes under a tight limit: 1000×, still above the threshold.
        assert!(suspected_unit(1e6, 1_000_000_000).is_some());
        // A generously oversized limit on a small sidecar is not a unit problem.
        assert!(suspected_unit(20.0 * 1_048_576.0, 4 << 30).is_none());
        assert!(suspected_unit(0.0, 1 << 20).is_some(), "no division by zero");
    }
}
