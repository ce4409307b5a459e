use super::CheckContext;
use super::memory_quantity_suspicious::problem;
use super::{Hit, Rule, describe};
use crate::engine::admission::{AdmittedValue, LimitRangeValue, Origin, written_bytes};
use crate::engine::model::{Container, Pod};
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    refines: None,
    id: "memory-outside-limitrange",
    default_severity: Severity::Error,
    summary: "A memory value is outside the namespace's LimitRange min, max or limit/request ratio",
    doc: "\
A LimitRange of type `Container` with `max`, `min` or `maxLimitRequestRatio` for memory makes the
API server reject (403 Forbidden) any pod whose container limit is above `max`, whose request
or limit is below `min`, or whose limit divided by its request is above the ratio; a LimitRange
of type `Pod` bounds the sums over the pod's containers the same way. The values compared are
the admitted ones: a request copied from the limit, a limit or request filled in from the
LimitRange's defaults. The LimitRange may be in another file of the input; the finding points
at the container's value and names the LimitRange.

Bad, in a namespace whose LimitRange has `max: {memory: 1Gi}`:

```yaml
resources:
  limits: {memory: 2Gi}
```

Good:

```yaml
resources:
  requests: {memory: 768Mi}
  limits: {memory: 1Gi}
```",
    check,
};

fn check<'a>(pod: &'a Pod<'a>, _context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    let limits = &pod.admission.limits;
    for container in &pod.containers {
        let Some(admitted) = pod.admission.containers.get(container.index) else { continue };
        // Invalid values are reported once, by memory-quantity-suspicious.
        let resources = &container.resources;
        if [&resources.limits_memory, &resources.requests_memory]
            .into_iter()
            .flatten()
            .any(|v| problem(v).is_some())
        {
            continue;
        }
        let limit = admitted.limit.as_ref().filter(|l| l.origin != Origin::PodLevel);
        let request = admitted.request.as_ref();
        if let (Some(max), Some(limit)) = (&limits.max, limit) {
            bound(hits, container, limit, "limit", max, limit.bytes > max.bytes, "above");
        }
        if let (Some(max), Some(request)) = (&limits.max, request) {
            bound(hits, container, request, "request", max, request.bytes > max.bytes, "above");
        }
        if let (Some(min), Some(request)) = (&limits.min, request) {
            bound(hits, container, request, "request", min, request.bytes < min.bytes, "below");
        }
        if let (Some(min), Some(limit)) = (&limits.min, limit) {
            bound(hits, container, limit, "limit", min, limit.bytes < min.bytes, "below");
        }
        if let (Some(ratio), Some(limit), Some(request)) = (&limits.max_ratio, limit, request)
            && request.bytes > 0
            && limit.bytes > 0
        {
            let observed = limit.bytes as f64 / request.bytes as f64;
            // Point at the value the author wrote: the limit, else the request.
            let at = [limit, request].into_iter().find_map(|v| v.node);
            if observed > ratio.ratio + 1e-9
                && let Some(node) = at
            {
                hits.push(Hit {
                    source: None,
                    part: None,
                    severity: None,
                    node,
                    container: Some(container),
                    message: format!(
                        "{}: memory limit {} over request {} is a ratio of {observed:.2}, above \
                         the LimitRange `{}` maxLimitRequestRatio {}: the API server rejects the \
                         pod",
                        describe(container),
                        limit.describe(),
                        request.describe(),
                        ratio.limit_range,
                        ratio.text,
                    ),
                    help: Some(
                        "raise the request or lower the limit so that limit / request stays \
                         within the ratio"
                            .into(),
                    ),
                });
            }
        }
    }
    pod_sums(pod, hits);
}

/// A container value against a LimitRange bound; only values written in the pod are reported
/// (a value that comes from the LimitRange itself cannot break it: the API server validates the
/// LimitRange's own defaults against its bounds).
fn bound<'a>(
    hits: &mut Vec<Hit<'a>>,
    container: &'a Container<'a>,
    value: &AdmittedValue<'a>,
    what: &str,
    bound: &LimitRangeValue,
    broken: bool,
    direction: &str,
) {
    // A request copied from the limit is the limit's value, reported with the limit.
    if value.origin != Origin::Written {
        return;
    }
    let Some(node) = value.node.filter(|_| broken) else { return };
    hits.push(Hit {
        source: None,
        part: None,
        severity: None,
        node,
        container: Some(container),
        message: format!(
            "{}: memory {what} {} is {direction} {} for a container: the API server \
             rejects the pod",
            describe(container),
            written_bytes(Some(node), value.bytes),
            bound.describe(),
        ),
        help: Some(
            format!(
                "keep the memory {what} within the namespace's LimitRange `{}`, or change the \
                 LimitRange",
                bound.limit_range
            )
            .into(),
        ),
    });
}

/// LimitRange type `Pod`: the sum of the containers' limits (plus the pod's overhead) against
/// `max`, the sum of their requests against `min`. Init containers run one at a time, so the
/// largest of theirs counts when it is above the sum.
fn pod_sums<'a>(pod: &'a Pod<'a>, hits: &mut Vec<Hit<'a>>) {
    let limits = &pod.admission.limits;
    let overhead = pod.admission.overhead.as_ref().map_or(0, |o| o.bytes);
    let total = |pick: &dyn Fn(usize) -> Option<u64>| -> Option<u64> {
        let mut sum: u64 = 0;
        let mut init_max: u64 = 0;
        for container in &pod.containers {
            let bytes = pick(container.index)?;
            if container.role == crate::engine::model::ContainerRole::Init {
                init_max = init_max.max(bytes);
            } else {
                sum = sum.saturating_add(bytes);
            }
        }
        Some(sum.max(init_max).saturating_add(overhead))
    };
    let anchor = pod.containers.iter().find_map(|c| {
        let admitted = pod.admission.containers.get(c.index)?;
        admitted.limit.as_ref().and_then(|l| l.node.filter(|_| l.origin == Origin::Written))
    });
    if let (Some(max), Some(node)) = (&limits.pod_max, anchor)
        && let Some(sum) =
            total(&|i| pod.admission.containers.get(i)?.limit.as_ref().map(|l| l.bytes))
        && sum > max.bytes
    {
        hits.push(Hit {
            source: None,
            part: None,
            severity: None,
            node,
            container: None,
            message: format!(
                "the pod's memory limits add up to {}{}, above {} for a pod: the API server \
                 rejects the pod",
                written_bytes(None, sum),
                if overhead > 0 { " (overhead included)" } else { "" },
                max.describe(),
            ),
            help: Some("lower the containers' memory limits, or change the LimitRange".into()),
        });
    }
}
