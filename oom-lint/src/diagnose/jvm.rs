//! `jvm-native-memory`: a JVM whose effective max heap takes more than 75 % of the container
//! limit, leaving too little for metaspace, thread stacks, code cache, direct buffers and GC
//! structures; with heap series, the container at its limit while the heap is not.
//!
//! Bad: `-Xmx1g` under a `1Gi` limit. Good: `-Xmx768m` (or `-XX:MaxRAMPercentage=75.0`).

use oom_core::sizing::{jvm_heap_for_limit, limit_for_heap};

use super::join::Case;
use super::{Cause, Confidence, Evidence, Finding, Fix};

/// The share of the limit a JVM heap may take (the `size` command's heap ratio).
const HEAP_SHARE: f64 = 0.75;
/// A heap at this share of the limit or more leaves no room at all: `high` without series.
const HEAP_SHARE_CERTAIN: f64 = 0.9;
/// With series: the container at this share of its limit...
const CONTAINER_AT_LIMIT: f64 = 0.9;
/// ...while the heap stays below this share of its max: the rest is native memory.
const HEAP_BELOW_MAX: f64 = 0.9;

pub fn check(case: &Case<'_>) -> Option<Finding> {
    let manifest = case.manifest?;
    let heap = manifest.max_heap.as_ref()?;
    let limit = case.limit.as_ref()?;
    if manifest.runtime != Some("jvm") {
        return None;
    }
    let share = heap.bytes as f64 / limit.bytes as f64;
    if share <= HEAP_SHARE {
        return None;
    }
    let mut evidence = vec![
        Evidence::at(
            &heap.origin,
            format!(
                "JVM max heap {} ({}) is {:.0} % of the limit",
                super::human(heap.bytes as f64),
                heap.flag,
                share * 100.0
            ),
        ),
        Evidence::at(&limit.origin, format!("memory limit {}", limit.text)),
    ];
    let mut confidence =
        if share >= HEAP_SHARE_CERTAIN { Confidence::High } else { Confidence::Medium };
    if let (Some(usage), Some(heap_usage)) = (&case.usage, &case.heap_usage) {
        let container_share = usage.analysis.peak_bytes / limit.bytes as f64;
        let heap_share = heap_usage.analysis.peak_bytes / heap.bytes as f64;
        if container_share >= CONTAINER_AT_LIMIT && heap_share < HEAP_BELOW_MAX {
            confidence = Confidence::High;
            evidence.push(Evidence::series(
                usage,
                format!("container memory peaks at {:.0} % of the limit", container_share * 100.0),
            ));
            evidence.push(Evidence::series(
                heap_usage,
                format!(
                    "while the heap peaks at {:.0} % of its max: the rest is native memory",
                    heap_share * 100.0
                ),
            ));
        }
    }
    let fixed = jvm_heap_for_limit(limit.bytes, HEAP_SHARE);
    let raise = oom_core::quantity::format_bytes(limit_for_heap(heap.bytes, HEAP_SHARE));
    let name = &case.container.name;
    Some(Finding {
        cause: Cause::JvmNativeMemory,
        confidence,
        why: format!("the JVM heap takes {:.0} % of the limit", share * 100.0),
        evidence,
        fix: Fix {
            summary: format!(
                "`{name}`'s heap ({}) leaves {} of the {} limit for metaspace, threads and native memory. Set `{}` (75 % of the limit), or keep the heap and raise the limit to {raise}.",
                heap.flag,
                super::human(limit.bytes.saturating_sub(heap.bytes) as f64),
                limit.text,
                fixed.flag
            ),
            flags: vec![fixed.flag.clone(), "-XX:MaxRAMPercentage=75.0".into()],
            steps: vec![
                format!("Replace `{}` with `{}` where it is set ({}), or drop it and use `-XX:MaxRAMPercentage=75.0`.", heap.flag, fixed.flag, heap.origin),
                format!("Or keep the heap and raise the memory limit to {raise}."),
                "Measure native memory if it still dies: `-XX:NativeMemoryTracking=summary` and `jcmd 1 VM.native_memory summary`.".into(),
            ],
            ..Fix::default()
        },
    })
}
