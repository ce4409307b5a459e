use super::CheckContext;
use super::memory_quantity_suspicious::problem;
use super::{Hit, Rule, describe};
use crate::engine::model::Pod;
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    id: "memory-request-missing",
    default_severity: Severity::Note,
    summary: "A container has no memory request",
    doc: "\
When only a limit is set, Kubernetes copies the limit into the request, so a missing request is
not an OOM risk by itself; it reserves the whole limit on the node, which wastes capacity when
the container usually uses far less. Set the request to the steady-state average. A LimitRange
with `defaultRequest.memory` (or `default.memory`, which Kubernetes also uses as the default
request) or a pod-level `spec.resources.requests.memory` counts as a request.

Bad:

```yaml
resources:
  limits: {memory: 1Gi}
```

Good:

```yaml
resources:
  requests: {memory: 600Mi}
  limits: {memory: 1Gi}
```",
    refines: None,
    check,
};

fn check<'a>(pod: &'a Pod<'a>, _context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    // A pod-level request, or a LimitRange `defaultRequest` (which the API server also takes
    // from `default`, `max` or `min`), gives every container a request.
    if pod.resources.requests_memory.is_some() || pod.admission.limits.default_request.is_some() {
        return;
    }
    for container in &pod.containers {
        let resources = &container.resources;
        if resources.requests_memory.is_some() || resources.malformed {
            continue;
        }
        // Only a valid, non-zero limit is quoted: `0` is no limit, and an invalid value is
        // not a quantity (memory-quantity-suspicious reports it).
        let consequence = match &resources.limits_memory {
            Some(limit) if limit.is_zero() => {
                format!(
                    "its limit of `{}` is no limit, so the scheduler places it as if it used no \
                     memory",
                    limit.node.as_str().unwrap_or("0")
                )
            }
            Some(limit) if problem(limit).is_none() && limit.bytes().is_some() => format!(
                "Kubernetes copies the limit ({}) into the request, so this is not an OOM risk by \
                 itself, but the node reserves the whole limit",
                limit.node.as_str().unwrap_or_default()
            ),
            Some(_) => {
                "Kubernetes copies the limit into the request (once the limit is fixed)".to_owned()
            }
            None => "the scheduler places it as if it used no memory".to_owned(),
        };
        hits.push(Hit {
            source: None,
            part: None,
            severity: None,
            node: resources.key.unwrap_or_else(|| container.anchor()),
            container: Some(container),
            message: format!("{} has no memory request: {consequence}", describe(container)),
            help: Some(
                "set resources.requests.memory to the steady-state average, which frees node \
                 capacity (`oom-lint size` computes it)"
                    .into(),
            ),
        });
    }
}
