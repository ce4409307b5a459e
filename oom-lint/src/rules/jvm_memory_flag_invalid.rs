use oom_core::quantity::format_bytes;
use oom_core::runtime::StartFailure;

use super::CheckContext;
use super::runtime_support::{hit_at, unexpanded_reference_note};
use super::{Hit, Rule};
use crate::engine::model::Pod;
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    id: "jvm-memory-flag-invalid",
    default_severity: Severity::Error,
    summary: "A JVM memory flag makes the JVM refuse to start",
    doc: "\
The JVM refuses to start, so the container crash-loops, when a memory flag cannot be read, sets
an initial or minimum heap above the max heap, or sets a heap under 1 MiB.

- **Unreadable** (`Invalid maximum heap size`): sizes take digits and one of k, m, g, t —
  `-Xmx2GB` and `-Xmx1.5g` are invalid; percentages (`-XX:MaxRAMPercentage`) take a number from
  0 to 100;
- **An initial heap above the max heap** (`-Xmx512m -Xms1g`, `-XX:MaxHeapSize=512m
  -XX:InitialHeapSize=1g`): HotSpot exits with \"Initial heap size set to a larger value than the
  maximum heap size\" (`GCArguments::initialize_heap_flags_and_sizes` in HotSpot's
  `gcArguments.cpp`) when both count as set on the command line. `-Xmx` and `-Xms` count as set
  on the command line wherever they are written; the `-XX:` spellings in `JAVA_TOOL_OPTIONS` or
  `_JAVA_OPTIONS` do not, and then the max heap is raised to the initial heap instead
  (`jvm-heap-exceeds-limit` judges the result), as `-Xms` alone does when no `-Xmx` is set;
- **A minimum heap above the max heap** (`-XX:MinHeapSize=1g -Xmx512m`, both on the command
  line): \"Incompatible minimum and maximum heap sizes specified\"; an initial heap below the
  minimum heap (`-Xms512m -XX:MinHeapSize=1g`): \"Incompatible minimum and initial heap sizes
  specified\". `-Xms` sets the minimum heap too, so the later of the two decides;
- **A heap under 1 MiB** (`-Xmx1024` is 1024 bytes, as when a downward API value in MiB is
  spliced in without its `m`): \"Too small maximum heap\" or \"Too small initial heap\".

A flag whose value cannot be known offline (`-Xmx$(HEAP)` with `HEAP` from a Secret) is never
reported.

Bad:

```yaml
env:
  - name: JAVA_OPTS
    value: -Xmx2GB
```

Good:

```yaml
env:
  - name: JAVA_OPTS
    value: -Xmx2g
```",
    refines: None,
    check,
};

fn check<'a>(pod: &'a Pod<'a>, context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    for container in &pod.containers {
        let Some(jvm) = &context.heaps(container).jvm else { continue };
        for invalid in &jvm.options.invalid {
            let Some(at) = jvm.origin(Some(invalid.origin)) else { continue };
            hits.push(hit_at(
                at,
                container,
                None,
                format!(
                    "`{}` in container `{}` is invalid: {}{}; the JVM refuses to start",
                    invalid.flag,
                    container.name,
                    invalid.value,
                    unexpanded_reference_note(&invalid.flag)
                ),
                "write sizes as digits with k, m, g or t (e.g. -Xmx1536m), percentages as 0–100"
                    .to_owned(),
            ).on_flag(at, &invalid.flag));
        }
        let Some(failure) = jvm.options.start_failure() else { continue };
        let (setting, message, help) = match failure {
            StartFailure::InitialAboveMax { initial, max } => {
                let message = format!(
                    "`{}` sets the initial heap to {}, above the {} max heap of `{}` in container \
                     `{}`: the JVM refuses to start (\"Initial heap size set to a larger value \
                     than the maximum heap size\")",
                    initial.flag,
                    format_bytes(initial.value),
                    format_bytes(max.value),
                    max.flag,
                    container.name
                );
                (initial, message, "set -Xms no higher than -Xmx (or remove it)".to_owned())
            }
            StartFailure::MinAboveMax { min, max } => {
                let message = format!(
                    "`{}` sets the minimum heap to {}, above the {} max heap of `{}` in container \
                     `{}`: the JVM refuses to start (\"Incompatible minimum and maximum heap \
                     sizes specified\")",
                    min.flag,
                    format_bytes(min.value),
                    format_bytes(max.value),
                    max.flag,
                    container.name
                );
                (min, message, "set the minimum heap no higher than -Xmx (or remove it)".to_owned())
            }
            StartFailure::InitialBelowMin { initial, min } => {
                let message = format!(
                    "`{}` sets the initial heap to {}, below the {} minimum heap of `{}` in \
                     container `{}`: the JVM refuses to start (\"Incompatible minimum and \
                     initial heap sizes specified\")",
                    initial.flag,
                    format_bytes(initial.value),
                    format_bytes(min.value),
                    min.flag,
                    container.name
                );
                (
                    initial,
                    message,
                    "set -Xms no lower than the minimum heap (or remove one)".to_owned(),
                )
            }
            StartFailure::HeapTooSmall { setting } => {
                let message = format!(
                    "`{}` in container `{}` is {} bytes: a number without k, m or g is bytes, \
                     and the JVM refuses to start with a heap under 1 MiB",
                    setting.flag, container.name, setting.value
                );
                (setting, message, "add the unit, e.g. -Xmx1024m".to_owned())
            }
        };
        let Some(at) = jvm.origin(Some(setting.origin)) else { continue };
        hits.push(hit_at(at, container, None, message, help).on_flag(at, &setting.flag));
    }
}
