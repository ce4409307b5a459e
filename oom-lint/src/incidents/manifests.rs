//! The engine's pods (from manifests, or the specs of the Pods `kubectl` returned) → what the
//! diagnosis needs of each container: its admitted memory limit, its role, and the heap its
//! runtime will use under that limit, each with the file and line it was written at.

use oom_core::runtime::{GoMemLimit, HeapBasis};

use super::{Heap, ManifestContainer, Memory, Origin, Role};
use crate::engine::model::ContainerRole;
use crate::engine::source::SourceFile;
use crate::engine::walk::ResolvedPod;
use crate::engine::yaml::Node;

pub fn containers(sources: &[SourceFile], pods: &[ResolvedPod<'_>]) -> Vec<ManifestContainer> {
    let origin = |source: usize, node: &Node| {
        Origin::new(sources.get(source).map_or("", |s| s.name.as_str()), Some(node.start.line))
    };
    let mut out = Vec::new();
    for resolved in pods {
        let pod = &resolved.pod;
        for container in &pod.containers {
            let limit = pod.memory_limit(container).map(|(bytes, node)| Memory {
                bytes,
                text: node
                    .as_str()
                    .map_or_else(|| oom_core::quantity::format_bytes(bytes), str::to_owned),
                origin: origin(pod.source, node),
            });
            let view = resolved.heaps.get(container.index);
            let jvm = view.and_then(|v| v.jvm.as_ref());
            let node_heap = view.and_then(|v| v.node_old_space.as_ref());
            let mut runtime = None;
            let mut max_heap = None;
            if let Some(jvm) = jvm {
                runtime = Some("jvm");
                if let Some(limit) = &limit
                    && let Some(heap) = jvm.options.effective_max_heap(limit.bytes)
                {
                    let explicit = match heap.basis {
                        HeapBasis::Explicit | HeapBasis::RaisedToInitial => true,
                        HeapBasis::RamPercentage { explicit, .. }
                        | HeapBasis::SmallMemory { explicit, .. } => explicit,
                        HeapBasis::DefaultFloor => false,
                    };
                    let at = jvm.origin(heap.origin);
                    max_heap = Some(Heap {
                        bytes: heap.bytes,
                        flag: heap.flag.unwrap_or_else(|| "the JVM's default share".into()),
                        explicit,
                        origin: at.map_or_else(
                            || limit.origin.clone(),
                            |located| origin(located.source, located.node),
                        ),
                    });
                }
            } else if let Some(found) = node_heap {
                runtime = Some("node");
                if let Ok(bytes) = found.value {
                    max_heap = Some(Heap {
                        bytes,
                        flag: found.flag.clone(),
                        explicit: true,
                        origin: origin(found.at.source, found.at.node),
                    });
                }
            } else if let Some(found) = view.and_then(|v| v.go_memlimit.as_ref()) {
                runtime = Some("go");
                // `off` and invalid values set no soft limit (the rule reports the latter).
                if let Ok(GoMemLimit::Bytes(bytes)) = found.value {
                    max_heap = Some(Heap {
                        bytes,
                        flag: found.flag.clone(),
                        explicit: true,
                        origin: origin(found.at.source, found.at.node),
                    });
                }
            } else if let Some(v) = view
                .filter(|v| v.dotnet_hard_limit.is_some() || v.dotnet_hard_limit_percent.is_some())
            {
                runtime = Some("dotnet");
                // Only an absolute hard limit the runtime reads is a heap size; a percentage is
                // always below the limit it is a share of.
                if let Some(found) = &v.dotnet_hard_limit
                    && let Some(hex) = found.value.as_ref().filter(|h| h.value > 0)
                {
                    max_heap = Some(Heap {
                        bytes: hex.value,
                        flag: found.flag.clone(),
                        explicit: true,
                        origin: origin(found.at.source, found.at.node),
                    });
                }
            }
            out.push(ManifestContainer {
                namespace: pod.object.namespace.as_deref().map(str::to_owned),
                object_kind: pod.object.kind.to_string(),
                object_name: pod.object.name.to_string(),
                container: container.name.clone(),
                role: match container.role {
                    ContainerRole::Primary => Role::App,
                    ContainerRole::Secondary | ContainerRole::NativeSidecar => Role::Sidecar,
                    ContainerRole::Init => Role::Init,
                },
                limit,
                runtime,
                max_heap,
            });
        }
    }
    out
}
