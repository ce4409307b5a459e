use super::CheckContext;
use super::runtime_support::{OFF_HEAP, hit_at, jvm_heap, percent};
use super::{Hit, Rule};
use crate::engine::model::Pod;
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    id: "jvm-heap-headroom-low",
    default_severity: Severity::Warning,
    summary: "The JVM's max heap leaves too little of the container limit for off-heap memory",
    doc: "\
The JVM's effective max heap is above 75 % of the container memory limit (configurable as
`settings.heap-ratio`) but below the limit. Off-heap memory (metaspace, code cache, thread
stacks, direct buffers, GC structures) commonly needs a quarter of the limit; once the heap
fills up, the container is OOMKilled. The fix suggests an `-Xmx` of 75 % of the limit, or the
limit under which the current heap is 75 %. The max heap is computed as for
`jvm-heap-exceeds-limit` (HotSpot's `gcArguments.cpp`), including `-Xms` raising it.

Bad:

```yaml
env:
  - name: JAVA_OPTS
    value: -Xmx900m
resources:
  limits: {memory: 1Gi}
```

Good:

```yaml
env:
  - name: JAVA_OPTS
    value: -Xmx768m
resources:
  limits: {memory: 1Gi}
```",
    refines: None,
    check,
};

fn check<'a>(pod: &'a Pod<'a>, context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    let threshold = context.model.settings.heap_ratio;
    for container in &pod.containers {
        let Some(finding) = jvm_heap(pod, container, context.heaps(container), threshold) else {
            continue;
        };
        // Exactly the threshold is fine: -Xmx768m under 1Gi is the recommended 75 %.
        if finding.ratio > threshold + 1e-9 && finding.ratio < 1.0 {
            hits.push(
                hit_at(
                    finding.at,
                    container,
                    None,
                    format!(
                        "{}, above {}: {OFF_HEAP} needs the rest, so a full heap gets the \
                     container OOMKilled",
                        finding.message,
                        percent(threshold)
                    ),
                    finding.help,
                )
                .on_flag(finding.at, &finding.flag),
            );
        }
    }
}
