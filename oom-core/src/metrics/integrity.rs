//! What a dump's series are, before they are assembled: metrics routed by name (memory, limits,
//! restart signals, others), cAdvisor's pseudo-containers left out, and series refused whose
//! values cannot be one container's memory in bytes.

use std::collections::BTreeSet;

use crate::metrics::assemble::{LIMIT_METRIC, SPEC_LIMIT_LABEL, SeriesBuilder};
use crate::metrics::{
    Labels, LeftOut, MetricsError, RefusedSeries, Sample, Signal, SignalSample, name_of,
};

/// The memory metric read when a dump holds several and `--metric` does not choose: the
/// working set is what the kubelet compares with the limit when it evicts, and what the OOM
/// killer's view is closest to.
pub const MEMORY_METRIC: &str = "container_memory_working_set_bytes";

/// kube-state-metrics' limits: `kube_pod_container_resource_limits{resource="memory"}` (v2) and
/// `kube_pod_container_resource_limits_memory_bytes` (v1).
const KSM_LIMITS: [&str; 2] =
    ["kube_pod_container_resource_limits", "kube_pod_container_resource_limits_memory_bytes"];

/// Restart and OOM series, kept on the dump for the analysis.
const SIGNAL_METRICS: [&str; 5] = [
    "kube_pod_container_status_restarts_total",
    "kube_pod_container_status_last_terminated_reason",
    "kube_pod_container_status_terminated_reason",
    "container_oom_events_total",
    "kube_pod_container_status_last_terminated_exitcode",
];

/// The smallest peak believable as a container's memory in bytes: 1 MiB. Runtimes refuse
/// limits of a few MiB (runc's minimum is 6 MiB) and even a pause container's working set is
/// hundreds of KiB, so a peak below it is a dump in another unit (733 "bytes" that were MiB),
/// and sizing from it would recommend nonsense (`-Xmx1m`).
pub const MIN_PLAUSIBLE_PEAK_BYTES: f64 = 1_048_576.0;

/// A peak below this (4 MiB) is kept but noted as a possible unit problem: a JVM of 3 GiB whose
/// dump is in KiB reads as 3 "MiB" of bytes. Tiny sidecars (a pause container, a static proxy)
/// do peak at a few MiB, so such a series is analysed, with a note that names the unit to check.
pub const SUSPICIOUS_PEAK_BYTES: f64 = 4.0 * 1_048_576.0;

/// At most this share of a series' instants may carry two different values (merged by their
/// mean, with a note): a time written twice in a daylight-saving change, an export overlap.
/// Beyond it, several containers share the series' labels.
pub const MAX_CONFLICTING_INSTANT_SHARE: f64 = 0.01;

/// Two containers whose rows interleave in one series alternate between their levels: the
/// median step between neighbours is then many times the median step between samples two
/// apart (same container). One container's steps are about equal at both lags (noise: ratio ≈ 1,
/// a random walk: ≈ 0.7); a ratio of 4 or more is interleaving.
pub const INTERLEAVED_LAG_RATIO: f64 = 4.0;
/// …and the neighbour step must be at least this share of the level, so that quantised flat
/// series (steps of a page) are not judged.
const INTERLEAVED_MIN_STEP_SHARE: f64 = 0.02;
/// Fewer samples than this say nothing about interleaving.
const INTERLEAVED_MIN_SAMPLES: usize = 20;

pub(super) struct Checked {
    pub(super) metric: Option<String>,
    pub(super) refused: Vec<RefusedSeries>,
    pub(super) left_out: LeftOut,
    pub(super) signals: Vec<Signal>,
    pub(super) notes: Vec<String>,
}

fn metric_of(labels: &Labels) -> Option<&str> {
    labels.get("__name__").map(String::as_str)
}

fn container_of(labels: &Labels) -> Option<&str> {
    labels.get("container").or_else(|| labels.get("container_name")).map(String::as_str)
}

/// The memory metric: `chosen` (`--metric`), else [`MEMORY_METRIC`], else the only metric that
/// is neither a limit nor a signal; several candidates are refused.
fn memory_metric(
    names: &BTreeSet<String>,
    chosen: Option<&str>,
) -> Result<Option<String>, MetricsError> {
    if names.is_empty() {
        return Ok(None);
    }
    let listed = |names: &mut dyn Iterator<Item = &String>| {
        names.map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
    };
    if let Some(chosen) = chosen {
        return if names.contains(chosen) {
            Ok(Some(chosen.to_owned()))
        } else {
            Err(MetricsError::Layout(format!(
                "--metric `{chosen}` is not in this dump; it holds {}",
                listed(&mut names.iter())
            )))
        };
    }
    if names.contains(MEMORY_METRIC) {
        return Ok(Some(MEMORY_METRIC.to_owned()));
    }
    let candidates: Vec<&String> = names
        .iter()
        .filter(|n| {
            n.as_str() != LIMIT_METRIC
                && !KSM_LIMITS.contains(&n.as_str())
                && !SIGNAL_METRICS.contains(&n.as_str())
        })
        .collect();
    match candidates.as_slice() {
        [] => Ok(None),
        [only] => Ok(Some((*only).clone())),
        several => Err(MetricsError::Layout(format!(
            "several metrics ({}) and none is `{MEMORY_METRIC}`: choose the memory one with \
             --metric NAME",
            listed(&mut several.iter().copied())
        ))),
    }
}

pub(super) fn check(
    builder: &mut SeriesBuilder,
    chosen: Option<&str>,
) -> Result<Checked, MetricsError> {
    let names: BTreeSet<String> =
        builder.series.keys().filter_map(|l| metric_of(l).map(str::to_owned)).collect();
    let metric = memory_metric(&names, chosen)?;
    let mut checked = Checked {
        metric: metric.clone(),
        refused: Vec::new(),
        left_out: LeftOut::default(),
        signals: Vec::new(),
        notes: Vec::new(),
    };
    let mut other_names = BTreeSet::new();
    let entries = std::mem::take(&mut builder.series);
    let mut memory = Vec::new();
    for (labels, (samples, limit)) in entries {
        let name = metric_of(&labels).map(str::to_owned);
        match name.as_deref() {
            None => memory.push((labels, (samples, limit))),
            Some(n) if Some(n) == metric.as_deref() => memory.push((labels, (samples, limit))),
            Some(LIMIT_METRIC) => {
                builder.series.insert(labels, (samples, limit));
            }
            Some(n) if KSM_LIMITS.contains(&n) => {
                if n == KSM_LIMITS[0] && labels.get("resource").is_some_and(|r| r != "memory") {
                    checked.left_out.other_metrics += 1;
                    continue;
                }
                // Handed to the limit mechanism as cAdvisor's limit of the same container:
                // kube-state-metrics' own `instance`, `job`, `uid`, `node` would never match.
                let mut key: Labels = labels
                    .into_iter()
                    .filter(|(k, _)| matches!(k.as_str(), "namespace" | "pod" | "container"))
                    .collect();
                key.insert("__name__".to_owned(), LIMIT_METRIC.to_owned());
                // Kept apart from cAdvisor's limit of the same container: the spec wins.
                key.insert(SPEC_LIMIT_LABEL.to_owned(), "kube-state-metrics".to_owned());
                let entry = builder.series.entry(key).or_default();
                entry.0.extend(samples);
                entry.1.extend(limit);
            }
            Some(n) if SIGNAL_METRICS.contains(&n) => {
                let mut labels = labels;
                labels.remove("__name__");
                let mut samples: Vec<SignalSample> =
                    samples.iter().map(|s| SignalSample { time: s.time, value: s.bytes }).collect();
                samples.sort_by(|a, b| a.time.total_cmp(&b.time));
                checked.signals.push(Signal { metric: n.to_owned(), labels, samples });
            }
            Some(n) => {
                checked.left_out.other_metrics += 1;
                other_names.insert(n.to_owned());
            }
        }
    }
    if !other_names.is_empty() {
        let listed: Vec<String> = other_names.iter().map(|n| format!("`{n}`")).collect();
        checked.notes.push(format!(
            "{} left out ({}); choose another with --metric",
            crate::text::count(
                checked.left_out.other_metrics,
                "series of another metric",
                "series of other metrics"
            ),
            listed.join(", ")
        ));
    }
    let has_containers = memory.iter().any(|(labels, _)| container_of(labels).is_some());
    for (labels, (samples, limit)) in memory {
        match container_of(&labels) {
            Some("POD") => {
                checked.left_out.pause_containers += 1;
                continue;
            }
            Some("") => {
                checked.left_out.pod_cgroups += 1;
                continue;
            }
            // A pod's own cgroup: cAdvisor labels it with the pod (and cgroup `id`) only.
            None if has_containers
                && ["pod", "pod_name", "id"].iter().any(|k| labels.contains_key(*k)) =>
            {
                checked.left_out.pod_cgroups += 1;
                continue;
            }
            _ => {}
        }
        match judge(&samples) {
            Judgement::Refuse(reason) => {
                let mut labels = labels;
                labels.remove("__name__");
                let reason = format!("{}: {reason}", name_of(&labels));
                checked.refused.push(RefusedSeries { labels, reason });
            }
            Judgement::Keep(notes) => {
                for note in notes {
                    checked.notes.push(format!("{}: {note}", name_of(&labels)));
                }
                builder.series.insert(labels, (samples, limit));
            }
        }
    }
    Ok(checked)
}

enum Judgement {
    Keep(Vec<String>),
    Refuse(String),
}

fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let middle = values.len() / 2;
    let (_, value, _) = values.select_nth_unstable_by(middle, f64::total_cmp);
    *value
}

/// Whether one series' samples can be one container's memory in bytes.
fn judge(samples: &[Sample]) -> Judgement {
    let mut sorted = samples.to_vec();
    sorted.sort_by(|a, b| a.time.total_cmp(&b.time).then(a.bytes.total_cmp(&b.bytes)));
    // One value per instant (the mean of a conflict), counting instants with two values.
    let (mut levels, mut conflicts, mut instants) =
        (Vec::with_capacity(sorted.len()), 0usize, 0usize);
    let mut index = 0;
    while index < sorted.len() {
        let time = sorted[index].time;
        let end =
            sorted[index..].iter().position(|s| s.time != time).map_or(sorted.len(), |n| index + n);
        let group = &sorted[index..end];
        instants += 1;
        if group.iter().any(|s| s.bytes != group[0].bytes) {
            conflicts += 1;
        }
        levels.push(group.iter().map(|s| s.bytes).sum::<f64>() / group.len() as f64);
        index = end;
    }
    let peak = levels.iter().copied().fold(0.0, f64::max);
    if conflicts as f64 > MAX_CONFLICTING_INSTANT_SHARE * instants as f64 {
        return Judgement::Refuse(format!(
            "{conflicts} of {instants} instants carry two or more different values: several \
             containers (replicas without a pod label?) share these labels; export with the \
             `pod` label (e.g. `sum by (namespace, pod, container) (...)`) — not sized"
        ));
    }
    if levels.len() >= INTERLEAVED_MIN_SAMPLES {
        let mut lag1: Vec<f64> = levels.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
        let mut lag2: Vec<f64> = levels.windows(3).map(|w| (w[2] - w[0]).abs()).collect();
        let mut level = levels.clone();
        let (step, step2, level) = (median(&mut lag1), median(&mut lag2), median(&mut level));
        if step > INTERLEAVED_LAG_RATIO * step2 && step > INTERLEAVED_MIN_STEP_SHARE * level {
            return Judgement::Refuse(format!(
                "values alternate between levels (median step {} between neighbours, {} two \
                 apart): the rows of two or more containers are interleaved (replicas without a \
                 pod label?); export with the `pod` label — not sized",
                crate::quantity::format_human(step as u64),
                crate::quantity::format_human(step2 as u64)
            ));
        }
    }
    if peak < MIN_PLAUSIBLE_PEAK_BYTES {
        return Judgement::Refuse(format!(
            "a peak of {peak} bytes is implausible as a container's memory in bytes (below 1 MiB): the \
             values are likely in another unit (KiB, MiB); name the unit in the column header \
             (`value_mib`, `memory (MiB)`) or export bytes — not sized"
        ));
    }
    let mut notes = Vec::new();
    if conflicts > 0 {
        notes.push(format!(
            "{conflicts} of {instants} instants carry two different values; their mean is kept"
        ));
    }
    if peak < SUSPICIOUS_PEAK_BYTES {
        notes.push(format!(
            "a peak of {} is small for a container: if this is not a tiny sidecar, the values \
             may be in KiB (or kB) rather than bytes; name the unit in the column header \
             (`value_kib`, `memory (KiB)`) or export bytes",
            crate::quantity::format_human(peak as u64)
        ));
    }
    Judgement::Keep(notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(values: &[(f64, f64)]) -> Vec<Sample> {
        values.iter().map(|&(time, bytes)| Sample { time, bytes }).collect()
    }

    #[test]
    fn interleaved_levels_are_refused() {
        let rows: Vec<(f64, f64)> = (0..100)
            .map(|i| {
                (i as f64 * 30.0, if i % 2 == 0 { 300e6 } else { 600e6 } + (i % 7) as f64 * 1e5)
            })
            .collect();
        assert!(matches!(judge(&series(&rows)), Judgement::Refuse(r) if r.contains("alternate")));
        let one: Vec<(f64, f64)> =
            (0..100).map(|i| (i as f64 * 30.0, 300e6 + ((i * 37) % 11) as f64 * 1e6)).collect();
        assert!(matches!(judge(&series(&one)), Judgement::Keep(notes) if notes.is_empty()));
    }

    #[test]
    fn two_values_at_one_instant() {
        let rows: Vec<(f64, f64)> =
            (0..50).flat_map(|i| [(i as f64, 300e6), (i as f64, 310e6 + i as f64)]).collect();
        assert!(matches!(judge(&series(&rows)), Judgement::Refuse(r) if r.contains("instants")));
        let mut once: Vec<(f64, f64)> = (0..200).map(|i| (i as f64, 300e6)).collect();
        once.push((5.0, 302e6));
        assert!(matches!(judge(&series(&once)), Judgement::Keep(notes) if notes.len() == 1));
    }

    #[test]
    fn implausible_bytes() {
        let rows: Vec<(f64, f64)> = (0..30).map(|i| (i as f64, 700.0 + i as f64)).collect();
        assert!(matches!(judge(&series(&rows)), Judgement::Refuse(r) if r.contains("1 MiB")));
    }

    #[test]
    fn small_peaks_are_kept_with_a_unit_note() {
        // A 2.1 GiB JVM exported in KiB: 2.1 "MiB" of bytes.
        let kib: Vec<(f64, f64)> = (0..30).map(|i| (i as f64, 2_123_350.0 + i as f64)).collect();
        assert!(
            matches!(judge(&series(&kib)), Judgement::Keep(n) if n.len() == 1 && n[0].contains("KiB"))
        );
        let sidecar: Vec<(f64, f64)> = (0..30).map(|i| (i as f64, 5e6 + i as f64)).collect();
        assert!(matches!(judge(&series(&sidecar)), Judgement::Keep(n) if n.is_empty()));
    }
}
