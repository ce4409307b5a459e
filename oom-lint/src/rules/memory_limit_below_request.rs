use oom_core::quantity::format_bytes;

use std::borrow::Cow;

use super::CheckContext;
use super::memory_quantity_suspicious::problem;
use super::{Hit, Rule, describe};
use crate::engine::admission::Origin;
use crate::engine::model::{Container, Pod, Resources};
use crate::engine::yaml::Node;
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    id: "memory-limit-below-request",
    default_severity: Severity::Error,
    summary: "A memory limit is below the memory request",
    doc: "\
The API server rejects a pod whose memory limit is lower than its request, so the workload
never starts. Usually the two values were swapped, or one was changed without the other. The
limit compared is the admitted one: a container that sets a request but no limit gets the
namespace's LimitRange `default` limit, and a request above it is rejected just the same.

Bad:

```yaml
resources:
  requests: {memory: 1Gi}
  limits: {memory: 512Mi}
```

Bad, in a namespace whose LimitRange has `default: {memory: 512Mi}`:

```yaml
resources:
  requests: {memory: 1Gi}
```

Good:

```yaml
resources:
  requests: {memory: 512Mi}
  limits: {memory: 1Gi}
```",
    refines: None,
    check,
};

fn check<'a>(pod: &'a Pod<'a>, _context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    if let Some((node, message)) = compare(&pod.resources) {
        hits.push(Hit {
            source: None,
            part: None,
            severity: None,
            node,
            container: None,
            message: format!("pod-level {message}"),
            help: help(),
        });
    }
    for container in &pod.containers {
        if let Some((node, message)) = compare(&container.resources) {
            hits.push(Hit {
                source: None,
                part: None,
                severity: None,
                node,
                container: Some(container),
                message: format!("{}: {message}", describe(container)),
                help: help(),
            });
        } else if let Some((node, message)) = against_default_limit(pod, container) {
            hits.push(Hit {
                source: None,
                part: None,
                severity: None,
                node,
                container: Some(container),
                message: format!("{}: {message}", describe(container)),
                help: Some(
                    "set resources.limits.memory at or above the request, or lower the request \
                     below the LimitRange default"
                        .into(),
                ),
            });
        }
    }
}

/// A written request above the limit the container gets from the namespace's LimitRange
/// because it sets none.
fn against_default_limit<'a>(
    pod: &Pod<'a>,
    container: &Container<'a>,
) -> Option<(&'a Node, String)> {
    let request = container.resources.requests_memory.as_ref()?;
    if container.resources.limits_memory.is_some() || problem(request).is_some() {
        return None;
    }
    let limit = pod.admission.containers.get(container.index)?.limit.as_ref()?;
    let Origin::LimitRange(default) = &limit.origin else { return None };
    let request_bytes = request.bytes()?;
    (limit.bytes < request_bytes).then(|| {
        (
            request.node,
            format!(
                "memory request {} is above {}, which the container gets as its limit because it \
                 sets none: the API server rejects this",
                written(request.node, request_bytes),
                default.describe(),
            ),
        )
    })
}

fn compare<'a>(resources: &Resources<'a>) -> Option<(&'a Node, String)> {
    let limit = resources.limits_memory.as_ref()?;
    let request = resources.requests_memory.as_ref()?;
    // A typo such as `512m` is reported once, by memory-quantity-suspicious.
    if problem(limit).is_some() || problem(request).is_some() {
        return None;
    }
    let (limit_bytes, request_bytes) = (limit.bytes()?, request.bytes()?);
    (limit_bytes < request_bytes).then(|| {
        (
            limit.node,
            format!(
                "memory limit {} is below the request {}: the API server rejects this",
                written(limit.node, limit_bytes),
                written(request.node, request_bytes),
            ),
        )
    })
}

/// The value as written, with its canonical form when that reads differently (`1.5Gi (1536Mi)`).
fn written(node: &Node, bytes: u64) -> String {
    let text = node.as_str().unwrap_or_default();
    let canonical = format_bytes(bytes);
    if text == canonical { canonical } else { format!("{text} ({canonical})") }
}

fn help() -> Option<Cow<'static, str>> {
    Some("raise the limit to at least the request, or lower the request".into())
}
