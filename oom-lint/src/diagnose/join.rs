//! What is known about one killed container, gathered from every input: its pod's events and
//! its node's, the deploys of its workload, its manifest, and its memory series (and JVM heap
//! series) analysed by `oom_core::leak` with its limit and the deploys as events.

use oom_core::leak::{Analysis, AnalysisOptions, analyze};
use oom_core::metrics::Event;
use oom_core::text::count;

use super::Evidence;
use crate::incidents::{
    ClusterEvent, Collected, ContainerState, Deploy, Eviction, ManifestContainer, Memory,
    MetricSeries, PodState, Role, Workload,
};
use crate::settings::Settings;

/// A memory series of the container, analysed.
#[derive(Debug)]
pub struct Usage {
    pub file: String,
    pub name: String,
    pub analysis: Analysis,
    /// The last sample, in bytes.
    pub last_bytes: f64,
    pub last_time: f64,
    /// When the analysis covers only the samples since a deploy inside the series.
    pub since_deploy: Option<f64>,
    /// The series drops at the limit more often than the pod's restart count allows: the
    /// drops it would call OOM kills (this many) are garbage collection or cache eviction, so
    /// the analysis was redone without reading drops at the limit as kills.
    pub drops_not_kills: Option<(usize, u64)>,
    /// With `since_deploy`: the verdict on the samples before that deploy (when there are
    /// enough of them to judge).
    pub before_deploy: Option<oom_core::leak::Classification>,
    /// The whole series as read (the analysis may cover only its samples since a deploy).
    pub series: oom_core::metrics::Series,
}

/// The fewest samples before a deploy that are judged on their own (as `analyze` needs).
const BEFORE_DEPLOY_MIN_SAMPLES: usize = 12;

/// The shortest stretch since a deploy that is analysed on its own, in seconds.
const CURRENT_VERSION_MIN_SECONDS: f64 = 6.0 * 3600.0;

/// Everything known about one killed container.
#[derive(Debug)]
pub struct Case<'a> {
    pub pod: &'a PodState,
    pub container: &'a ContainerState,
    pub workload: Option<Workload>,
    /// Events about the pod that concern this container (or the pod as a whole).
    pub events: Vec<&'a ClusterEvent>,
    /// `SystemOOM` and `OOMKilling` events of the pod's node.
    pub node_events: Vec<&'a ClusterEvent>,
    /// The workload's deploys, oldest first.
    pub deploys: Vec<&'a Deploy>,
    pub manifest: Option<&'a ManifestContainer>,
    /// The limit that bounded it: the pod's own spec, else the manifest's (admitted) one.
    pub limit: Option<Memory>,
    pub eviction: Option<Eviction>,
    pub usage: Option<Usage>,
    pub heap_usage: Option<Usage>,
    /// The pod's other containers with their usage, for a limit they share.
    pub others: Vec<(&'a ContainerState, Option<Usage>)>,
    /// `.oom-lint.yaml`'s settings (heap ratios), as `check` and `fix` read them.
    pub settings: &'a Settings,
}

impl Case<'_> {
    /// The kills, as evidence.
    pub fn kill_evidence(&self) -> Vec<Evidence> {
        let mut out: Vec<Evidence> = self
            .container
            .kills
            .iter()
            .map(|kill| {
                let mut text = format!(
                    "terminated: reason {}, exit code {}",
                    if kill.reason.is_empty() { "(none)" } else { &kill.reason },
                    kill.exit_code.map_or_else(|| "unknown".into(), |c| c.to_string())
                );
                if let Some(finished) = kill.finished {
                    text.push_str(&format!(", at {}", super::when(finished)));
                }
                if let Some(uptime) = kill.uptime_seconds() {
                    text.push_str(&format!(", {} after it started", super::duration(uptime)));
                }
                Evidence::at(&kill.origin, text)
            })
            .collect();
        if let Some(restarts) = self.container.restart_count.filter(|&r| r > 0) {
            let waiting = self
                .container
                .waiting_reason
                .as_deref()
                .map(|w| format!(", now {w}"))
                .unwrap_or_default();
            out.push(Evidence::at(
                self.container.restart_origin.as_ref().unwrap_or(&self.container.origin),
                format!("{}{waiting}", count(restarts, "restart", "restarts")),
            ));
        }
        out
    }

    /// The latest kill time.
    pub fn kill_time(&self) -> Option<f64> {
        self.container.kills.iter().filter_map(|k| k.finished).reduce(f64::max)
    }

    /// Whether any kill was the kernel's OOM killer.
    pub fn oom_killed(&self) -> bool {
        self.container.kills.iter().any(|k| k.is_oom())
    }

    /// Events of one reason about this container.
    pub fn events_with(&self, reason: &str) -> impl Iterator<Item = &&ClusterEvent> {
        self.events.iter().filter(move |e| e.reason == reason)
    }

    /// The namespace to put in commands.
    pub fn namespace(&self) -> &str {
        self.pod.namespace.as_deref().unwrap_or("default")
    }

    /// The deploy named by the analysis (its label), else the last one before `time`.
    pub fn deploy_before(&self, time: f64) -> Option<&Deploy> {
        self.deploys.iter().copied().rfind(|d| d.time.is_some_and(|t| t <= time))
    }
}

/// The containers that were killed (an OOM kill, a SIGKILL/SIGTERM exit, an eviction), each
/// with what is known about it.
pub fn cases<'a>(collected: &'a Collected, settings: &'a Settings) -> Vec<Case<'a>> {
    let mut out = Vec::new();
    for pod in &collected.pods {
        let pod_events: Vec<&ClusterEvent> = collected
            .events
            .iter()
            .filter(|e| {
                e.kind == "Pod"
                    && e.name == pod.name
                    && same_namespace(&e.namespace, &pod.namespace)
            })
            .collect();
        let eviction = pod.eviction.clone().or_else(|| {
            pod_events.iter().find(|e| e.reason == "Evicted").map(|e| Eviction {
                message: e.message.clone(),
                time: e.last,
                origin: e.origin.clone(),
                usage: crate::incidents::evicted_usage(&e.message),
            })
        });
        let workload = pod.workload();
        for container in &pod.containers {
            let killed = container.kills.iter().any(|k| k.is_oom() || k.is_signal_kill());
            let evicted = eviction.as_ref().is_some_and(|e| {
                e.usage.iter().any(|u| u.container == container.name)
                    || (e.usage.is_empty() && container.role == Role::App)
            });
            if !killed && !evicted {
                continue;
            }
            out.push(case(
                collected,
                settings,
                pod,
                container,
                &pod_events,
                workload.clone(),
                eviction.clone(),
            ));
        }
    }
    out
}

fn same_namespace(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

fn case<'a>(
    collected: &'a Collected,
    settings: &'a Settings,
    pod: &'a PodState,
    container: &'a ContainerState,
    pod_events: &[&'a ClusterEvent],
    workload: Option<Workload>,
    eviction: Option<Eviction>,
) -> Case<'a> {
    let events = pod_events
        .iter()
        .copied()
        .filter(|e| e.container.as_deref().is_none_or(|c| c == container.name))
        .collect();
    let node_events = collected
        .events
        .iter()
        .filter(|e| matches!(e.reason.as_str(), "SystemOOM" | "OOMKilling"))
        .filter(|e| {
            pod.node
                .as_deref()
                .is_some_and(|node| e.name == node || e.host.as_deref() == Some(node))
        })
        .collect();
    let deploys: Vec<&Deploy> = collected
        .deploys
        .iter()
        .filter(|d| same_namespace(&d.namespace, &pod.namespace))
        .filter(|d| match (&workload, &d.deployment) {
            (Some(w), Some(deployment)) => *deployment == w.name,
            (Some(w), None) => {
                d.replica_set.starts_with(&format!("{}-", w.name)) || d.namespace.is_none()
            }
            (None, _) => false,
        })
        .collect();
    let manifest = manifest_for(&collected.manifests, pod, workload.as_ref(), &container.name);
    let limit = container.limit.clone().or_else(|| manifest.and_then(|m| m.limit.clone()));
    let analyse = |name: &str, heap: bool, limit: Option<u64>, restarts: Option<u64>| {
        series_for(&collected.series, pod, workload.as_ref(), name, heap)
            .map(|series| usage(series, limit, restarts, &deploys, settings))
    };
    let limit_bytes = limit.as_ref().map(|l| l.bytes).or(pod.pod_limit.as_ref().map(|l| l.bytes));
    let others = pod
        .containers
        .iter()
        .filter(|c| c.name != container.name && c.role != Role::Init)
        .map(|c| (c, analyse(&c.name, false, c.limit.as_ref().map(|l| l.bytes), c.restart_count)))
        .collect();
    let usage = analyse(&container.name, false, limit_bytes, container.restart_count);
    let heap_usage = analyse(&container.name, true, None, None);
    Case {
        pod,
        container,
        workload,
        events,
        node_events,
        deploys,
        manifest,
        eviction,
        usage,
        heap_usage,
        others,
        limit,
        settings,
    }
}

fn usage(
    series: &MetricSeries,
    limit: Option<u64>,
    known_restarts: Option<u64>,
    deploys: &[&Deploy],
    settings: &Settings,
) -> Usage {
    let events: Vec<Event> =
        deploys.iter().filter_map(|d| Some(Event { time: d.time?, label: d.label() })).collect();
    let options = AnalysisOptions {
        limit_bytes: limit.or(series.series.limit_bytes()),
        policy: settings.sizing_policy(),
        ..AnalysisOptions::default()
    };
    let last = series.series.samples.last();
    let first_time = series.series.samples.first().map_or(0.0, |s| s.time);
    let last_time = last.map_or(0.0, |s| s.time);
    // A deploy inside the series changed the code: what the killed version does is what the
    // samples since the deploy show, when they are enough to judge.
    let since_deploy = events
        .iter()
        .map(|e| e.time)
        .filter(|&t| t > first_time && last_time - t >= CURRENT_VERSION_MIN_SECONDS)
        .reduce(f64::max);
    let mut current = series.series.clone();
    let mut before_deploy = None;
    if let Some(deploy) = since_deploy {
        current.samples.retain(|s| s.time >= deploy);
        // The rollout's new pod starts the kept samples: it is no restart inside them.
        let first_kept = current.samples.first().map_or(deploy, |s| s.time);
        current.pod_changes.retain(|&t| t > first_kept);
        // Whether the samples before the deploy grew too: only if they did not is the growth
        // the deployed version's.
        let mut before = series.series.clone();
        before.samples.retain(|s| s.time < deploy);
        before.pod_changes.retain(|&t| t < deploy);
        before.limits.retain(|&(t, _)| t < deploy);
        if before.samples.len() >= BEFORE_DEPLOY_MIN_SAMPLES {
            before_deploy = Some(analyze(&before, &[], &options).classification);
        }
    }
    let mut analysis = analyze(&current, &events, &options);
    // Known restarts win over inferred ones: one pod (no pod change in the series) cannot have
    // been OOMKilled more often than its restart count says. Then the drops near the limit are
    // the runtime freeing memory, and the series is judged as if no limit explained them.
    let mut drops_not_kills = None;
    // Drops from near the limit but short of it are not counted as kills by the analysis (they
    // may be either); they count here, against the restart count.
    let near_limit = analysis.limit_bytes.is_some_and(|l| {
        analysis.peak_bytes >= options.thresholds.restart_near_limit_share * l as f64
    });
    let drops = analysis.oom_restarts.max(if near_limit { analysis.sawtooth_drops } else { 0 });
    if let Some(known) = known_restarts
        && current.pod_changes.is_empty()
        && drops as u64 > known
    {
        drops_not_kills = Some((drops, known));
        current.limits.clear();
        let without_limit = AnalysisOptions { limit_bytes: None, ..options.clone() };
        analysis = analyze(&current, &events, &without_limit);
    }
    Usage {
        file: series.file.clone(),
        name: series.series.name(),
        analysis,
        last_bytes: last.map_or(0.0, |s| s.bytes),
        last_time,
        since_deploy,
        drops_not_kills,
        before_deploy,
        series: series.series.clone(),
    }
}

/// The manifest container of this pod: the Pod's own spec first, then its workload's.
fn manifest_for<'a>(
    manifests: &'a [ManifestContainer],
    pod: &PodState,
    workload: Option<&Workload>,
    container: &str,
) -> Option<&'a ManifestContainer> {
    let candidates = manifests
        .iter()
        .filter(|m| m.container == container && same_namespace(&m.namespace, &pod.namespace));
    let score = |m: &ManifestContainer| {
        if m.object_kind == "Pod" && m.object_name == pod.name {
            3
        } else if workload.is_some_and(|w| w.name == m.object_name) {
            2
        } else if pod.name.starts_with(&format!("{}-", m.object_name)) {
            1
        } else {
            0
        }
    };
    // A spec that shows the runtime's heap settings beats one that does not (a Pod's spec as
    // exported may have lost the env a ConfigMap gave it).
    candidates.filter(|m| score(m) > 0).max_by_key(|m| (m.max_heap.is_some(), score(m)))
}

/// The container's series: labels `container` (required), `namespace` (when both know it),
/// and `pod` (this pod first, then a pod of the same workload, then none).
fn series_for<'a>(
    series: &'a [MetricSeries],
    pod: &PodState,
    workload: Option<&Workload>,
    container: &str,
    heap: bool,
) -> Option<&'a MetricSeries> {
    let score = |s: &MetricSeries| -> u8 {
        let labels = &s.series.labels;
        if s.is_heap() != heap || labels.get("container").is_none_or(|c| c != container) {
            return 0;
        }
        if let (Some(a), Some(b)) = (labels.get("namespace"), &pod.namespace)
            && a != b
        {
            return 0;
        }
        match labels.get("pod") {
            Some(name) if *name == pod.name => 3,
            Some(name) if workload.is_some_and(|w| name.starts_with(&format!("{}-", w.name))) => 2,
            Some(_) => 0,
            None => 1,
        }
    };
    series.iter().filter(|s| score(s) > 0).max_by(|a, b| {
        score(a).cmp(&score(b)).then(a.series.samples.len().cmp(&b.series.samples.len()))
    })
}
