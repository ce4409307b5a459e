use oom_core::quantity::format_bytes;
use oom_core::runtime::GoMemLimit;

use super::CheckContext;
use super::runtime_support::{hit_at, limit, over_limit_or_threshold, percent};
use super::{Hit, Rule};
use crate::engine::model::Pod;
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    id: "go-memlimit-exceeds-limit",
    default_severity: Severity::Error,
    summary: "GOMEMLIMIT is invalid, or at or near the container memory limit",
    doc: "\
`GOMEMLIMIT` is the Go runtime's soft memory limit: the garbage collector works harder as the
process nears it. At or above the container limit (error) the kernel kills the process before
the GC reacts; above 90 % of it (warning; `settings.go-memlimit-ratio`) goroutine stacks, cgo
and other non-heap memory have little room. A value Go cannot parse (`900M` instead of
`900MiB`) stops the program at start-up.

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
                        "`{}` is invalid: {error}; the Go runtime refuses to start",
                        found.flag
                    ),
                    "write the value in bytes with a B, KiB, MiB or GiB suffix, e.g. 900MiB"
                        .to_owned(),
                ));
                continue;
            }
            Ok(GoMemLimit::Off) => continue,
            Ok(GoMemLimit::Bytes(bytes)) => *bytes,
        };
        let Some((limit_bytes, _)) = limit(pod, container) else { continue };
        let ratio = soft_limit as f64 / limit_bytes as f64;
        let Some(severity) = over_limit_or_threshold(ratio, threshold) else { continue };
        let suggested_mib = (limit_bytes as f64 * threshold / 1_048_576.0).floor() as u64;
        hits.push(hit_at(
            &found.at,
            container,
            severity,
            format!(
                "`{}` is {} of the {} memory limit of container `{}`: the GC only works harder \
                 near GOMEMLIMIT, so non-heap memory pushes the process over the limit first",
                found.flag,
                percent(ratio),
                format_bytes(limit_bytes),
                container.name
            ),
            format!("set GOMEMLIMIT={suggested_mib}MiB ({} of the limit)", percent(threshold)),
        ));
    }
}
