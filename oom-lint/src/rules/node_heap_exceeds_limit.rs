use oom_core::quantity::format_bytes;
use oom_core::sizing::limit_for_heap;

use super::CheckContext;
use super::runtime_support::{hit_at, limit, over_limit_or_threshold, percent};
use super::{Hit, Rule};
use crate::engine::model::Pod;
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    id: "node-heap-exceeds-limit",
    default_severity: Severity::Error,
    summary: "Node.js --max-old-space-size does not fit the container memory limit",
    doc: "\
`--max-old-space-size` (in `NODE_OPTIONS` or on the `node` command line) lets V8's old
generation grow to that many MiB. At or above the container limit (error), or above 75 % of it
(warning; `settings.heap-ratio`), the young generation, code space and native buffers push the
process over the limit and it is OOMKilled instead of V8 collecting garbage harder or failing
with a heap-out-of-memory error you can see.

Modelled on Node.js's command-line documentation: `--max-old-space-size=SIZE` is in MiB, and
options on the command line take precedence over the same options in `NODE_OPTIONS`. Values built
from the downward API (`--max-old-space-size=$(MEM_MB)`) are resolved; a value from a Secret that
may set the flag makes it unknown, and nothing is reported.

Bad:

```yaml
env:
  - name: NODE_OPTIONS
    value: --max-old-space-size=1024
resources:
  limits: {memory: 1Gi}
```

Good:

```yaml
env:
  - name: NODE_OPTIONS
    value: --max-old-space-size=768
resources:
  limits: {memory: 1Gi}
```",
    refines: None,
    check,
};

fn check<'a>(pod: &'a Pod<'a>, context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    let threshold = context.model.settings.heap_ratio;
    for container in &pod.containers {
        let Some(found) = &context.heaps(container).node_old_space else { continue };
        let Some((limit_bytes, _)) = limit(pod, container) else { continue };
        let Ok(old_space) = found.value else { continue };
        let ratio = old_space as f64 / limit_bytes as f64;
        let Some(severity) = over_limit_or_threshold(ratio, threshold) else { continue };
        let suggested_mib = (limit_bytes as f64 * threshold / 1_048_576.0).floor() as u64;
        hits.push(hit_at(
            &found.at,
            container,
            severity,
            format!(
                "`{}` lets V8's old generation grow to {}, {} of the {} memory limit of container \
                 `{}`: the young generation, code and native buffers need room beside it, so the \
                 process is OOMKilled before V8 gives up",
                found.flag,
                format_bytes(old_space),
                percent(ratio),
                format_bytes(limit_bytes),
                container.name
            ),
            format!(
                "set --max-old-space-size={suggested_mib}, or raise the limit to {}",
                format_bytes(limit_for_heap(old_space, threshold))
            ),
        )
        .on_flag(&found.at, &found.flag));
    }
}
