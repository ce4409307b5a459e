use oom_core::quantity::format_bytes;
use oom_core::runtime::GoMemLimit;

use super::CheckContext;
use super::runtime_support::{
    hit_at, limit, over_limit_or_threshold, percent, unexpanded_reference_note,
};
use super::{Hit, Rule};
use crate::engine::model::Pod;
use crate::finding::Severity;

/// Below this, a soft limit is under what any Go program uses (the runtime's minimum heap goal
/// is 4 MiB): a unit left out, not a choice.
const TOO_SMALL: u64 = 4 << 20;

pub const RULE: Rule = Rule {
    id: "go-memlimit-exceeds-limit",
    default_severity: Severity::Error,
    summary: "GOMEMLIMIT is invalid, far too small, or at or near the container memory limit",
    doc: "\
`GOMEMLIMIT` is the Go runtime's soft memory limit: the garbage collector works harder as the
process nears it. At or above the container limit (error) the kernel kills the process before
the GC reacts; above 90 % of it (warning; `settings.go-memlimit-ratio`) goroutine stacks, cgo
and other non-heap memory have little room. A value Go cannot parse (`900M` instead of
`900MiB`) stops the program at start-up. A value under 4 MiB (`1024`: a number without a unit
is bytes) is below what any Go program uses, so the collector runs continuously.

The value is read as the Go runtime reads it (`runtime/debug.SetMemoryLimit` documents the
variable: digits with an optional `B`, `KiB`, `MiB`, `GiB` or `TiB`, or `off`). A value from
the downward API (`valueFrom.resourceFieldRef` with `resource: limits.memory`) is what the kubelet
writes: `ceil(limit / divisor)` in decimal — divisor `1` gives 100 % of the limit (error), and
divisor `1Mi` gives `1024`, which Go reads as 1024 bytes (error). A value from a Secret or a
field reference cannot be known offline and is never reported.

Bad:

```yaml
env:
  - name: GOMEMLIMIT
    value: 1GiB
resources:
  limits: {memory: 1Gi}
```

Good:

```yaml
env:
  - name: GOMEMLIMIT
    value: 900MiB
resources:
  limits: {memory: 1Gi}
```",
    refines: None,
    check,
};

fn check<'a>(pod: &'a Pod<'a>, context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    let threshold = context.model.settings.go_memlimit_ratio;
    for container in &pod.containers {
        let Some(found) = &context.heaps(container).go_memlimit else { continue };
        let soft_limit = match &found.value {
            Err(error) => {
                hits.push(hit_at(
                    &found.at,
                    container,
                    None,
                    format!(
                        "`{}` is invalid: {error}{}; the Go runtime refuses to start",
                        found.flag,
                        unexpanded_reference_note(&found.flag)
                    ),
                    "write the value in bytes with a B, KiB, MiB or GiB suffix, e.g. 900MiB"
                        .to_owned(),
                ));
                continue;
            }
            Ok(GoMemLimit::Off) => continue,
            Ok(GoMemLimit::Bytes(bytes)) => *bytes,
        };
        let via = found.via.as_deref().map(|how| format!(" ({how})")).unwrap_or_default();
        if soft_limit < TOO_SMALL {
            hits.push(hit_at(
                &found.at,
                container,
                None,
                format!(
                    "`{}`{via} in container `{}` is {soft_limit} bytes: Go reads a number without \
                     a unit as bytes, so the soft limit is below what any Go program uses and the \
                     garbage collector runs continuously",
                    found.flag, container.name
                ),
                if found.via.is_some() {
                    "use divisor 1 with requests.memory set below the limit, or write \
                     GOMEMLIMIT with its unit (e.g. 900MiB)"
                        .to_owned()
                } else {
                    format!("write the unit: GOMEMLIMIT={soft_limit}MiB")
                },
            ));
            continue;
        }
        let Some((limit_bytes, _)) = limit(pod, container) else { continue };
        let ratio = soft_limit as f64 / limit_bytes as f64;
        let Some(severity) = over_limit_or_threshold(ratio, threshold) else { continue };
        let suggested_mib = (limit_bytes as f64 * threshold / 1_048_576.0).floor() as u64;
        hits.push(hit_at(
            &found.at,
            container,
            severity,
            format!(
                "`{}`{via} is {} of the {} memory limit of container `{}`: the GC only works \
                 harder near GOMEMLIMIT, so non-heap memory pushes the process over the limit first",
                found.flag,
                percent(ratio),
                format_bytes(limit_bytes),
                container.name
            ),
            if found.via.is_some() {
                format!(
                    "set GOMEMLIMIT={suggested_mib}MiB ({} of the limit), or take it from \
                     requests.memory set that far below the limit",
                    percent(threshold)
                )
            } else {
                format!("set GOMEMLIMIT={suggested_mib}MiB ({} of the limit)", percent(threshold))
            },
        ));
    }
}
