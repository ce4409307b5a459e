//! Series assembly: samples grouped by label set, sorted and merged per timestamp, limits
//! attached from limit series (as step series over time, so a raised limit is followed), and a container's successive pods joined across restarts.

use std::collections::BTreeMap;

use crate::metrics::{Labels, Sample, Series, push_limit};

/// The metric whose series are limits, attached to the memory series they match.
pub(super) const LIMIT_METRIC: &str = "container_spec_memory_limit_bytes";

/// A label that integrity checking puts on kube-state-metrics' limits (the pod spec), so that
/// they stay apart from cAdvisor's and win over them.
pub(super) const SPEC_LIMIT_LABEL: &str = "__limit_source__";

/// Limits at or above this many bytes (2^62, 4 EiB) mean "no limit": cAdvisor reports an
/// unlimited cgroup as the page-rounded largest i64 (9223372036854771712), like 0.
pub(super) const NO_LIMIT_BYTES: f64 = 4_611_686_018_427_387_904.0;

/// Whether a limit value is a real limit: above 0 and below [`NO_LIMIT_BYTES`].
fn is_limit(bytes: f64) -> bool {
    bytes > 0.0 && bytes < NO_LIMIT_BYTES
}

/// A limit series: its labels, its steps (time, bytes), and whether it is the pod spec's
/// (kube-state-metrics) rather than cAdvisor's.
type LimitSeries = (Labels, Vec<(f64, u64)>, bool);

/// A label set's samples and the limits seen beside them (time, bytes), unsorted.
type Collected = (Vec<Sample>, Vec<(f64, u64)>);

/// Collects samples per label set, then sorts, merges and attaches limits.
#[derive(Default)]
pub(super) struct SeriesBuilder {
    /// Per label set: its samples and the limits seen beside them (time, bytes), unsorted.
    pub(super) series: BTreeMap<Labels, Collected>,
    /// The series the last sample went to.
    last: Option<Labels>,
}

impl SeriesBuilder {
    pub(super) fn push(&mut self, labels: Labels, time: f64, bytes: f64, limit: Option<f64>) {
        if self.last.as_ref() != Some(&labels) {
            self.last = Some(labels.clone());
        }
        let entry = self.series.entry(labels).or_default();
        entry.0.push(Sample { time, bytes });
        if let Some(limit) = limit.filter(|l| is_limit(*l)) {
            entry.1.push((time, limit as u64));
        }
    }

    /// Adds a series' samples at once: one lookup of its labels instead of one per sample (a
    /// fleet scan's batches are hundreds of thousands of samples).
    pub(super) fn extend(&mut self, labels: Labels, samples: Vec<Sample>) {
        if samples.is_empty() {
            return;
        }
        if self.last.as_ref() != Some(&labels) {
            self.last = Some(labels.clone());
        }
        let entry = self.series.entry(labels).or_default();
        if entry.0.is_empty() {
            entry.0 = samples;
        } else {
            entry.0.extend(samples);
        }
    }

    /// Whether the series the last sample went to is a limit metric's.
    pub(super) fn last_is_limit(&self) -> bool {
        self.last.as_ref().is_some_and(super::is_limit_metric)
    }

    /// Adds a sample to the series the last one went to.
    pub(super) fn push_to_last(&mut self, time: f64, bytes: f64, limit: Option<f64>) {
        let Some(entry) = self.last.as_ref().and_then(|labels| self.series.get_mut(labels)) else {
            return;
        };
        entry.0.push(Sample { time, bytes });
        if let Some(limit) = limit.filter(|l| is_limit(*l)) {
            entry.1.push((time, limit as u64));
        }
    }

    /// The series, and notes on what was decided (limits that disagree).
    pub(super) fn finish(self) -> (Vec<Series>, Vec<String>) {
        let mut memory = Vec::new();
        let mut notes = Vec::new();
        let mut limit_series: Vec<LimitSeries> = Vec::new();
        for (mut labels, (mut samples, observed)) in self.series {
            samples.sort_by(|a, b| a.time.total_cmp(&b.time));
            let samples = merge_duplicates(samples);
            if labels.get("__name__").is_some_and(|n| n == LIMIT_METRIC) {
                labels.remove("__name__");
                let spec = labels.remove(SPEC_LIMIT_LABEL).is_some();
                let observed: Vec<(f64, u64)> = samples
                    .iter()
                    .filter(|s| is_limit(s.bytes))
                    .map(|s| (s.time, s.bytes as u64))
                    .collect();
                let steps = step_series(observed);
                if !steps.is_empty() {
                    limit_series.push((labels, steps, spec));
                }
                continue;
            }
            labels.remove("__name__");
            let limits = step_series(observed);
            memory.push(Series { labels, samples, limits, pod_changes: Vec::new() });
        }
        for series in &mut memory {
            if series.limits.is_empty() {
                let matching: Vec<&LimitSeries> = limit_series
                    .iter()
                    .filter(|(labels, _, _)| {
                        labels.iter().all(|(k, v)| series.labels.get(k).is_none_or(|own| own == v))
                    })
                    .collect();
                // The spec (kube-state-metrics) wins over cAdvisor's view of it; never a mean.
                let spec = matching.iter().find(|m| m.2);
                let cadvisor = matching.iter().find(|m| !m.2);
                if let (Some(spec), Some(cadvisor)) = (spec, cadvisor)
                    && spec.1.last().map(|l| l.1) != cadvisor.1.last().map(|l| l.1)
                {
                    let last = |steps: &[(f64, u64)]| {
                        steps
                            .last()
                            .map_or_else(String::new, |l| crate::quantity::format_human(l.1))
                    };
                    notes.push(format!(
                        "{}: the limits disagree: kube-state-metrics (the pod spec) says {}, \
                         cAdvisor ({LIMIT_METRIC}) {}; the spec's is used",
                        series.name(),
                        last(&spec.1),
                        last(&cadvisor.1)
                    ));
                }
                series.limits =
                    spec.or(cadvisor).map(|(_, limits, _)| limits.clone()).unwrap_or_default();
            }
        }
        (join_pod_generations(memory), notes)
    }
}

/// Limits observed over time → the changes only, sorted by time.
fn step_series(mut observed: Vec<(f64, u64)>) -> Vec<(f64, u64)> {
    observed.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut steps = Vec::new();
    for (time, bytes) in observed {
        push_limit(&mut steps, time, bytes);
    }
    steps
}

fn merge_duplicates(samples: Vec<Sample>) -> Vec<Sample> {
    let mut merged: Vec<Sample> = Vec::with_capacity(samples.len());
    let mut count = 1.0;
    for sample in samples {
        match merged.last_mut() {
            Some(last) if last.time == sample.time => {
                count += 1.0;
                last.bytes += (sample.bytes - last.bytes) / count;
            }
            _ => {
                merged.push(sample);
                count = 1.0;
            }
        }
    }
    merged
}

/// Series that differ only in their pod name and follow each other in time are one container
/// across restarts (a Deployment's new pod after an OOMKill): joined, with the change recorded.
fn join_pod_generations(series: Vec<Series>) -> Vec<Series> {
    let key = |s: &Series| {
        let mut labels = s.labels.clone();
        labels.remove("pod");
        labels.remove("instance");
        labels.remove("id");
        labels.remove("name");
        labels
    };
    let mut groups: BTreeMap<Labels, Vec<Series>> = BTreeMap::new();
    for s in series {
        groups.entry(key(&s)).or_default().push(s);
    }
    let mut out = Vec::new();
    for (_, mut members) in groups {
        let all_have_pods =
            members.len() > 1 && members.iter().all(|s| s.labels.contains_key("pod"));
        members.sort_by(|a, b| first_time(a).total_cmp(&first_time(b)));
        // Strictly after: pods with samples at the same instant coexist (replicas of an
        // instant vector), so they cannot be one container's successive generations.
        let sequential = members.windows(2).all(|w| last_time(&w[0]) < first_time(&w[1]));
        if !all_have_pods || !sequential {
            out.extend(members);
            continue;
        }
        let mut joined = members.remove(0);
        for next in members {
            joined.pod_changes.push(first_time(&next));
            joined.samples.extend(next.samples);
            for (time, bytes) in next.limits {
                push_limit(&mut joined.limits, time, bytes);
            }
            if let Some(pod) = next.labels.get("pod") {
                joined.labels.insert("pod".to_owned(), pod.clone());
            }
        }
        out.push(joined);
    }
    out
}

fn first_time(series: &Series) -> f64 {
    series.samples.first().map_or(f64::INFINITY, |s| s.time)
}

fn last_time(series: &Series) -> f64 {
    series.samples.last().map_or(f64::NEG_INFINITY, |s| s.time)
}
