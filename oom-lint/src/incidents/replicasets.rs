//! Deploy history: ReplicaSet objects (`kubectl get replicasets -o json`: creation time, the
//! `deployment.kubernetes.io/revision` annotation, images, the owning Deployment) and the
//! `ScalingReplicaSet` events of Deployments (`Scaled up replica set api-7d9f8c6b5 to 3`).

use super::{ClusterEvent, Deploy, at, rfc3339, text};
use crate::engine::yaml::Node;

pub fn read_replica_set(file: &str, object: &Node) -> Option<Deploy> {
    let name = text(object, &["metadata", "name"])?;
    let deployment = object
        .path(&["metadata", "ownerReferences"])
        .and_then(Node::as_sequence)
        .and_then(|refs| refs.iter().find(|r| text(r, &["kind"]) == Some("Deployment")))
        .and_then(|r| text(r, &["name"]))
        .map(str::to_owned);
    let images = object
        .path(&["spec", "template", "spec", "containers"])
        .and_then(Node::as_sequence)
        .unwrap_or(&[])
        .iter()
        .filter_map(|c| text(c, &["image"]).map(str::to_owned))
        .collect();
    Some(Deploy {
        namespace: text(object, &["metadata", "namespace"]).map(str::to_owned),
        deployment,
        replica_set: name.to_owned(),
        revision: text(object, &["metadata", "annotations", "deployment.kubernetes.io/revision"])
            .and_then(|r| r.parse().ok()),
        time: text(object, &["metadata", "creationTimestamp"]).and_then(rfc3339),
        images,
        origin: object
            .path(&["metadata", "name"])
            .map_or_else(|| at(file, object), |n| at(file, n)),
    })
}

/// A deploy from a Deployment's `ScalingReplicaSet` event, when it scaled a ReplicaSet up.
pub fn deploy_of_event(event: &ClusterEvent) -> Option<Deploy> {
    if event.reason != "ScalingReplicaSet" {
        return None;
    }
    let rest = event.message.strip_prefix("Scaled up replica set ")?;
    let replica_set = rest.split_whitespace().next()?.to_owned();
    Some(Deploy {
        namespace: event.namespace.clone(),
        deployment: (event.kind == "Deployment").then(|| event.name.clone()),
        replica_set,
        revision: None,
        time: event.first.or(event.last),
        images: Vec::new(),
        origin: event.origin.clone(),
    })
}

/// Merges deploys of the same ReplicaSet (a ReplicaSet object and its scaling event): the
/// earliest time, and whatever either knows.
pub fn merge(deploys: Vec<Deploy>) -> Vec<Deploy> {
    let mut out: Vec<Deploy> = Vec::new();
    for deploy in deploys {
        match out
            .iter_mut()
            .find(|d| d.replica_set == deploy.replica_set && d.namespace == deploy.namespace)
        {
            None => out.push(deploy),
            Some(known) => {
                known.time = match (known.time, deploy.time) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                known.revision = known.revision.or(deploy.revision);
                known.deployment = known.deployment.take().or(deploy.deployment);
                if known.images.is_empty() {
                    known.images = deploy.images;
                }
            }
        }
    }
    out.sort_by(|a, b| a.time.unwrap_or(f64::MAX).total_cmp(&b.time.unwrap_or(f64::MAX)));
    out
}
