use oom_core::leak::Classification;
use oom_core::metrics::format_time;
use oom_core::quantity::format_bytes;

use super::CheckContext;
use super::usage_support::observed;
use super::{Hit, Rule, describe};
use crate::engine::model::Pod;
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    id: "memory-leak-suspected",
    default_severity: Severity::Warning,
    summary: "The container's observed memory grows like a leak",
    doc: "\
Active only with `oom-lint check --metrics FILE`. `oom-lint analyze` classifies the
container's memory series as a leak: sustained growth that does not level off (or grows until
restarts). Raising the limit only buys time; the message gives the growth rate, when it began
and when the limit will be reached.

Bad (memory series grows 8 MiB/h since a deploy):

```yaml
resources:
  limits: {memory: 1Gi}   # reached in about four days
```

Good: find and fix the leak (heap dump, allocation profile); meanwhile a relief limit.",
    refines: None,
    check,
};

fn check<'a>(pod: &'a Pod<'a>, context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    for container in &pod.containers {
        let Some(seen) = observed(pod, container, context) else { continue };
        let analysis = &seen.analysis;
        if analysis.classification != Classification::Leak {
            continue;
        }
        let mib = |b: f64| b / 1_048_576.0;
        let since = match (analysis.leak_start, &analysis.event) {
            (Some(start), Some(event)) => {
                format!(" since {} (after {})", format_time(start), event.label)
            }
            (Some(start), None) => format!(" since {}", format_time(start)),
            (None, _) => String::new(),
        };
        // The analysis was given this limit, so the forecast is `analyze --limit`'s own.
        let until = match analysis.time_to_oom_hours {
            Some(hours) if hours <= 0.0 => {
                format!("; the {} limit is already reached", format_bytes(seen.limit_bytes))
            }
            Some(hours) => format!(
                "; at this rate the {} limit is reached in ≈ {hours:.0} h",
                format_bytes(seen.limit_bytes)
            ),
            None => String::new(),
        };
        let relief = analysis
            .relief_limit_bytes
            .filter(|&r| r > seen.limit_bytes)
            .map(|r| format!("raise the limit to {} for relief, and ", format_bytes(r)))
            .unwrap_or_default();
        hits.push(Hit {
            node: seen.anchor,
            source: None,
            part: None,
            severity: None,
            container: Some(container),
            message: format!(
                "{}: memory grows {:+.1} MiB/h (95% CI {:+.1} to {:+.1}){since}, a suspected leak{until}",
                describe(container),
                mib(analysis.slope_bytes_per_hour),
                mib(analysis.slope_ci.0),
                mib(analysis.slope_ci.1),
            ),
            help: Some(format!("{relief}find the leak in the code (heap dump, allocation profile); `oom-lint analyze --plot` shows the trend").into()),
        });
    }
}
