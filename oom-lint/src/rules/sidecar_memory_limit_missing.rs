use super::CheckContext;
use super::{Hit, Rule, describe, memory_anchor, missing_limit};
use crate::engine::model::{ContainerRole, Pod};
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    id: "sidecar-memory-limit-missing",
    default_severity: Severity::Error,
    summary: "A sidecar container has no memory limit",
    doc: "\
A sidecar is a native sidecar (an init container with `restartPolicy: Always`) or any container
of a multi-container pod other than the main one (the container named by the
`kubectl.kubernetes.io/default-container` annotation, else the first). A sidecar without a
memory limit can grow until the node runs out of memory; the OOM killer or the kubelet's
eviction then takes down the whole pod, main container included, for a fault that is not
the application's. It also moves the pod out of the Guaranteed QoS class, so it is evicted
earlier under pressure. Proxies, log shippers and agents are the usual culprits.

This rule refines `memory-limit-missing`: suppressing that id (`# oom-lint: ignore[memory-limit-missing]`,
`oom-lint.io/ignore: memory-limit-missing`) or setting its severity in `.oom-lint.yaml` also
covers sidecars, unless `sidecar-memory-limit-missing` is configured itself.

Bad:

```yaml
containers:
  - name: app
    resources: {limits: {memory: 512Mi}}
  - name: log-shipper
    image: fluent/fluent-bit:3.0
```

Good:

```yaml
containers:
  - name: app
    resources: {limits: {memory: 512Mi}}
  - name: log-shipper
    image: fluent/fluent-bit:3.0
    resources: {requests: {memory: 32Mi}, limits: {memory: 64Mi}}
```",
    refines: Some("memory-limit-missing"),
    check,
};

fn check<'a>(pod: &'a Pod<'a>, _context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    let primary = pod.containers.iter().find(|c| c.role == ContainerRole::Primary);
    for container in &pod.containers {
        if !container.role.is_sidecar() {
            continue;
        }
        let Some(missing) = missing_limit(pod, container) else { continue };
        let main = primary.map_or_else(String::new, |p| format!(", `{}` included", p.name));
        hits.push(Hit {
            source: None,
            part: None,
            severity: None,
            node: memory_anchor(container),
            container: Some(container),
            message: format!(
                "{} {missing}: it can grow until the node runs out of memory, and the \
                 OOM killer or eviction then takes down the whole pod{main}",
                describe(container)
            ),
            help: Some(
                "give the sidecar its own resources.limits.memory (proxies and log shippers \
                 usually need 64Mi–256Mi)"
                    .into(),
            ),
        });
    }
}
