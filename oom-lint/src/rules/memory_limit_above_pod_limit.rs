use super::CheckContext;
use super::memory_quantity_suspicious::problem;
use super::{Hit, Rule, describe};
use crate::engine::admission::written_bytes;
use crate::engine::model::Pod;
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    refines: None,
    id: "memory-limit-above-pod-limit",
    default_severity: Severity::Error,
    summary: "A container's memory limit is above the pod-level memory limit",
    doc: "\
With pod-level resources (`spec.resources`, Kubernetes 1.32+), the pod's memory limit bounds
every container: the API server rejects a pod in which one container's own limit is above
it, so the workload never starts. Lower the container's limit, or raise the pod's.

Bad:

```yaml
spec:
  resources: {limits: {memory: 1Gi}}
  containers:
    - name: app
      resources: {limits: {memory: 2Gi}}
```

Good:

```yaml
spec:
  resources: {limits: {memory: 2Gi}}
  containers:
    - name: app
      resources: {limits: {memory: 1536Mi}}
```",
    check,
};

fn check<'a>(pod: &'a Pod<'a>, _context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    let Some(pod_limit) = pod.resources.limits_memory.as_ref() else { return };
    // An invalid value is reported once, by memory-quantity-suspicious; zero is no limit.
    if problem(pod_limit).is_some() {
        return;
    }
    let Some(pod_bytes) = pod_limit.bytes().filter(|&b| b > 0) else { return };
    for container in &pod.containers {
        let Some(limit) = container.resources.limits_memory.as_ref() else { continue };
        if problem(limit).is_some() {
            continue;
        }
        let Some(bytes) = limit.bytes() else { continue };
        if bytes <= pod_bytes {
            continue;
        }
        hits.push(Hit {
            source: None,
            part: None,
            severity: None,
            node: limit.node,
            container: Some(container),
            message: format!(
                "{}: memory limit {} is above the pod-level limit {} (line {}): the API server \
                 rejects this",
                describe(container),
                written_bytes(Some(limit.node), bytes),
                written_bytes(Some(pod_limit.node), pod_bytes),
                pod_limit.node.start.line,
            ),
            help: Some(
                "lower the container's resources.limits.memory to at most the pod-level limit, \
                 or raise spec.resources.limits.memory"
                    .into(),
            ),
        });
    }
}
