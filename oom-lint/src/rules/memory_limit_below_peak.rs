use oom_core::quantity::{format_bytes, format_human};

use super::CheckContext;
use super::usage_support::{observed, peak_recommendation};
use super::{Hit, Rule, describe};
use crate::engine::model::Pod;
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    id: "memory-limit-below-peak",
    default_severity: Severity::Error,
    summary: "The observed memory peak reaches the container's limit",
    doc: "\
Active only with `oom-lint check --metrics FILE`. The container's observed peak memory (from
the metric dump, matched by namespace, workload and container name) is at or above its memory
limit: it has been OOMKilled, or will be on the next busy moment. The fix is the sizing rule:
limit = peak × 1.25, request = steady-state average.

Bad (peak observed: 530 MiB):

```yaml
resources:
  limits: {memory: 512Mi}
```

Good:

```yaml
resources:
  requests: {memory: 320Mi}
  limits: {memory: 672Mi}
```",
    refines: None,
    check,
};

fn check<'a>(pod: &'a Pod<'a>, context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    for container in &pod.containers {
        let Some(seen) = observed(pod, container, context) else { continue };
        let analysis = &seen.analysis;
        if analysis.peak_bytes < seen.limit_bytes as f64 {
            continue;
        }
        let fix = peak_recommendation(seen.analysis, &context.model.settings)
            .map(|r| {
                format!(
                    "set the limit to {} (peak × 1.25) and the request to {} (average)",
                    r.limit, r.request
                )
            })
            .unwrap_or_else(|| "raise the limit above the observed peak".to_owned());
        hits.push(Hit {
            node: seen.anchor,
            source: None,
            part: None,
            severity: None,
            container: Some(container),
            message: format!(
                "{}: observed peak {} is at or above its {} memory limit: it has been, or will be, OOMKilled",
                describe(container),
                format_human(analysis.peak_bytes as u64),
                format_bytes(seen.limit_bytes)
            ),
            help: Some(fix.into()),
        });
    }
}
