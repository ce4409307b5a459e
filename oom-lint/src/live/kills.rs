//! The OOM-killed containers of a window, found on the server: kube-state-metrics' last
//! terminated reason (`OOMKilled`) and restart counter, and cAdvisor's OOM event counter.
//!
//! What is found is written as the inputs `diagnose` reads from files: a `kubectl get pods -o
//! json` PodList of the killed containers' pods (names, limits, restart counts, last
//! termination), and the memory dump of those pods, so that a diagnosis from the server and
//! one from the same facts exported by hand are the same by construction.

use std::collections::{BTreeMap, BTreeSet};

use miette::miette;
use oom_core::quantity::format_bytes;
use serde_json::{Value, json};

use super::client::Labels;
use super::{Failure, Fetched, Source, fatal, query};

/// What was found on the server.
#[derive(Debug)]
pub struct Kills {
    /// The server's URL without credentials.
    pub source: String,
    /// A `kubectl get pods -o json` PodList of the pods with an OOM-killed container; `None`
    /// when none was found.
    pub pods: Option<Vec<u8>>,
    /// The memory dumps of those pods (one per namespace batch).
    pub dumps: Vec<Fetched>,
    /// `(namespace, pod, container)` of the OOM-killed containers.
    pub killed: Vec<[String; 3]>,
    /// What is missing for a complete answer (a metric the server does not have, a batch that
    /// failed): reported as input errors, never as "no incident".
    pub missing: Vec<String>,
    /// The window, as RFC 3339 times.
    pub window: (String, String),
}

/// Killed pods fetched per request: their regex stays short for any server's limits.
const KILLED_PODS_PER_BATCH: usize = 100;

/// What to install when kube-state-metrics' series are absent.
const INSTALL_KSM: &str = "install kube-state-metrics and scrape it (the kube-prometheus-stack \
                           Helm chart does both), or give `kubectl get pods -A -o json` as a file";

impl Source {
    /// Finds the containers OOM-killed in the window and fetches what `diagnose` needs about
    /// them. An `Err` is a failure of the whole source, or no evidence at all to look in.
    pub fn kills(&self) -> miette::Result<Kills> {
        let window = (self.range.end - self.range.start).max(self.range.step);
        let at = self.range.end;
        let queries =
            query::kill_queries(self.namespace.as_deref(), self.selector.as_deref(), window);
        let instant = |promql: &str| -> miette::Result<Vec<Value>> {
            self.client.query(promql, at).map(|m| m.result).map_err(|error| {
                if error.is_fatal() { fatal(&error, promql) } else { miette!("{error}") }
            })
        };
        let mut present = Vec::new();
        for promql in &queries.present {
            present.push(!instant(promql)?.is_empty());
        }
        let [has_reason, has_restarts, has_oom_events] = [present[0], present[1], present[2]];
        let start = oom_core::metrics::format_time(self.range.start as f64);
        let end = oom_core::metrics::format_time(self.range.end as f64);
        let mut missing = Vec::new();
        if !has_reason && !has_oom_events {
            return Err(miette!(
                help = INSTALL_KSM,
                "cannot tell which containers were OOM-killed: {} has neither `{}` \
                 (kube-state-metrics) nor `{}` (cAdvisor) between {start} and {end}; \
                 no evidence is not the same as no OOM kill",
                self.client.display_url,
                query::LAST_TERMINATED,
                query::OOM_EVENTS,
            ));
        }
        if !has_reason {
            missing.push(format!(
                "`{}` (kube-state-metrics) is missing: OOM kills found from `{}` only, without \
                 their times; {INSTALL_KSM}",
                query::LAST_TERMINATED,
                query::OOM_EVENTS
            ));
        }
        if !has_restarts {
            missing.push(format!(
                "`{}` (kube-state-metrics) is missing: restart counts are unknown; {INSTALL_KSM}",
                query::RESTARTS
            ));
        }

        let mut killed: BTreeSet<[String; 3]> = BTreeSet::new();
        for promql in [&queries.oom_killed, &queries.oom_events] {
            killed.extend(instant(promql)?.iter().map(|s| key(&labels(s))));
        }
        if !has_reason && has_restarts {
            let restarted = values(&instant(&queries.restarts)?);
            let unexplained = restarted.iter().filter(|(k, v)| **v >= 0.5 && !killed.contains(*k));
            let count = unexplained.count();
            if count > 0 {
                missing.push(format!(
                    "{} restarted in the window for reasons that cannot be read \
                     without `{}`: some may be OOM kills",
                    oom_core::text::count(count, "container", "containers"),
                    query::LAST_TERMINATED
                ));
            }
        }
        let restart_count = values(&instant(&queries.restart_count)?);
        let limits = values(&instant(&queries.limits)?);
        let owners = instant(&queries.owners)?;
        let mut killed_at = values(&instant(&queries.killed_at)?);
        let timestamps = !killed_at.is_empty();
        if killed.iter().any(|k| !killed_at.contains_key(k)) && (has_oom_events || has_restarts) {
            // Without kube-state-metrics' termination time, the last step of the OOM event
            // counter (at the kill) or else of the restart counter (at the restart) stands in.
            for (key, time) in self.last_steps(&killed, has_oom_events, has_restarts)? {
                killed_at.entry(key).or_insert(time);
            }
        }
        let untimed = killed.iter().filter(|k| !killed_at.contains_key(*k)).count();
        if untimed > 0 {
            missing.push(format!(
                "`{}` (kube-state-metrics ≥ 2.10) is missing: the kill times of {untimed} \
                 containers are unknown",
                query::LAST_TERMINATED_TIME
            ));
        } else if !killed.is_empty() && !timestamps {
            missing.push(format!(
                "`{}` (kube-state-metrics ≥ 2.10) is missing: kill times are taken from when the \
                 OOM event or restart counter stepped (up to one step late)",
                query::LAST_TERMINATED_TIME
            ));
        }

        let mut pods: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        for [namespace, pod, container] in &killed {
            pods.entry((namespace.clone(), pod.clone())).or_default().insert(container.clone());
        }
        // The killed containers' pods, one batch per namespace: their memory and limits.
        let mut dumps = Vec::new();
        let mut batches: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (namespace, pod) in pods.keys() {
            batches.entry(namespace).or_default().push(pod.clone());
        }
        let mut siblings: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        let batches = batches.into_iter().flat_map(|(namespace, pods)| {
            // A short pod regex per request, however many pods of a namespace were killed.
            pods.chunks(KILLED_PODS_PER_BATCH)
                .map(|pods| super::fleet::Batch {
                    namespace: namespace.to_owned(),
                    containers: pods.len(),
                    pods: pods.to_vec(),
                })
                .collect::<Vec<_>>()
        });
        for batch in batches {
            let namespace = batch.namespace.clone();
            match self.assemble(Some(&batch), self.concurrency) {
                Ok(fetched) => {
                    for [namespace, pod, container] in dump_containers(&fetched.dump) {
                        siblings.entry((namespace, pod)).or_default().insert(container);
                    }
                    dumps.push(fetched);
                }
                Err(Failure::Source(report)) => return Err(report),
                Err(Failure::Selection(report)) => missing.push(format!(
                    "no memory series of the killed containers in namespace {namespace}: {report}"
                )),
            }
        }

        let items: Vec<Value> = pods
            .iter()
            .map(|((namespace, pod), killed_here)| {
                let mut names: BTreeSet<String> = killed_here.clone();
                if let Some(more) = siblings.get(&(namespace.clone(), pod.clone())) {
                    names.extend(more.iter().cloned());
                }
                let id = |c: &str| [namespace.clone(), pod.clone(), c.to_owned()];
                let containers: Vec<Value> = names
                    .iter()
                    .map(|name| {
                        let mut spec = json!({"name": name});
                        if let Some(limit) = limits.get(&id(name)) {
                            spec["resources"] =
                                json!({"limits": {"memory": format_bytes(*limit as u64)}});
                        }
                        spec
                    })
                    .collect();
                let statuses: Vec<Value> = names
                    .iter()
                    .map(|name| {
                        let mut status = json!({"name": name});
                        if let Some(count) = restart_count.get(&id(name)) {
                            status["restartCount"] = json!(*count as u64);
                        }
                        if killed_here.contains(name) {
                            let mut terminated = json!({"reason": "OOMKilled", "exitCode": 137});
                            if let Some(time) = killed_at.get(&id(name)).filter(|t| **t > 0.0) {
                                terminated["finishedAt"] =
                                    json!(oom_core::metrics::format_time(time.floor()));
                            }
                            status["lastState"] = json!({"terminated": terminated});
                        }
                        status
                    })
                    .collect();
                let mut metadata = json!({"name": pod, "namespace": namespace});
                if let Some(owner) = owners.iter().map(labels).find(|l| {
                    l.get("namespace") == Some(namespace)
                        && l.get("pod") == Some(pod)
                        && l.get("owner_kind").is_some_and(|k| !k.is_empty() && k != "<none>")
                }) {
                    metadata["ownerReferences"] = json!([{
                        "kind": owner.get("owner_kind"),
                        "name": owner.get("owner_name"),
                        "controller": true,
                    }]);
                }
                json!({
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": metadata,
                    "spec": {"containers": containers},
                    "status": {"containerStatuses": statuses},
                })
            })
            .collect();
        let pods = if items.is_empty() {
            None
        } else {
            let list = json!({"apiVersion": "v1", "kind": "List", "items": items});
            Some(serde_json::to_vec_pretty(&list).map_err(|e| miette!("{e}"))?)
        };
        Ok(Kills {
            source: self.client.display_url.clone(),
            pods,
            dumps,
            killed: killed.into_iter().collect(),
            missing,
            window: (start, end),
        })
    }
}

impl Source {
    /// The time of the last step up of the OOM event counter (else the restart counter) of each
    /// of `killed` in the window: the first sample after the step.
    fn last_steps(
        &self,
        killed: &BTreeSet<[String; 3]>,
        oom_events: bool,
        restarts: bool,
    ) -> miette::Result<BTreeMap<[String; 3], f64>> {
        let mut pods: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for [namespace, pod, _] in killed {
            pods.entry(namespace).or_default().insert(pod);
        }
        // Per metric: the OOM event counter steps at the kill, so it wins over the restarts.
        let mut found: [BTreeMap<[String; 3], f64>; 2] = Default::default();
        let metrics = [(oom_events, query::OOM_EVENTS), (restarts, query::RESTARTS)];
        for (namespace, pods) in pods {
            let pods: Vec<&str> = pods.into_iter().collect();
            for chunk in pods.chunks(KILLED_PODS_PER_BATCH) {
                let matchers = format!(
                    "namespace={}, {}",
                    query::quoted(namespace),
                    query::pods_matcher(chunk.iter().copied())
                );
                for (index, (present, metric)) in metrics.iter().enumerate() {
                    if !present {
                        continue;
                    }
                    let promql =
                        format!("max by ({}) ({metric}{{{matchers}}})", query::CONTAINER_LABELS);
                    // Windows in time order: a later step replaces an earlier one.
                    for window in self.range.windows() {
                        let matrix = self.client.query_range(&promql, window).map_err(|e| {
                            if e.is_fatal() { fatal(&e, &promql) } else { miette!("{e}") }
                        })?;
                        for series in &matrix.result {
                            let key = key(&labels(series));
                            if let (true, Some(time)) = (killed.contains(&key), last_step(series))
                                && let Some(map) = found.get_mut(index)
                            {
                                map.insert(key, time);
                            }
                        }
                    }
                }
            }
        }
        let [mut at_kill, at_restart] = found;
        for (key, time) in at_restart {
            at_kill.entry(key).or_insert(time);
        }
        Ok(at_kill)
    }
}

/// The time of the first sample after the last increase of a counter's `values`.
fn last_step(series: &Value) -> Option<f64> {
    let values = series.get("values")?.as_array()?;
    let mut previous: Option<f64> = None;
    let mut last = None;
    for pair in values {
        let time = pair.get(0)?.as_f64()?;
        let value = pair.get(1)?.as_str()?.parse::<f64>().ok()?;
        if previous.is_some_and(|p| value > p) {
            last = Some(time);
        }
        previous = Some(value);
    }
    last
}

fn labels(series: &Value) -> Labels {
    series
        .get("metric")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned())).collect())
        .unwrap_or_default()
}

fn key(labels: &Labels) -> [String; 3] {
    ["namespace", "pod", "container"].map(|k| labels.get(k).cloned().unwrap_or_default())
}

/// The value of each series of an instant vector, by container.
fn values(vector: &[Value]) -> BTreeMap<[String; 3], f64> {
    vector
        .iter()
        .filter_map(|series| {
            let value = series.get("value")?.get(1)?.as_str()?.parse::<f64>().ok()?;
            value.is_finite().then(|| (key(&labels(series)), value))
        })
        .collect()
}

/// The containers whose memory series a dump holds.
fn dump_containers(dump: &[u8]) -> Vec<[String; 3]> {
    let Ok(document) = serde_json::from_slice::<Value>(dump) else { return Vec::new() };
    document["data"]["result"]
        .as_array()
        .map(|result| result.iter().map(|s| key(&labels(s))).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counter_steps_last_at_its_last_increase() {
        let series = json!({"metric": {}, "values": [
            [100, "0"], [160, "1"], [220, "1"], [280, "2"], [340, "2"]
        ]});
        assert_eq!(last_step(&series), Some(280.0));
        let flat = json!({"metric": {}, "values": [[100, "3"], [160, "3"]]});
        assert_eq!(last_step(&flat), None);
        // A counter reset (a new pod) is no kill.
        let reset = json!({"metric": {}, "values": [[100, "5"], [160, "0"]]});
        assert_eq!(last_step(&reset), None);
    }
}
