use super::CheckContext;
use super::{Hit, Rule, describe, limit_missing, memory_anchor};
use crate::engine::model::Pod;
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    id: "memory-limit-missing",
    default_severity: Severity::Error,
    summary: "A container or init container has no memory limit",
    doc: "\
Without `resources.limits.memory` a container may use all of the node's memory. When the node
runs short, the kernel's OOM killer and the kubelet's eviction pick victims among every pod on
the node, so one leaking container takes down its neighbours. A LimitRange with a
`default.memory` for the namespace, or a pod-level `spec.resources.limits.memory`, also counts
as a limit. Sidecars are reported by `sidecar-memory-limit-missing` instead.

Bad:

```yaml
containers:
  - name: app
    image: example/app:1.4
```

Good:

```yaml
containers:
  - name: app
    image: example/app:1.4
    resources:
      requests: {memory: 256Mi}
      limits: {memory: 512Mi}
```",
    check,
};

fn check<'a>(pod: &'a Pod<'a>, _context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    for container in &pod.containers {
        if container.role.is_sidecar() || !limit_missing(pod, container) {
            continue;
        }
        hits.push(Hit {
            source: None,
            severity: None,
            node: memory_anchor(container),
            container: Some(container),
            message: format!(
                "{} has no memory limit: it can use all of the node's memory, and when the node \
                 runs short the OOM killer or eviction also hits other pods",
                describe(container)
            ),
            help: Some(
                "set resources.limits.memory to the observed peak × 1.25 \
                 (`oom-lint size --peak … --average …` computes it)"
                    .into(),
            ),
        });
    }
}
