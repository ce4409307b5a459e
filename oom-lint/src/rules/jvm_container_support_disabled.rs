use super::CheckContext;
use super::runtime_support::hit_at;
use super::{Hit, Rule};
use crate::engine::model::Pod;
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    id: "jvm-container-support-disabled",
    default_severity: Severity::Error,
    summary: "The JVM is told to ignore the container's memory limit",
    doc: "\
`-XX:-UseContainerSupport` makes the JVM size its heap, GC threads and default pools from the
node's memory instead of the container's limit: on a 64 GiB node a 1 GiB container gets a
16 GiB default heap and is OOMKilled as soon as it uses it. Container support is on by
default since JDK 10 and 8u191 (JDK-8146115; HotSpot's `os::Linux` container code reads the
cgroup limit only with it on); remove the flag and size the heap with `-Xmx` or
`-XX:MaxRAMPercentage`.

Bad:

```yaml
env:
  - name: JAVA_TOOL_OPTIONS
    value: -XX:-UseContainerSupport
```

Good:

```yaml
env:
  - name: JAVA_TOOL_OPTIONS
    value: -XX:MaxRAMPercentage=75
```",
    refines: None,
    check,
};

fn check<'a>(pod: &'a Pod<'a>, context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    for container in &pod.containers {
        let Some(jvm) = &context.heaps(container).jvm else { continue };
        let Some(setting) = jvm.options.container_support.as_ref().filter(|s| !s.value) else {
            continue;
        };
        let Some(at) = jvm.origin(Some(setting.origin)) else { continue };
        let consequence = if jvm.options.max_heap.is_some() {
            "the heap is capped by -Xmx, but GC threads, code cache and direct buffers are still \
             sized from the node's memory"
        } else {
            "with no -Xmx its heap defaults to a quarter of the node's memory, whatever the \
             container limit"
        };
        hits.push(hit_at(
            at,
            container,
            None,
            format!(
                "`{}` makes the JVM in container `{}` ignore the container's memory limit: {consequence}",
                setting.flag, container.name
            ),
            "remove -XX:-UseContainerSupport and size the heap with -Xmx or -XX:MaxRAMPercentage".to_owned(),
        ).on_flag(at, &setting.flag));
    }
}
