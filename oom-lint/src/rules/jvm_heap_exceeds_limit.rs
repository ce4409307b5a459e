use super::CheckContext;
use super::runtime_support::{OFF_HEAP, hit_at, jvm_heap};
use super::{Hit, Rule};
use crate::engine::model::Pod;
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    id: "jvm-heap-exceeds-limit",
    default_severity: Severity::Error,
    summary: "The JVM's max heap is at or above the container memory limit",
    doc: "\
The JVM's effective max heap — `-Xmx`/`-XX:MaxHeapSize`, or `MaxRAMPercentage` of the memory
it sees — is at or above the container's memory limit. Metaspace, code cache, thread stacks,
direct buffers and GC structures live outside the heap, so the container is OOMKilled (exit
code 137) long before the JVM throws `OutOfMemoryError`, and no heap dump is written. Options
are read from `JAVA_TOOL_OPTIONS`, `JDK_JAVA_OPTIONS`, launcher variables such as `JAVA_OPTS`,
the container's `command`/`args` and `_JAVA_OPTIONS`, in the JVM's order of precedence, and
through ConfigMaps in the same input.

Bad:

```yaml
env:
  - name: JAVA_TOOL_OPTIONS
    value: -Xmx1g
resources:
  limits: {memory: 1Gi}
```

Good:

```yaml
env:
  - name: JAVA_TOOL_OPTIONS
    value: -Xmx768m
resources:
  limits: {memory: 1Gi}
```",
    refines: None,
    check,
};

fn check<'a>(pod: &'a Pod<'a>, context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    for container in &pod.containers {
        let Some(finding) =
            jvm_heap(pod, container, context.heaps(container), context.model.settings.heap_ratio)
        else {
            continue;
        };
        if finding.ratio >= 1.0 {
            hits.push(hit_at(
                finding.at,
                container,
                None,
                format!(
                    "{}: the heap alone can fill the container and {OFF_HEAP} comes on top, so it \
                     is OOMKilled instead of throwing OutOfMemoryError",
                    finding.message
                ),
                finding.help,
            ).on_flag(finding.at, &finding.flag));
        }
    }
}
