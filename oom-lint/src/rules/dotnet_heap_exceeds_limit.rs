use oom_core::quantity::format_bytes;

use super::CheckContext;
use super::runtime_support::{hit_at, limit};
use super::{Hit, Rule};
use crate::engine::model::Pod;
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    id: "dotnet-heap-exceeds-limit",
    default_severity: Severity::Error,
    summary: "The .NET GC heap hard limit is at or above the container memory limit",
    doc: "\
`DOTNET_GCHeapHardLimit` (bytes) and `DOTNET_GCHeapHardLimitPercent` (percent of the limit) are
read as **hexadecimal**: `DOTNET_GCHeapHardLimitPercent=75` means 117 %, not 75 %. A hard limit
at or above the container limit lets the managed heap alone fill the container, so it is
OOMKilled rather than throwing `OutOfMemoryException`. In a container with a memory limit .NET
already defaults to 75 % of it; set these only to go lower. `COMPlus_` spellings are read too.

Bad:

```yaml
env:
  - name: DOTNET_GCHeapHardLimitPercent
    value: \"75\"   # hexadecimal: 117 %
```

Good:

```yaml
env:
  - name: DOTNET_GCHeapHardLimitPercent
    value: \"0x4B\" # 75 %
```",
    refines: None,
    check,
};

fn check<'a>(pod: &'a Pod<'a>, context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    for container in &pod.containers {
        let runtime = context.heaps(container);
        let Some((limit_bytes, _)) = limit(pod, container) else { continue };
        if let Some(found) = &runtime.dotnet_hard_limit
            && let Ok(bytes) = found.value
            && bytes >= limit_bytes
        {
            hits.push(hit_at(
                &found.at,
                container,
                None,
                format!(
                    "`{}` is {} (hexadecimal), at or above the {} memory limit of container `{}`: \
                     the managed heap alone can fill the container",
                    found.flag,
                    format_bytes(bytes),
                    format_bytes(limit_bytes),
                    container.name
                ),
                format!(
                    "set it below the limit in hexadecimal, e.g. {:#X} for 75% ({})",
                    limit_bytes / 4 * 3,
                    format_bytes(limit_bytes / 4 * 3)
                ),
            ));
        }
        if let Some(found) = &runtime.dotnet_hard_limit_percent
            && let Ok(percent) = found.value
            && percent >= 100
        {
            let written = found.at.text.trim();
            let decimal_hint = if written.chars().all(|c| c.is_ascii_digit()) {
                format!(" — the value is hexadecimal, so `{written}` is {percent}%, not {written}%")
            } else {
                String::new()
            };
            hits.push(hit_at(
                &found.at,
                container,
                None,
                format!(
                    "`{}` sets the GC heap hard limit to {percent}% of the container limit{decimal_hint}: \
                     the managed heap alone can fill the container",
                    found.flag
                ),
                "write the percent in hexadecimal: 0x4B is 75%".to_owned(),
            ));
        }
    }
}
