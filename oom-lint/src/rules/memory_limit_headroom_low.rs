use oom_core::quantity::{format_bytes, format_human};

use super::CheckContext;
use super::runtime_support::percent;
use super::usage_support::{observed, peak_recommendation};
use super::{Hit, Rule, describe};
use crate::engine::model::Pod;
use crate::finding::Severity;

const ALERT_RATIO: f64 = oom_core::sizing::SizingPolicy::DEFAULT_ALERT_RATIO;

pub const RULE: Rule = Rule {
    id: "memory-limit-headroom-low",
    default_severity: Severity::Warning,
    summary: "The observed memory peak is above 80 % of the container's limit",
    doc: "\
Active only with `oom-lint check --metrics FILE`. The observed peak is above the alert
threshold (80 % of the limit) but still below the limit: little room is left for a busier day,
a larger request or a slow leak.

Bad (peak observed: 900 MiB):

```yaml
resources:
  limits: {memory: 1Gi}
```

Good:

```yaml
resources:
  limits: {memory: 1152Mi}
```",
    refines: None,
    check,
};

fn check<'a>(pod: &'a Pod<'a>, context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    for container in &pod.containers {
        let Some(seen) = observed(pod, container, context) else { continue };
        let analysis = &seen.analysis;
        let ratio = analysis.peak_bytes / seen.limit_bytes as f64;
        if ratio <= ALERT_RATIO || ratio >= 1.0 {
            continue;
        }
        let fix = peak_recommendation(seen.analysis, &context.model.settings)
            .map(|r| format!("raise the limit to {} (peak × 1.25)", r.limit))
            .unwrap_or_else(|| "raise the limit".to_owned());
        hits.push(Hit {
            node: seen.anchor,
            source: None,
            part: None,
            severity: None,
            container: Some(container),
            message: format!(
                "{}: observed peak {} is {} of its {} memory limit, above the {} alert threshold",
                describe(container),
                format_human(analysis.peak_bytes as u64),
                percent(ratio),
                format_bytes(seen.limit_bytes),
                percent(ALERT_RATIO)
            ),
            help: Some(fix.into()),
        });
    }
}
