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
through ConfigMaps in the same input and the downward API (`-Xmx$(HEAP_MB)m` with `HEAP_MB` from
`resourceFieldRef`).

The heap follows HotSpot's ergonomics (`GCArguments::set_heap_size` and
`initialize_heap_flags_and_sizes` in `gcArguments.cpp`; `Arguments::set_heap_size` in
`arguments.cpp` before JDK 13): without `-Xmx`, `MaxRAMPercentage` (default 25 %) of the limit,
or `MinRAMPercentage` on small memory; an initial heap (`-Xms`) above that raises the max heap to
it, so `-Xms1g` alone under a 768Mi limit is reported here. (`-Xms` above an explicit `-Xmx`
stops the JVM instead: `jvm-memory-flag-invalid`.) A flag whose value comes from a Secret or a
field reference cannot be known offline: when it decides the heap, nothing is reported.

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
