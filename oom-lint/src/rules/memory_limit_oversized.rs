use oom_core::quantity::{format_bytes, format_human};

use super::CheckContext;
use super::usage_support::observed;
use super::{Hit, Rule, describe};
use crate::engine::model::Pod;
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    id: "memory-limit-oversized",
    default_severity: Severity::Note,
    summary: "The memory limit is more than 3× what the observed usage needs",
    doc: "\
Active only with `oom-lint check --metrics FILE`. The limit is more than three times the
recommended limit (observed peak × 1.25, rounded up). An oversized limit hides leaks until they
hurt the node, and an oversized request wastes node capacity; the message gives the saving.

When the limit is 500× the observed peak or more (`SUSPECT_UNIT_FACTOR`), a unit problem is
likelier than a limit that much too large (a dump in KiB read as bytes puts the peak 1024× low):
the message asks about the dump's unit instead of recommending a limit, and `fix` leaves the
container alone.

Bad (peak observed: 300 MiB):

```yaml
resources:
  requests: {memory: 4Gi}
  limits: {memory: 4Gi}
```

Good:

```yaml
resources:
  requests: {memory: 256Mi}
  limits: {memory: 384Mi}
```",
    refines: None,
    check,
};

fn check<'a>(pod: &'a Pod<'a>, context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    for container in &pod.containers {
        let Some(seen) = observed(pod, container, context) else { continue };
        // A leak's limit is judged by memory-leak-suspected, not by its pre-leak needs.
        if seen.analysis.classification == oom_core::leak::Classification::Leak {
            continue;
        }
        let Some(recommended) = &seen.analysis.recommendation else { continue };
        if seen.limit_bytes <= recommended.limit_bytes.saturating_mul(3) {
            continue;
        }
        if let Some(why) =
            crate::observed::suspected_unit(seen.analysis.peak_bytes, seen.limit_bytes)
        {
            hits.push(Hit {
                node: seen.anchor,
                source: None,
                part: None,
                severity: None,
                container: Some(container),
                message: format!("{}: {why}", describe(container)),
                help: Some(
                    "check the dump's unit before resizing: `oom-lint analyze` shows its peak"
                        .into(),
                ),
            });
            continue;
        }
        let request = container.resources.requests_memory.as_ref().and_then(|r| r.bytes());
        let request_saving = request
            .filter(|&r| r > recommended.request_bytes)
            .map(|r| {
                format!(
                    "; the request could drop from {} to {}, freeing {} of node capacity per replica",
                    format_bytes(r),
                    recommended.request,
                    format_human(r - recommended.request_bytes)
                )
            })
            .unwrap_or_default();
        hits.push(Hit {
            node: seen.anchor,
            source: None,
            part: None,
            severity: None,
            container: Some(container),
            message: format!(
                "{}: the {} memory limit is {:.1}× the recommended {} (observed peak {}): {} more than it needs{request_saving}",
                describe(container),
                format_bytes(seen.limit_bytes),
                seen.limit_bytes as f64 / recommended.limit_bytes as f64,
                recommended.limit,
                format_human(seen.analysis.peak_bytes as u64),
                format_human(seen.limit_bytes - recommended.limit_bytes),
            ),
            help: Some(format!("set requests.memory: {} and limits.memory: {}", recommended.request, recommended.limit).into()),
        });
    }
}
