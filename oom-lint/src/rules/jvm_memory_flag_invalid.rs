use super::CheckContext;
use super::runtime_support::hit_at;
use super::{Hit, Rule};
use crate::engine::model::Pod;
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    id: "jvm-memory-flag-invalid",
    default_severity: Severity::Error,
    summary: "A JVM memory flag has a value the JVM cannot read",
    doc: "\
The JVM refuses to start on a memory flag it cannot parse (`Invalid maximum heap size`), so the
container crash-loops. Sizes take digits and one of k, m, g, t — `-Xmx2GB` and `-Xmx1.5g` are
invalid; percentages (`-XX:MaxRAMPercentage`) take a number from 0 to 100.

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
                    "`{}` in container `{}` is invalid: {}; the JVM refuses to start",
                    invalid.flag, container.name, invalid.value
                ),
                "write sizes as digits with k, m, g or t (e.g. -Xmx1536m), percentages as 0–100"
                    .to_owned(),
            ).on_flag(at, &invalid.flag));
        }
    }
}
