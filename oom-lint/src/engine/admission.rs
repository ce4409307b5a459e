//! Admission: the memory values the API server stores for a pod, each with where it came from.
//!
//! The steps, in the API server's order:
//! 1. decoding defaults a container's missing request to its own limit;
//! 2. the LimitRanger admission plugin fills a container's missing limit from the namespace's
//!    LimitRange (type `Container`) `default`, a missing request from its `defaultRequest`
//!    (which the API server itself defaults from `default`, then `min`; `default` from `max`);
//! 3. pod-level `spec.resources` (KEP-2837, Kubernetes 1.32+) bounds every container: a container
//!    without a limit of its own shares the pod's;
//! 4. validation: a limit below its request, a container limit above the pod-level limit, a value
//!    outside the LimitRange `min`/`max` or above its `maxLimitRequestRatio` are rejected.
//!
//! LimitRanges are read in the walk's first pass and kept as small owned values keyed by
//! namespace ([`NamespaceLimits`]), with the source and position of every value for provenance.

use oom_core::quantity::{Quantity, format_bytes};

pub use super::limit_range::{
    Admission, AdmittedContainer, AdmittedValue, LimitRangeRatio, LimitRangeValue, NamespaceLimits,
    Origin, read_limit_range,
};
use super::model::{Container, MemoryValue, Pod};
use super::yaml::Node;

fn written<'a>(value: Option<&MemoryValue<'a>>) -> Option<AdmittedValue<'a>> {
    let value = value?;
    Some(AdmittedValue { bytes: value.bytes()?, node: Some(value.node), origin: Origin::Written })
}

/// Admits a pod's memory values in the namespace's LimitRanges.
pub fn admit<'a>(pod: &Pod<'a>, limits: NamespaceLimits) -> Admission<'a> {
    let pod_limit = written(pod.resources.limits_memory.as_ref())
        .filter(|v| v.bytes > 0)
        .map(|v| AdmittedValue { origin: Origin::PodLevel, ..v });
    let pod_request = written(pod.resources.requests_memory.as_ref());
    let overhead = pod.spec.path(&["overhead", "memory"]).and_then(|node| {
        let bytes = Quantity::parse(node.as_str()?).ok()?.bytes()?;
        Some(AdmittedValue { bytes, node: Some(node), origin: Origin::Written })
    });
    let containers = pod
        .containers
        .iter()
        .map(|container| admit_container(container, &limits, pod_limit.as_ref()))
        .collect();
    Admission { containers, pod_limit, pod_request, overhead, limits }
}

fn admit_container<'a>(
    container: &Container<'a>,
    limits: &NamespaceLimits,
    pod_limit: Option<&AdmittedValue<'a>>,
) -> AdmittedContainer<'a> {
    let resources = &container.resources;
    let own_limit = written(resources.limits_memory.as_ref());
    // Decoding copies a missing request from the container's own limit, before admission.
    let request = written(resources.requests_memory.as_ref())
        .or_else(|| {
            resources.requests_memory.is_none().then(|| {
                own_limit.clone().map(|l| AdmittedValue { origin: Origin::CopiedFromLimit, ..l })
            })?
        })
        .or_else(|| {
            if resources.requests_memory.is_some() {
                return None;
            }
            // A missing limit filled from the LimitRange default does not become the request:
            // the LimitRanger fills the request from `defaultRequest` (itself defaulted from
            // `default`).
            limits.default_request.clone().map(|value| AdmittedValue {
                bytes: value.bytes,
                node: None,
                origin: Origin::LimitRange(value),
            })
        });
    let limit = own_limit
        .or_else(|| {
            if resources.limits_memory.is_some() {
                return None;
            }
            limits.default_limit.clone().map(|value| AdmittedValue {
                bytes: value.bytes,
                node: None,
                origin: Origin::LimitRange(value),
            })
        })
        .or_else(|| pod_limit.cloned());
    AdmittedContainer { limit, request }
}

/// `1Gi`, or `1.5Gi (1536Mi)` when the canonical form reads differently.
pub fn written_bytes(node: Option<&Node>, bytes: u64) -> String {
    let canonical = format_bytes(bytes);
    match node.and_then(Node::as_str) {
        Some(text) if text != canonical => format!("{text} ({canonical})"),
        _ => canonical,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::source::{InputError, SourceFile};
    use crate::engine::yaml::{self, Document};

    fn documents(text: &str) -> Vec<Document> {
        let source = SourceFile::new("t.yaml".into(), text.to_owned());
        yaml::parse_stream(&source, yaml::Limits::default()).into_iter().flatten().collect()
    }

    fn limits_of(text: &str) -> (NamespaceLimits, Vec<InputError>) {
        let mut errors = Vec::new();
        let mut merged = NamespaceLimits::default();
        for document in documents(text) {
            merged.merge(read_limit_range(&document.root, "lr", None, 0, "t.yaml", &mut errors));
        }
        (merged, errors)
    }

    #[test]
    fn the_api_server_defaults_a_container_item_from_max_and_min() {
        let (limits, errors) = limits_of(
            "kind: LimitRange\nspec:\n  limits:\n    - type: Container\n      max: {memory: 1Gi}\n      min: {memory: 64Mi}\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        let default = limits.default_limit.unwrap_or_else(|| panic!("no default"));
        assert_eq!((default.bytes, default.field, default.applies_as), (1 << 30, "max", "default"));
        assert_eq!(default.position.line, 5);
        // defaultRequest ← default (itself from max) before min.
        let request = limits.default_request.unwrap_or_else(|| panic!("no default request"));
        assert_eq!((request.bytes, request.field), (1 << 30, "max"));
        assert!(request.describe().contains("which the API server also uses as `defaultRequest`"));
    }

    #[test]
    fn the_first_default_applies_and_the_strictest_bound() {
        let (limits, _) = limits_of(
            "kind: LimitRange\nspec:\n  limits:\n    - {type: Container, default: {memory: 512Mi}, max: {memory: 2Gi}}\n---\nkind: LimitRange\nspec:\n  limits:\n    - {type: Container, default: {memory: 256Mi}, max: {memory: 1Gi}, maxLimitRequestRatio: {memory: 1500m}}\n",
        );
        assert_eq!(limits.default_limit.map(|d| d.bytes), Some(512 << 20));
        assert_eq!(limits.max.map(|m| m.bytes), Some(1 << 30));
        assert_eq!(limits.max_ratio.map(|r| r.ratio), Some(1.5));
    }

    #[test]
    fn invalid_values_drop_their_item_for_the_rules_or_with_an_error() {
        let text = "kind: LimitRange\nspec:\n  limits:\n    - type: Container\n      default: {memory: 1GB}\n    - type: Container\n      min: {memory: [1]}\n";
        let (limits, errors) = limits_of(text);
        assert_eq!(limits, NamespaceLimits::default());
        // A value that is no scalar is an input error; a typo is the rules' to report.
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].position.map(|p| p.line), Some(7));
        let mut errors = Vec::new();
        let document = documents(text).into_iter().next().unwrap_or_else(|| panic!("no document"));
        let read = read_limit_range(&document.root, "lr", None, 0, "t.yaml", &mut errors);
        let typos: Vec<(&str, u32, bool)> = read
            .quantities
            .iter()
            .map(|q| (q.path.as_str(), q.node.start.line, q.is_rejected()))
            .collect();
        assert_eq!(typos, [("spec.limits[0].default.memory", 5, true)]);
    }
}
