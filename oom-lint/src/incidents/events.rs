//! Event objects (`kubectl get events -o json|yaml`), both `v1` (`involvedObject`, `message`,
//! `count`, `firstTimestamp`/`lastTimestamp`) and `events.k8s.io/v1` (`regarding`, `note`,
//! `series`, `deprecated…` fields) → cluster events. An event that does not say what it is
//! about is an input error at its line; the others are still read.

use super::{ClusterEvent, InputError, at, rfc3339, text};
use crate::engine::yaml::Node;

pub fn read_event(file: &str, event: &Node, errors: &mut Vec<InputError>) -> Option<ClusterEvent> {
    let Some(object) =
        event.get("involvedObject").or_else(|| event.get("regarding")).filter(|o| o.is_mapping())
    else {
        errors.push(InputError {
            file: file.to_owned(),
            position: Some(event.start),
            message: "an Event without involvedObject (or regarding): cannot tell what it is \
                      about; left out"
                .into(),
        });
        return None;
    };
    let reason = text(event, &["reason"]).unwrap_or("").to_owned();
    let message =
        text(event, &["message"]).or_else(|| text(event, &["note"])).unwrap_or("").to_owned();
    let field = |names: &[&str]| names.iter().find_map(|n| text(event, &[n]));
    let first =
        field(&["firstTimestamp", "deprecatedFirstTimestamp", "eventTime"]).and_then(rfc3339);
    let last = text(event, &["series", "lastObservedTime"])
        .or_else(|| field(&["lastTimestamp", "deprecatedLastTimestamp", "eventTime"]))
        .and_then(rfc3339)
        .or(first);
    let count = text(event, &["series", "count"])
        .or_else(|| field(&["count", "deprecatedCount"]))
        .and_then(|c| c.parse().ok())
        .unwrap_or(1);
    let container = text(object, &["fieldPath"])
        .and_then(container_of_field_path)
        .or_else(|| container_of_message(&message));
    Some(ClusterEvent {
        namespace: text(object, &["namespace"])
            .or_else(|| text(event, &["metadata", "namespace"]))
            .map(str::to_owned),
        kind: text(object, &["kind"]).unwrap_or("").to_owned(),
        name: text(object, &["name"]).unwrap_or("").to_owned(),
        container,
        reason,
        message,
        count,
        first,
        last,
        host: text(event, &["source", "host"])
            .or_else(|| text(event, &["deprecatedSource", "host"]))
            .map(str::to_owned),
        origin: event.get("reason").map_or_else(|| at(file, event), |n| at(file, n)),
    })
}

/// `spec.containers{app}` → `app`.
pub fn container_of_field_path(path: &str) -> Option<String> {
    let (_, rest) = path.split_once('{')?;
    let (name, _) = rest.split_once('}')?;
    (!name.is_empty()).then(|| name.to_owned())
}

/// The container a kubelet message names: `Container app failed liveness probe, will be
/// restarted`, `Stopping container app`, `Back-off restarting failed container app in pod …`.
pub fn container_of_message(message: &str) -> Option<String> {
    let after = message
        .strip_prefix("Container ")
        .or_else(|| message.split_once("ing container ").map(|(_, rest)| rest))
        .or_else(|| message.split_once("failed container ").map(|(_, rest)| rest))
        .or_else(|| message.split_once("Created container: ").map(|(_, rest)| rest))?;
    let name = after.split_whitespace().next()?.trim_end_matches([',', '.']);
    (!name.is_empty()).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_named_by_events() {
        assert_eq!(container_of_field_path("spec.containers{app}").as_deref(), Some("app"));
        assert_eq!(container_of_field_path("spec.containers"), None);
        assert_eq!(
            container_of_message("Container inventory failed liveness probe, will be restarted")
                .as_deref(),
            Some("inventory")
        );
        assert_eq!(
            container_of_message("Back-off restarting failed container api in pod x").as_deref(),
            Some("api")
        );
        assert_eq!(container_of_message("Back-off restarting failed container"), None);
    }
}
