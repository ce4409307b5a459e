use oom_core::quantity::{Quantity, format_bytes};

use super::CheckContext;
use super::{Hit, Rule};
use crate::engine::model::Pod;
use crate::engine::yaml::Node;
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    id: "emptydir-memory-unbounded",
    default_severity: Severity::Warning,
    summary: "A memory-backed emptyDir has no size limit, or one the container cannot hold",
    doc: "\
An `emptyDir` with `medium: Memory` is a tmpfs, and the pages written to it are charged to the
memory of the container that writes them. Without a `sizeLimit` it can fill up to the node's
memory; with a `sizeLimit` at or above the memory limit of a container that mounts it, filling
the volume OOMKills that container before the volume is full.

Bad:

```yaml
volumes:
  - name: cache
    emptyDir: {medium: Memory}
```

Good:

```yaml
volumes:
  - name: cache
    emptyDir: {medium: Memory, sizeLimit: 64Mi}
```",
    refines: None,
    check,
};

fn check<'a>(pod: &'a Pod<'a>, _context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    let Some(volumes) = pod.spec.get("volumes").and_then(Node::as_sequence) else { return };
    for volume in volumes {
        let Some(empty_dir) = volume.get("emptyDir") else { continue };
        let Some(medium) = empty_dir.get("medium") else { continue };
        if medium.as_str() != Some("Memory") {
            continue;
        }
        let name = volume.get("name").and_then(Node::as_str).unwrap_or("<unnamed>");
        let Some(size_limit) = empty_dir.get("sizeLimit").filter(|n| !n.is_null()) else {
            hits.push(Hit {
                source: None,
                part: None,
                severity: None,
                node: medium,
                container: None,
                message: format!(
                    "emptyDir `{name}` is memory-backed (tmpfs) with no sizeLimit: what is \
                     written to it counts against the container's memory and can fill the node"
                ),
                help: Some("set emptyDir.sizeLimit well below the memory limit of the containers that mount it".into()),
            });
            continue;
        };
        let Some(size_bytes) =
            size_limit.as_str().and_then(|t| Quantity::parse(t).ok()).and_then(|q| q.bytes())
        else {
            continue;
        };
        for container in pod.containers.iter().filter(|c| mounts(c.node, name)) {
            let Some(limit) = container.resources.limits_memory.as_ref().and_then(|l| l.bytes())
            else {
                continue;
            };
            if size_bytes >= limit {
                hits.push(Hit {
                    source: None,
                    part: None,
                    severity: None,
                    node: size_limit,
                    container: Some(container),
                    message: format!(
                        "emptyDir `{name}` may hold {} in memory, at or above the {} memory \
                         limit of container `{}` that mounts it: filling it OOMKills the container",
                        format_bytes(size_bytes),
                        format_bytes(limit),
                        container.name
                    ),
                    help: Some(format!(
                        "lower sizeLimit below {} (leave room for the process itself), or raise the limit",
                        format_bytes(limit)
                    )
                    .into()),
                });
            }
        }
    }
}

fn mounts(container: &Node, volume: &str) -> bool {
    container.get("volumeMounts").and_then(Node::as_sequence).is_some_and(|mounts| {
        mounts.iter().any(|m| m.get("name").and_then(Node::as_str) == Some(volume))
    })
}
