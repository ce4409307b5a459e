use super::CheckContext;
use super::{Hit, Rule, describe, memory_anchor, missing_limit};
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
as a limit. A limit of `0` is no limit at all: Kubernetes leaves the container unbounded.
Sidecars are reported by `sidecar-memory-limit-missing` instead, a refinement of this rule:
suppressing or configuring `memory-limit-missing` covers it too.

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
    refines: None,
    check,
};

fn check<'a>(pod: &'a Pod<'a>, _context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    for container in &pod.containers {
        if container.role.is_sidecar() {
            continue;
        }
        let Some(missing) = missing_limit(pod, container) else { continue };
        hits.push(Hit {
            source: None,
            part: None,
            severity: None,
            node: memory_anchor(container),
            container: Some(container),
            message: format!(
                "{} {missing}: it can use all of the node's memory, and when the node \
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
