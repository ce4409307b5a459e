//! Shared by the runtime rules: the container's limit, ratios and fix wording.

use oom_core::quantity::{format_bytes, format_human};
use oom_core::runtime::HeapBasis;
use oom_core::sizing::{jvm_heap_for_limit, limit_for_heap};

use super::Hit;
use crate::engine::heaps::RuntimeView;
use crate::engine::model::{Container, Pod};
use crate::engine::process::Located;
use crate::engine::yaml::Node;
use crate::finding::Severity;

/// `87.9%`, `100%`.
pub fn percent(ratio: f64) -> String {
    let text = format!("{:.1}", ratio * 100.0);
    format!("{}%", text.strip_suffix(".0").unwrap_or(&text))
}

/// For rules that are errors at the limit and warnings above a share of it: `Some(None)` (the
/// rule's own severity) at or above the limit, `Some(Some(Warning))` above `threshold`, else
/// `None` (no finding). Exactly the threshold is fine.
pub fn over_limit_or_threshold(ratio: f64, threshold: f64) -> Option<Option<Severity>> {
    if ratio >= 1.0 {
        Some(None)
    } else if ratio > threshold + 1e-9 {
        Some(Some(Severity::Warning))
    } else {
        None
    }
}

/// A hit located where a runtime setting was written (possibly in a ConfigMap elsewhere).
pub fn hit_at<'a>(
    at: &Located<'a>,
    container: &'a Container<'a>,
    severity: Option<Severity>,
    message: String,
    help: String,
) -> Hit<'a> {
    Hit {
        node: at.node,
        source: Some(at.source),
        // A word of a script points at itself, not at the whole script.
        part: at.span.clone().map(super::Part::Within),
        severity,
        container: Some(container),
        message,
        help: Some(help.into()),
    }
}

/// The container's memory limit in bytes, or `None` when it has none (other rules report that).
pub fn limit<'a>(pod: &Pod<'a>, container: &Container<'a>) -> Option<(u64, &'a Node)> {
    pod.memory_limit(container)
}

/// What a JVM heap finding says and suggests.
pub struct JvmHeapFinding<'a> {
    pub at: &'a Located<'a>,
    /// The flag the message quotes, written somewhere in `at`.
    pub flag: String,
    pub message: String,
    pub help: String,
    pub ratio: f64,
}

/// Assesses the JVM's effective max heap against the container limit.
pub fn jvm_heap<'a>(
    pod: &Pod<'a>,
    container: &'a Container<'a>,
    heaps: &'a RuntimeView<'a>,
    heap_ratio: f64,
) -> Option<JvmHeapFinding<'a>> {
    let jvm = heaps.jvm.as_ref()?;
    let (limit_bytes, _) = limit(pod, container)?;
    let heap = jvm.options.effective_max_heap(limit_bytes)?;
    let ratio = heap.bytes as f64 / limit_bytes as f64;
    let limit_text = format_bytes(limit_bytes);
    let target = jvm_heap_for_limit(limit_bytes, heap_ratio);
    let max_ram = jvm.options.max_ram.as_ref();
    // The flag that decided the heap; when only MaxRAM changed, MaxRAM is the culprit.
    let deciding_origin = match heap.basis {
        HeapBasis::Explicit => heap.origin,
        _ => heap.origin.or(max_ram.map(|m| m.origin)),
    };
    let at = jvm.origin(deciding_origin)?;
    let flag = match heap.basis {
        HeapBasis::Explicit => heap.flag.clone(),
        _ if heap.origin.is_none() => max_ram.map(|m| m.flag.clone()),
        _ => heap.flag.clone(),
    }
    .unwrap_or_default();
    let (message, help) = match heap.basis {
        HeapBasis::Explicit => (
            format!(
                "`{}` sets the max heap to {}, {} of the {limit_text} memory limit of container `{}`",
                heap.flag.as_deref().unwrap_or("-Xmx"),
                format_bytes(heap.bytes),
                percent(ratio),
                container.name
            ),
            format!(
                "set {}, or raise the limit to {}",
                target.flag,
                format_bytes(limit_for_heap(heap.bytes, heap_ratio))
            ),
        ),
        HeapBasis::RaisedToInitial => (
            format!(
                "`{}` sets the initial heap to {}, and HotSpot raises the max heap to match it: {} \
                 of the {limit_text} memory limit of container `{}`",
                heap.flag.as_deref().unwrap_or("-Xms"),
                format_bytes(heap.bytes),
                percent(ratio),
                container.name
            ),
            format!(
                "lower -Xms to at most {} (and set {}), or raise the limit to {}",
                format_bytes(target.max_heap_bytes),
                target.flag,
                format_bytes(limit_for_heap(heap.bytes, heap_ratio))
            ),
        ),
        _ if heap.origin.is_none() && max_ram.is_some() => (
            format!(
                "`{}` makes the JVM size its heap from {} instead of the {limit_text} container \
                 limit: a {} max heap, {} of the limit",
                max_ram.map_or("-XX:MaxRAM", |m| m.flag.as_str()),
                format_bytes(heap.memory_bytes),
                format_human(heap.bytes),
                percent(ratio)
            ),
            format!("remove -XX:MaxRAM, or set {}", target.flag),
        ),
        basis => (
            format!(
                "`{}` gives a {} max heap ({basis} of {}), {} of the {limit_text} memory limit of \
                 container `{}`",
                heap.flag.as_deref().unwrap_or("the JVM defaults"),
                format_human(heap.bytes),
                format_bytes(heap.memory_bytes),
                percent(ratio),
                container.name
            ),
            format!(
                "set -XX:MaxRAMPercentage={} or lower (or {})",
                (heap_ratio * 100.0).floor(),
                target.flag
            ),
        ),
    };
    Some(JvmHeapFinding { at, flag, message, help, ratio })
}

/// Why a value still holds `$(VAR)`, for messages about values that do not parse.
pub fn unexpanded_reference_note(text: &str) -> &'static str {
    if text.contains("$(") {
        " (Kubernetes leaves a `$(VAR)` as written when no earlier env entry defines VAR)"
    } else {
        ""
    }
}

/// Why heap near the limit ends in an OOMKill, for the runtime rules' messages.
pub const OFF_HEAP: &str =
    "off-heap memory (metaspace, code cache, thread stacks, direct buffers, GC structures)";
