//! Incidents: what `kubectl` says happened to the pods, read from files anyone can export —
//! `kubectl get pods|events|replicasets -o json|yaml`, `kubectl describe pod` text — plus the
//! manifests (through the [`engine`](crate::engine)) and metric dumps that `diagnose` joins to
//! the killed containers. Input → model only: no decision is taken here.
//!
//! - [`detect`]: which kind of input a file is, from its content.
//! - [`pods`]: Pod objects (a Pod, a PodList, a `List`) → pod states with their kills.
//! - [`describe`]: `kubectl describe pod` text → the same pod states, and its Events table.
//! - [`events`]: Event objects (`v1` and `events.k8s.io/v1`) → cluster events.
//! - [`replicasets`]: ReplicaSet objects and `ScalingReplicaSet` events → deploys.
//! - [`manifests`]: pod specs of the engine's model → limits, heap settings and roles.
//! - [`read`]: paths → files → all of the above, with input errors for what cannot be read.

pub mod describe;
pub mod detect;
pub mod events;
pub mod manifests;
pub mod pods;
pub mod read;
pub mod replicasets;

use oom_core::metrics::Series;

pub use crate::engine::source::InputError;
use crate::engine::yaml::Node;

/// The objects of a document: itself, or the items of a `List`/`PodList`/`EventList` (nested
/// lists flattened).
pub fn objects(root: &Node) -> Vec<&Node> {
    let kind = root.get("kind").and_then(Node::as_str).unwrap_or("");
    match root.get("items").and_then(Node::as_sequence) {
        Some(items) if kind.ends_with("List") || root.get("kind").is_none() => {
            items.iter().flat_map(objects).collect()
        }
        _ => vec![root],
    }
}

/// The text of a scalar at `path`.
pub fn text<'a>(node: &'a Node, path: &[&str]) -> Option<&'a str> {
    node.path(path).and_then(Node::as_str).map(str::trim).filter(|t| !t.is_empty())
}

/// Where a node is, as an origin in `file`.
pub fn at(file: &str, node: &Node) -> Origin {
    Origin::new(file, Some(node.start.line))
}

/// Where a fact was read: a file and line, for every piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Origin {
    pub file: String,
    pub line: Option<u32>,
}

impl Origin {
    pub fn new(file: &str, line: Option<u32>) -> Self {
        Self { file: file.to_owned(), line }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}", self.file),
            None => write!(f, "{}", self.file),
        }
    }
}

/// What a container is to its pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The pod's main container.
    App,
    /// Any other regular container, or an init container with `restartPolicy: Always`.
    Sidecar,
    /// An init container that runs to completion before the others start.
    Init,
}

impl Role {
    /// `app`, `sidecar` or `init`, as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::App => "app",
            Self::Sidecar => "sidecar",
            Self::Init => "init",
        }
    }
}

/// Containers that are sidecars whatever their position: service-mesh proxies and agents. The
/// first container of a pod is its app unless it is one of these.
pub const KNOWN_SIDECARS: [&str; 9] = [
    "istio-proxy",
    "linkerd-proxy",
    "envoy",
    "envoy-sidecar",
    "cloud-sql-proxy",
    "cloudsql-proxy",
    "vault-agent",
    "fluent-bit",
    "datadog-agent",
];

/// The roles of a pod's regular containers: the default-container annotation's (when given),
/// else the first that is not a known sidecar, else the first.
pub fn app_index(names: &[&str], default_container: Option<&str>) -> usize {
    if let Some(name) = default_container
        && let Some(index) = names.iter().position(|n| *n == name)
    {
        return index;
    }
    names.iter().position(|n| !KNOWN_SIDECARS.contains(n)).unwrap_or(0)
}

/// A memory value with the text it was written as and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Memory {
    pub bytes: u64,
    pub text: String,
    pub origin: Origin,
}

/// One termination of a container: `lastState.terminated` (or the current `state.terminated`).
#[derive(Debug, Clone, PartialEq)]
pub struct Kill {
    /// When the container that was killed had started (Unix seconds).
    pub started: Option<f64>,
    /// When it ended: the kill time.
    pub finished: Option<f64>,
    /// `OOMKilled`, `Error`, `Completed`, ...
    pub reason: String,
    pub exit_code: Option<i64>,
    pub origin: Origin,
}

impl Kill {
    /// The kernel's OOM killer ended it (the runtime's `OOMKilled`).
    pub fn is_oom(&self) -> bool {
        self.reason == "OOMKilled"
    }

    /// Killed by a signal the kubelet sends (SIGKILL 137, SIGTERM 143) without being an OOM kill.
    pub fn is_signal_kill(&self) -> bool {
        !self.is_oom() && matches!(self.exit_code, Some(137 | 143))
    }

    /// Seconds from start to kill, when both are known.
    pub fn uptime_seconds(&self) -> Option<f64> {
        match (self.started, self.finished) {
            (Some(start), Some(end)) if end >= start => Some(end - start),
            _ => None,
        }
    }
}

/// A container as the pod status shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerState {
    pub name: String,
    pub role: Role,
    pub kills: Vec<Kill>,
    pub restart_count: Option<u64>,
    /// Where the restart count was read (`restartCount`, `Restart Count:`).
    pub restart_origin: Option<Origin>,
    /// `state.waiting.reason`, e.g. `CrashLoopBackOff`.
    pub waiting_reason: Option<String>,
    pub limit: Option<Memory>,
    pub request: Option<Memory>,
    pub image: Option<String>,
    /// Where the container's `resources` are in a Pod object: the QoS class follows from them,
    /// and they are what to change, so QoS evidence points there. `None` for describe text,
    /// whose `QoS Class:` line is the evidence.
    pub resources_origin: Option<Origin>,
    pub origin: Origin,
}

/// A pod's QoS class (`Guaranteed`, `Burstable`, `BestEffort`) and where it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Qos {
    pub class: String,
    /// The `QoS Class:` line of describe text, the `status.qosClass` of a Pod object.
    pub origin: Origin,
}

/// A pod's eviction (`status.reason: Evicted`, or an `Evicted` event).
#[derive(Debug, Clone, PartialEq)]
pub struct Eviction {
    pub message: String,
    pub time: Option<f64>,
    pub origin: Origin,
    /// `Container app was using 1521316Ki, request is 512Mi` for each container it names.
    pub usage: Vec<EvictedUsage>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EvictedUsage {
    pub container: String,
    pub usage_bytes: u64,
    pub request_bytes: Option<u64>,
}

/// Parses the container usage an eviction message names (the kubelet's wording since 1.17).
pub fn evicted_usage(message: &str) -> Vec<EvictedUsage> {
    let mut out = Vec::new();
    for part in message.split("Container ").skip(1) {
        let Some((name, rest)) = part.split_once(" was using ") else { continue };
        let usage_text = rest.split([',', ' ']).next().unwrap_or("");
        let Some(usage_bytes) = quantity_bytes(usage_text) else { continue };
        let request_bytes = rest
            .split_once("request is ")
            .and_then(|(_, r)| quantity_bytes(r.split([',', ' ']).next().unwrap_or("")));
        out.push(EvictedUsage { container: name.trim().to_owned(), usage_bytes, request_bytes });
    }
    out
}

/// The bytes of a Kubernetes quantity, when valid and positive.
pub fn quantity_bytes(text: &str) -> Option<u64> {
    oom_core::quantity::Quantity::parse(text.trim()).ok()?.bytes().filter(|&b| b > 0)
}

/// The controller of a pod, and the workload above it (a ReplicaSet's Deployment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    pub kind: String,
    pub name: String,
}

/// A pod as `kubectl` showed it.
#[derive(Debug, Clone, PartialEq)]
pub struct PodState {
    pub namespace: Option<String>,
    pub name: String,
    /// The owner reference (`ReplicaSet/api-7d9f8c6b5`).
    pub owner: Option<Workload>,
    pub qos: Option<Qos>,
    pub node: Option<String>,
    pub eviction: Option<Eviction>,
    /// Pod-level `spec.resources.limits.memory`.
    pub pod_limit: Option<Memory>,
    pub containers: Vec<ContainerState>,
    pub origin: Origin,
}

impl PodState {
    /// The workload users deploy: a ReplicaSet owner `api-7d9f8c6b5` is Deployment `api`.
    pub fn workload(&self) -> Option<Workload> {
        let owner = self.owner.as_ref()?;
        if owner.kind == "ReplicaSet"
            && let Some((deployment, hash)) = owner.name.rsplit_once('-')
            && (1..=10).contains(&hash.len())
            && hash.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Some(Workload { kind: "Deployment".into(), name: deployment.to_owned() });
        }
        Some(owner.clone())
    }
}

/// An event from `kubectl get events` or a describe text's Events table.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterEvent {
    pub namespace: Option<String>,
    /// The involved object.
    pub kind: String,
    pub name: String,
    /// The container named by `fieldPath` (`spec.containers{app}`) or the message.
    pub container: Option<String>,
    pub reason: String,
    pub message: String,
    pub count: u64,
    pub first: Option<f64>,
    pub last: Option<f64>,
    /// The node that reported it (`source.host`).
    pub host: Option<String>,
    pub origin: Origin,
}

/// A rollout: a ReplicaSet created (or scaled up) for a Deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct Deploy {
    pub namespace: Option<String>,
    pub deployment: Option<String>,
    pub replica_set: String,
    pub revision: Option<u64>,
    pub time: Option<f64>,
    pub images: Vec<String>,
    pub origin: Origin,
}

impl Deploy {
    /// `ReplicaSet api-7d9f8c6b5 (revision 4, image shop/api:1.8.0)`.
    pub fn label(&self) -> String {
        let mut details = Vec::new();
        if let Some(revision) = self.revision {
            details.push(format!("revision {revision}"));
        }
        if !self.images.is_empty() {
            details.push(format!("image {}", self.images.join(", ")));
        }
        if details.is_empty() {
            format!("deploy of ReplicaSet {}", self.replica_set)
        } else {
            format!("deploy of ReplicaSet {} ({})", self.replica_set, details.join(", "))
        }
    }
}

/// A container's settings from a manifest (or a Pod's own spec), read by the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestContainer {
    pub namespace: Option<String>,
    pub object_kind: String,
    pub object_name: String,
    pub container: String,
    pub role: Role,
    pub limit: Option<Memory>,
    /// The runtime found: `jvm`, `node`, `go`, `dotnet`.
    pub runtime: Option<&'static str>,
    /// The runtime's heap setting under the limit: a JVM's effective max heap, Node's
    /// `--max-old-space-size`, Go's `GOMEMLIMIT` (a soft limit) or .NET's
    /// `DOTNET_GCHeapHardLimit`.
    pub max_heap: Option<Heap>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Heap {
    pub bytes: u64,
    /// The flag that set it, or how it was derived (`default 25 % of the limit`).
    pub flag: String,
    /// Whether a flag set it (an ergonomic default is never a mis-sizing of ours to report).
    pub explicit: bool,
    pub origin: Origin,
}

/// A memory series of a dump, with its file.
#[derive(Debug, Clone)]
pub struct MetricSeries {
    pub file: String,
    pub series: Series,
}

impl MetricSeries {
    /// A JVM heap series (`jvm_memory_used_bytes{area="heap"}`), not the container's memory.
    pub fn is_heap(&self) -> bool {
        self.series.labels.get("area").is_some_and(|a| a == "heap")
    }
}

/// A file left unread on purpose, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub file: String,
    pub message: String,
}

/// Everything read from the inputs.
#[derive(Debug, Default)]
pub struct Collected {
    pub pods: Vec<PodState>,
    pub events: Vec<ClusterEvent>,
    pub deploys: Vec<Deploy>,
    pub manifests: Vec<ManifestContainer>,
    pub series: Vec<MetricSeries>,
    pub errors: Vec<InputError>,
    /// Files that were deliberately not read (oom-lint's own reports), and why: said in the
    /// report, never dropped silently.
    pub skipped: Vec<Skipped>,
    /// How many files of each kind were read, for the summary.
    pub files: std::collections::BTreeMap<&'static str, usize>,
}

impl Collected {
    /// Adds a pod, merging it with one already read (a describe text and a JSON of the same
    /// pod): the later input fills what the earlier one lacked, kills are united.
    pub fn add_pod(&mut self, pod: PodState) {
        let same = self.pods.iter_mut().find(|p| {
            p.name == pod.name
                && (p.namespace == pod.namespace
                    || p.namespace.is_none()
                    || pod.namespace.is_none())
        });
        let Some(existing) = same else {
            self.pods.push(pod);
            return;
        };
        existing.namespace = existing.namespace.take().or(pod.namespace);
        existing.owner = existing.owner.take().or(pod.owner);
        existing.qos = existing.qos.take().or(pod.qos);
        existing.node = existing.node.take().or(pod.node);
        existing.eviction = existing.eviction.take().or(pod.eviction);
        existing.pod_limit = existing.pod_limit.take().or(pod.pod_limit);
        for container in pod.containers {
            match existing.containers.iter_mut().find(|c| c.name == container.name) {
                None => existing.containers.push(container),
                Some(known) => {
                    for kill in container.kills {
                        let duplicate = known.kills.iter().any(|k| {
                            k.finished.is_some()
                                && k.finished == kill.finished
                                && k.reason == kill.reason
                        });
                        if !duplicate {
                            known.kills.push(kill);
                        }
                    }
                    if container.restart_count > known.restart_count {
                        known.restart_count = container.restart_count;
                        known.restart_origin = container.restart_origin;
                    }
                    known.waiting_reason = known.waiting_reason.take().or(container.waiting_reason);
                    known.limit = known.limit.take().or(container.limit);
                    known.request = known.request.take().or(container.request);
                    known.image = known.image.take().or(container.image);
                }
            }
        }
    }
}

/// Parses an RFC 3339 timestamp (the API's) into Unix seconds.
pub fn rfc3339(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() || text.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    oom_core::metrics::parse_time(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eviction_message_usage() {
        let usage = evicted_usage(
            "The node was low on resource: memory. Threshold quantity: 100Mi, available: 91572Ki. \
             Container app was using 1521316Ki, request is 512Mi, has larger consumption of memory. \
             Container log was using 20Mi, request is 0, has larger consumption of memory. ",
        );
        assert_eq!(usage.len(), 2);
        assert_eq!(usage[0].container, "app");
        assert_eq!(usage[0].usage_bytes, 1_521_316 * 1024);
        assert_eq!(usage[0].request_bytes, Some(512 << 20));
        assert_eq!(usage[1].request_bytes, None);
    }

    #[test]
    fn deployment_of_a_replicaset_owner() {
        let pod = PodState {
            namespace: None,
            name: "api-7d9f8c6b5-x2k4p".into(),
            owner: Some(Workload { kind: "ReplicaSet".into(), name: "api-7d9f8c6b5".into() }),
            qos: None,
            node: None,
            eviction: None,
            pod_limit: None,
            containers: vec![],
            origin: Origin::default(),
        };
        assert_eq!(
            pod.workload().map(|w| (w.kind, w.name)),
            Some(("Deployment".into(), "api".into()))
        );
        assert_eq!(app_index(&["istio-proxy", "api"], None), 1);
        assert_eq!(app_index(&["a", "b"], Some("b")), 1);
    }
}
