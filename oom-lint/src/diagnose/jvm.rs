//! `jvm-native-memory`: a runtime whose heap setting takes more of the container limit than the
//! heap may, leaving too little for what lives outside it. For a JVM: an effective max heap
//! above the `heap-ratio` setting (75 % by default) of the limit leaves too little for
//! metaspace, thread stacks, code cache, direct buffers and GC structures; with heap series,
//! the container at its limit while the heap is not. The same mis-sizing in the other runtimes
//! whose heap settings the engine resolves carries the same id (the JSON's `runtime` field
//! says which, and [`Cause::label`] names the runtime's setting in every human-facing report): Node.js `--max-old-space-size` above the heap ratio (V8's young generation,
//! code and buffers need room beside it), .NET `DOTNET_GCHeapHardLimit` above it, and Go's
//! `GOMEMLIMIT` above the `go-memlimit-ratio` setting (a soft limit at or above the container
//! limit never makes the collector work before the kernel kills).
//!
//! Bad: `-Xmx1g` under a `1Gi` limit. Good: `-Xmx768m` (or `-XX:MaxRAMPercentage=75.0`).

use oom_core::sizing::{jvm_heap_for_limit, limit_for_heap};

use super::join::Case;
use super::{Cause, Confidence, Evidence, Finding, Fix};
use crate::incidents::{Heap, Memory};

/// A heap at this share of the limit or more leaves no room at all: `high` without series.
const HEAP_SHARE_CERTAIN: f64 = 0.9;
/// A Go soft limit at this share of the limit or more never runs the collector in time.
const GO_SOFT_LIMIT_CERTAIN: f64 = 1.0;
/// With series: the container at this share of its limit...
const CONTAINER_AT_LIMIT: f64 = 0.9;
/// ...while the heap stays below this share of its max: the rest is native memory.
const HEAP_BELOW_MAX: f64 = 0.9;

const MIB: u64 = 1 << 20;

pub fn check(case: &Case<'_>) -> Option<Finding> {
    let manifest = case.manifest?;
    let heap = manifest.max_heap.as_ref()?;
    let limit = case.limit.as_ref()?;
    match manifest.runtime? {
        "jvm" => jvm(case, heap, limit),
        runtime @ ("node" | "go" | "dotnet") => other_runtime(case, runtime, heap, limit),
        _ => None,
    }
}

fn jvm(case: &Case<'_>, heap: &Heap, limit: &Memory) -> Option<Finding> {
    let ratio = case.settings.heap_ratio;
    let share = heap.bytes as f64 / limit.bytes as f64;
    if share <= ratio {
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
    let percent = ratio * 100.0;
    let fixed = jvm_heap_for_limit(limit.bytes, ratio);
    let ram_percentage = format!("-XX:MaxRAMPercentage={percent:.1}");
    let raise = oom_core::quantity::format_bytes(limit_for_heap(heap.bytes, ratio));
    let name = &case.container.name;
    Some(Finding {
        cause: Cause::JvmNativeMemory,
        confidence,
        why: format!("the JVM heap takes {:.0} % of the limit", share * 100.0),
        evidence,
        fix: Fix {
            summary: format!(
                "`{name}`'s heap ({}) leaves {} of the {} limit for metaspace, threads and native memory. Set `{}` ({percent:.0} % of the limit), or keep the heap and raise the limit to {raise}.",
                heap.flag,
                super::human(limit.bytes.saturating_sub(heap.bytes) as f64),
                limit.text,
                fixed.flag
            ),
            flags: vec![fixed.flag.clone(), ram_percentage.clone()],
            steps: vec![
                format!("Replace `{}` with `{}` where it is set ({}), or drop it and use `{ram_percentage}`.", heap.flag, fixed.flag, heap.origin),
                format!("Or keep the heap and raise the memory limit to {raise}."),
                "Measure native memory if it still dies: `-XX:NativeMemoryTracking=summary` and `jcmd 1 VM.native_memory summary`.".into(),
            ],
            ..Fix::default()
        },
    })
}

/// Node.js, Go and .NET: the heap setting as written against the limit.
fn other_runtime(case: &Case<'_>, runtime: &str, heap: &Heap, limit: &Memory) -> Option<Finding> {
    let (ratio, certain) = match runtime {
        "go" => (case.settings.go_memlimit_ratio, GO_SOFT_LIMIT_CERTAIN),
        _ => (case.settings.heap_ratio, HEAP_SHARE_CERTAIN),
    };
    let share = heap.bytes as f64 / limit.bytes as f64;
    if share <= ratio {
        return None;
    }
    let confidence = if share >= certain { Confidence::High } else { Confidence::Medium };
    let target = (limit.bytes as f64 * ratio).floor() as u64;
    let target_mib = target / MIB;
    let (what, room_for, flag) = match runtime {
        "node" => (
            "V8's old generation",
            "the young generation, code and native buffers",
            format!("--max-old-space-size={target_mib}"),
        ),
        "go" => (
            "Go's soft memory limit",
            "the garbage collector to act before the kernel kills",
            format!("GOMEMLIMIT={target_mib}MiB"),
        ),
        _ => (
            "the .NET GC heap hard limit",
            "the runtime's native memory",
            format!("DOTNET_GCHeapHardLimit={:#X}", target_mib * MIB),
        ),
    };
    let raise = oom_core::quantity::format_bytes(limit_for_heap(heap.bytes, ratio));
    let name = &case.container.name;
    let evidence = vec![
        Evidence::at(
            &heap.origin,
            format!(
                "{what} {} (`{}`) is {:.0} % of the limit",
                super::human(heap.bytes as f64),
                heap.flag,
                share * 100.0
            ),
        ),
        Evidence::at(&limit.origin, format!("memory limit {}", limit.text)),
    ];
    Some(Finding {
        cause: Cause::JvmNativeMemory,
        confidence,
        why: format!("{what} is set to {:.0} % of the limit", share * 100.0),
        evidence,
        fix: Fix {
            summary: format!(
                "`{name}`'s `{}` lets {what} reach {} of the {} limit, leaving no room for {room_for}. Set `{flag}` ({:.0} % of the limit), or keep it and raise the limit to {raise}.",
                heap.flag,
                super::human(heap.bytes as f64),
                limit.text,
                ratio * 100.0
            ),
            flags: vec![flag.clone()],
            steps: vec![
                format!("Replace `{}` with `{flag}` where it is set ({}).", heap.flag, heap.origin),
                format!("Or keep the setting and raise the memory limit to {raise}."),
            ],
            ..Fix::default()
        },
    })
}
