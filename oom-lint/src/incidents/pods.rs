//! Pod objects as the API server returns them (`kubectl get pods [-A] -o json|yaml`: a Pod, a
//! PodList or a `List`) → pod states: each container's kills (`lastState.terminated`, and the
//! current `state.terminated`), restart count, waiting reason, memory limit and request, and the
//! pod's owner, node, QoS class and eviction.

use super::{
    ContainerState, Eviction, InputError, Kill, Memory, PodState, Qos, Role, Workload, app_index,
    at, evicted_usage, quantity_bytes, rfc3339, text,
};
use crate::engine::yaml::Node;

/// The pod state of a `kind: Pod` object; `None` (with an error) when it has no name.
pub fn read_pod(file: &str, pod: &Node, errors: &mut Vec<InputError>) -> Option<PodState> {
    let Some(name) = text(pod, &["metadata", "name"]) else {
        errors.push(InputError {
            file: file.to_owned(),
            position: Some(pod.start),
            message: "a Pod without metadata.name: left out".into(),
        });
        return None;
    };
    let owner = owner(pod);
    let default_container =
        text(pod, &["metadata", "annotations", "kubectl.kubernetes.io/default-container"]);
    let mut containers = Vec::new();
    let regular = pod.path(&["spec", "containers"]).and_then(Node::as_sequence).unwrap_or(&[]);
    let names: Vec<&str> = regular.iter().map(|c| text(c, &["name"]).unwrap_or("")).collect();
    let app = app_index(&names, default_container);
    for (index, spec) in regular.iter().enumerate() {
        let role = if index == app { Role::App } else { Role::Sidecar };
        containers.push(container(file, pod, spec, role, "containerStatuses"));
    }
    for spec in pod.path(&["spec", "initContainers"]).and_then(Node::as_sequence).unwrap_or(&[]) {
        let role = if text(spec, &["restartPolicy"]) == Some("Always") {
            Role::Sidecar
        } else {
            Role::Init
        };
        containers.push(container(file, pod, spec, role, "initContainerStatuses"));
    }
    let eviction = (text(pod, &["status", "reason"]) == Some("Evicted")).then(|| {
        let message = text(pod, &["status", "message"]).unwrap_or("").to_owned();
        let origin = pod.path(&["status", "reason"]).map_or_else(|| at(file, pod), |n| at(file, n));
        Eviction {
            usage: evicted_usage(&message),
            message,
            time: pod.path(&["status", "conditions"]).and_then(Node::as_sequence).and_then(
                |conditions| {
                    conditions
                        .iter()
                        .find_map(|c| text(c, &["lastTransitionTime"]).and_then(rfc3339))
                },
            ),
            origin,
        }
    });
    Some(PodState {
        namespace: text(pod, &["metadata", "namespace"]).map(str::to_owned),
        name: name.to_owned(),
        owner,
        qos: pod.get("status").and_then(|status| {
            let class = text(status, &["qosClass"])?.to_owned();
            Some(Qos { class, origin: at(file, status.key_node("qosClass")?) })
        }),
        node: text(pod, &["spec", "nodeName"]).map(str::to_owned),
        eviction,
        pod_limit: memory(file, pod.path(&["spec", "resources", "limits", "memory"])),
        containers,
        origin: at(file, pod),
    })
}

/// The controller owner reference, else the first.
fn owner(pod: &Node) -> Option<Workload> {
    let references = pod.path(&["metadata", "ownerReferences"]).and_then(Node::as_sequence)?;
    let chosen = references
        .iter()
        .find(|r| text(r, &["controller"]) == Some("true"))
        .or_else(|| references.first())?;
    Some(Workload {
        kind: text(chosen, &["kind"])?.to_owned(),
        name: text(chosen, &["name"])?.to_owned(),
    })
}

fn memory(file: &str, node: Option<&Node>) -> Option<Memory> {
    let node = node?;
    let written = node.as_str()?;
    Some(Memory {
        bytes: quantity_bytes(written)?,
        text: written.to_owned(),
        origin: at(file, node),
    })
}

fn container(file: &str, pod: &Node, spec: &Node, role: Role, statuses: &str) -> ContainerState {
    let name = text(spec, &["name"]).unwrap_or("").to_owned();
    let status = pod
        .path(&["status", statuses])
        .and_then(Node::as_sequence)
        .and_then(|all| all.iter().find(|s| text(s, &["name"]) == Some(name.as_str())));
    let mut kills = Vec::new();
    if let Some(status) = status {
        for path in [["lastState", "terminated"], ["state", "terminated"]] {
            if let Some(terminated) = status.path(&path).filter(|n| n.is_mapping()) {
                kills.push(kill(file, terminated));
            }
        }
    }
    ContainerState {
        role,
        kills,
        restart_count: status.and_then(|s| text(s, &["restartCount"])).and_then(|t| t.parse().ok()),
        restart_origin: status.and_then(|s| s.get("restartCount")).map(|n| at(file, n)),
        waiting_reason: status
            .and_then(|s| text(s, &["state", "waiting", "reason"]))
            .map(str::to_owned),
        limit: memory(file, spec.path(&["resources", "limits", "memory"])),
        request: memory(file, spec.path(&["resources", "requests", "memory"])),
        image: text(spec, &["image"]).map(str::to_owned),
        resources_origin: spec.key_node("resources").map(|n| at(file, n)),
        origin: spec.get("name").map_or_else(|| at(file, spec), |n| at(file, n)),
        name,
    }
}

fn kill(file: &str, terminated: &Node) -> Kill {
    Kill {
        started: text(terminated, &["startedAt"]).and_then(rfc3339),
        finished: text(terminated, &["finishedAt"]).and_then(rfc3339),
        reason: text(terminated, &["reason"]).unwrap_or("").to_owned(),
        exit_code: text(terminated, &["exitCode"]).and_then(|t| t.parse().ok()),
        origin: terminated.get("reason").map_or_else(|| at(file, terminated), |n| at(file, n)),
    }
}
