//! Restart and OOM signals joined to a memory series: when the container restarted, and which
//! restarts were OOM kills, as the cluster counted them (not inferred from the shape).

use crate::metrics::{Labels, Series, Signal};

/// kube-state-metrics' restart counter: one step per container restart.
pub const RESTARTS_METRIC: &str = "kube_pod_container_status_restarts_total";
/// cAdvisor's OOM event counter: one step per OOM kill in the container.
pub const OOM_EVENTS_METRIC: &str = "container_oom_events_total";
/// kube-state-metrics' reason of the last termination (1 while it is the reason).
pub const LAST_TERMINATED_METRIC: &str = "kube_pod_container_status_last_terminated_reason";

/// A counter covers the memory series' window when it starts and ends within this share of the
/// window of the series' ends: 0.05. A counter over part of the window says nothing about the
/// rest, so its flatness would be read as "no restart" where nothing is known.
pub const SIGNAL_COVERAGE_SLACK_SHARE: f64 = 0.05;

/// A restart the cluster counted.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct KnownRestart {
    /// Unix seconds of the first sample after the counter stepped.
    pub time: f64,
    /// Whether it was an OOM kill (an OOM event, or last terminated reason `OOMKilled`).
    pub oom: bool,
}

/// The restarts the dump's `signals` know of for `series`, joined by namespace, pod and
/// container (the labels both carry): `None` when no counter covers the series' window (nothing
/// known), `Some(empty)` when a counter does and stays flat (known: no restart).
///
/// A restart counter's steps are the restarts; those with an OOM event step near them, or with
/// the last terminated reason `OOMKilled` right after, are OOM kills. Without a restart counter,
/// OOM event steps alone are the (OOM) restarts.
///
/// ```
/// use oom_core::metrics::{KnownRestart, Sample, Series, Signal, SignalSample, known_restarts};
///
/// let labels: oom_core::metrics::Labels =
///     [("namespace", "shop"), ("pod", "api-1"), ("container", "api")]
///         .into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
/// let samples = (0..10).map(|i| Sample { time: 300.0 * i as f64, bytes: 1e8 }).collect();
/// let series = Series { labels: labels.clone(), samples, limits: vec![], pod_changes: vec![] };
/// let counter = |values: &[f64]| Signal {
///     metric: "kube_pod_container_status_restarts_total".into(),
///     labels: labels.clone(),
///     samples: values.iter().enumerate()
///         .map(|(i, &value)| SignalSample { time: 300.0 * i as f64, value }).collect(),
/// };
/// let flat = counter(&[3.0; 10]);
/// assert_eq!(known_restarts(&[flat], &series), Some(vec![]));
/// let stepped = counter(&[0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]);
/// assert_eq!(known_restarts(&[stepped], &series), Some(vec![KnownRestart { time: 900.0, oom: false }]));
/// assert_eq!(known_restarts(&[], &series), None);
/// ```
pub fn known_restarts(signals: &[Signal], series: &Series) -> Option<Vec<KnownRestart>> {
    let (first, last) = (series.samples.first()?.time, series.samples.last()?.time);
    let slack = SIGNAL_COVERAGE_SLACK_SHARE * (last - first);
    let mine: Vec<&Signal> = signals.iter().filter(|s| joins(&s.labels, &series.labels)).collect();
    let covering = |metric: &str| {
        mine.iter().copied().find(|s| {
            s.metric == metric
                && s.samples.first().is_some_and(|f| f.time <= first + slack)
                && s.samples.last().is_some_and(|l| l.time >= last - slack)
        })
    };
    let oom_steps: Option<Vec<(f64, f64)>> = covering(OOM_EVENTS_METRIC).map(steps);
    let reason = mine.iter().copied().find(|s| {
        s.metric == LAST_TERMINATED_METRIC
            && s.labels.get("reason").is_some_and(|r| r == "OOMKilled")
    });
    let Some(restarts) = covering(RESTARTS_METRIC) else {
        return oom_steps.map(|steps| {
            steps.iter().map(|&(_, time)| KnownRestart { time, oom: true }).collect()
        });
    };
    let known = steps(restarts)
        .into_iter()
        .map(|(from, time)| {
            // The OOM event counted in the same interval (or the one either side).
            let width = time - from;
            let by_event = oom_steps.as_ref().is_some_and(|oom| {
                oom.iter().any(|&(_, at)| at >= from - width && at <= time + width)
            });
            let by_reason = reason.is_some_and(|r| {
                r.samples.iter().find(|s| s.time >= time).is_some_and(|s| s.value >= 1.0)
            });
            KnownRestart { time, oom: by_event || by_reason }
        })
        .collect();
    Some(known)
}

/// A counter's steps up: (time of the sample before, time of the sample after). A fall is a
/// counter reset (a new pod, a restarted exporter), not a restart.
fn steps(counter: &Signal) -> Vec<(f64, f64)> {
    counter
        .samples
        .windows(2)
        .filter(|w| w[1].value > w[0].value && w[1].value.is_finite() && w[0].value.is_finite())
        .map(|w| (w[0].time, w[1].time))
        .collect()
}

/// A signal belongs to a memory series when namespace, pod and container agree wherever both
/// carry them, and they share at least the container or the pod.
fn joins(signal: &Labels, memory: &Labels) -> bool {
    fn get<'a>(labels: &'a Labels, keys: &[&str]) -> Option<&'a str> {
        keys.iter().find_map(|k| labels.get(*k)).map(String::as_str)
    }
    let keys: [&[&str]; 3] =
        [&["namespace"], &["pod", "pod_name"], &["container", "container_name"]];
    let mut shared = 0;
    for (i, names) in keys.iter().enumerate() {
        match (get(signal, names), get(memory, names)) {
            (Some(a), Some(b)) if a != b => return false,
            (Some(_), Some(_)) if i > 0 => shared += 1,
            _ => {}
        }
    }
    shared > 0
}
