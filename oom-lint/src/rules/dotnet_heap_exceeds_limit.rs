use oom_core::quantity::{Quantity, format_bytes, format_human};
use oom_core::runtime::{DotnetHex, DotnetPercent, dotnet_hard_limit_percent};

use super::CheckContext;
use super::runtime_support::{hit_at, limit, over_limit_or_threshold, percent};
use super::{Hit, Rule};
use crate::engine::heaps::Found;
use crate::engine::model::{Container, Pod};
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    id: "dotnet-heap-exceeds-limit",
    default_severity: Severity::Error,
    summary: "The .NET GC heap hard limit is near or above the container limit, or not what was written",
    doc: "\
`DOTNET_GCHeapHardLimit` (bytes) and `DOTNET_GCHeapHardLimitPercent` (percent of the limit) set
the managed heap's hard limit. A hard limit at or above the container limit lets the managed
heap alone fill the container, so it is OOMKilled rather than throwing `OutOfMemoryException`
(error). Above 75 % of the limit (warning; `settings.heap-ratio`, as for the JVM and Node.js)
the runtime's own memory, native allocations and thread stacks beside the managed heap can still
push it over. In a container with a memory limit .NET already defaults to 75 % of it; set these
only to go lower.

The runtime reads these variables its own way, and this rule models it (`GetIntConfigValue` in
.NET's `gcenv.ee.cpp`, `gc_heap::compute_hard_limit` in `gc.cpp`):

- values are **hexadecimal**, with or without `0x`: `536870912` is 0x536870912 (about
  20.9 GiB), not 512 MiB;
- reading **stops at the first character that is not a hexadecimal digit**: `512Mi` is 0x512,
  1298 bytes, and `Mi` is ignored (error: a Kubernetes quantity is never what the runtime
  reads); a value with no hexadecimal digit at all is ignored (warning);
- `GCHeapHardLimitPercent` applies only from 0x1 to 0x63 (1–99 %) and only when
  `GCHeapHardLimit` is not set; otherwise the runtime ignores it (warning) and keeps its
  default: `75` is 0x75 = 117 % and `64` is 0x64 = 100 %, both ignored;
- a percent written with decimal digits only, whose hexadecimal reading differs from its decimal
  one, applies but not as written (warning): `50` is 0x50 = 80 %; for 50 % write `0x32`. A
  byte count written without `0x` is taken as meant in hexadecimal unless it reaches the
  limit, as `536870912` does.

`DOTNET_` names win over `COMPlus_` ones. Only environment variables are read: the
`System.GC.HeapHardLimit` settings of `runtimeconfig.json` (decimal there) are not in a
manifest. A value from a Secret cannot be known offline and is never reported.

Bad:

```yaml
env:
  - name: DOTNET_GCHeapHardLimit
    value: 512Mi    # read as 0x512: 1298 bytes
```

Good:

```yaml
env:
  - name: DOTNET_GCHeapHardLimit
    value: \"0x20000000\" # 512 MiB
```",
    refines: None,
    check,
};

/// How a value reads, for messages: `0x512 = 1298 bytes`. The hexadecimal figure always has
/// its `0x`, so a decimal figure is never taken for it.
fn reading(read: &DotnetHex) -> String {
    let digits = read.read.strip_prefix("0x").or_else(|| read.read.strip_prefix("0X"));
    format!("0x{}", digits.unwrap_or(&read.read))
}

/// `, and ignores `Mi`` when the runtime stopped before the end of the value.
fn ignored_tail(read: &DotnetHex) -> String {
    if read.ignored.is_empty() { String::new() } else { format!(" and ignores `{}`", read.ignored) }
}

/// `1 byte`, `1298 bytes`.
fn byte_count(bytes: u64) -> String {
    oom_core::text::count(bytes, "byte", "bytes")
}

/// ` (the downward API's ...)` when the value was derived rather than written.
fn via<T>(found: &Found<'_, T>) -> String {
    found.via.as_deref().map(|how| format!(" ({how})")).unwrap_or_default()
}

/// The value as written, trimmed.
fn written<T>(found: &Found<'_, T>) -> String {
    found.at.text.trim().to_owned()
}

fn check<'a>(pod: &'a Pod<'a>, context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    for container in &pod.containers {
        let runtime = context.heaps(container);
        let limit_bytes = limit(pod, container).map(|(bytes, _)| bytes);
        // 0 means "not set" to the GC.
        let hard_limit_set = runtime
            .dotnet_hard_limit
            .as_ref()
            .and_then(|found| found.value.as_ref())
            .is_some_and(|read| read.value > 0);
        let heap_ratio = context.model.settings.heap_ratio;
        if let Some(found) = &runtime.dotnet_hard_limit {
            hard_limit(found, limit_bytes, heap_ratio, container, hits);
        }
        if let Some(found) = &runtime.dotnet_hard_limit_percent {
            let has_limit = limit_bytes.is_some();
            hard_limit_percent(found, hard_limit_set, has_limit, heap_ratio, container, hits);
        }
    }
}

fn hard_limit<'a>(
    found: &'a Found<'a, Option<DotnetHex>>,
    limit_bytes: Option<u64>,
    heap_ratio: f64,
    container: &'a Container<'a>,
    hits: &mut Vec<Hit<'a>>,
) {
    let text = written(found);
    let Some(read) = &found.value else {
        hits.push(no_hex_number(
            found,
            container,
            "write the limit in hexadecimal bytes, e.g. 0x20000000 for 512 MiB",
        ));
        return;
    };
    if !read.ignored.is_empty() {
        let meant = Quantity::parse(&text).ok().and_then(|q| q.bytes()).filter(|&b| b > 0);
        let help = match meant {
            Some(bytes) => {
                format!("write {bytes:#X} for {} ({bytes} bytes)", format_bytes(bytes))
            }
            None => "write the limit in hexadecimal bytes, e.g. 0x20000000 for 512 MiB".to_owned(),
        };
        hits.push(hit_at(
            &found.at,
            container,
            None,
            format!(
                "the .NET runtime reads `{text}` of `{}` as hexadecimal {} = {}{}: the GC heap \
                 hard limit of container `{}` is {}, not what was written",
                found.flag.split('=').next().unwrap_or_default(),
                reading(read),
                byte_count(read.value),
                ignored_tail(read),
                container.name,
                byte_count(read.value)
            ),
            help,
        ));
        return;
    }
    let Some(limit_bytes) = limit_bytes else { return };
    let ratio = read.value as f64 / limit_bytes as f64;
    let Some(severity) = over_limit_or_threshold(ratio, heap_ratio) else { return };
    let suggested = (limit_bytes as f64 * heap_ratio) as u64;
    if severity.is_some() {
        hits.push(hit_at(
            &found.at,
            container,
            severity,
            format!(
                "`{}`{} is hexadecimal {} = {} ({}), {} of the {} memory limit of container `{}`: \
                 above {}, the runtime's own memory, native allocations and thread stacks beside \
                 the managed heap can push the container over its limit",
                found.flag,
                via(found),
                reading(read),
                byte_count(read.value),
                format_human(read.value),
                percent(ratio),
                format_bytes(limit_bytes),
                container.name,
                percent(heap_ratio)
            ),
            format!(
                "set it to {suggested:#X} for {} ({}), or raise the limit",
                percent(heap_ratio),
                format_bytes(suggested)
            ),
        ));
        return;
    }
    let decimal_hint = match text.parse::<u64>() {
        Ok(decimal) if read.looks_decimal() && decimal > 0 => format!(
            "; if {decimal} bytes ({}) was meant, write {decimal:#X}",
            format_bytes(decimal)
        ),
        _ => String::new(),
    };
    hits.push(hit_at(
        &found.at,
        container,
        None,
        format!(
            "`{}`{} is hexadecimal {} = {} ({}), at or above the {} memory limit of container \
             `{}`: the managed heap alone can fill the container{decimal_hint}",
            found.flag,
            via(found),
            reading(read),
            byte_count(read.value),
            format_human(read.value),
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

fn hard_limit_percent<'a>(
    found: &'a Found<'a, Option<DotnetHex>>,
    hard_limit_set: bool,
    has_limit: bool,
    heap_ratio: f64,
    container: &'a Container<'a>,
    hits: &mut Vec<Hit<'a>>,
) {
    let text = written(found);
    let Some(read) = &found.value else {
        hits.push(no_hex_number(found, container, "write the percent in hexadecimal: 0x4B is 75%"));
        return;
    };
    let default = if has_limit {
        "the GC keeps its default hard limit of 75% of the container limit"
    } else {
        "the GC keeps its default (no hard limit without a container limit)"
    };
    let (message, help) = match dotnet_hard_limit_percent(read.value, hard_limit_set) {
        DotnetPercent::OverriddenByHardLimit => (
            format!(
                "`{}` in container `{}` is ignored: GCHeapHardLimit is also set, and the runtime \
                 uses the percent only without it",
                found.flag, container.name
            ),
            "remove one of the two settings".to_owned(),
        ),
        // 0 is how the setting is switched off.
        DotnetPercent::OutOfRange(0) if read.ignored.is_empty() => return,
        DotnetPercent::OutOfRange(percent) => {
            // A percent meant in decimal: the help shows it in hexadecimal, not another value.
            let decimal = text
                .parse::<u8>()
                .ok()
                .filter(|decimal| read.looks_decimal() && (1..100).contains(decimal));
            let decimal_hint = decimal
                .map(|decimal| format!("; for {decimal}%, write {decimal:#X}"))
                .unwrap_or_default();
            let help = decimal.map_or_else(
                || "write the percent in hexadecimal: 0x4B is 75%".to_owned(),
                |decimal| format!("write the percent in hexadecimal: {decimal:#X} is {decimal}%"),
            );
            (
                format!(
                    "the .NET runtime reads `{}` as hexadecimal {} = {percent}%{}, outside the \
                     1–99% it accepts, so it ignores the setting in container `{}`: {default}\
                     {decimal_hint}",
                    found.flag,
                    reading(read),
                    ignored_tail(read),
                    container.name
                ),
                help,
            )
        }
        DotnetPercent::Applied(percent) if !read.ignored.is_empty() => (
            format!(
                "the .NET runtime reads `{}` as hexadecimal {} = {percent}%{}: the GC heap hard \
                 limit of container `{}` is {percent}% of its memory limit",
                found.flag,
                reading(read),
                ignored_tail(read),
                container.name
            ),
            "write the percent in hexadecimal only: 0x4B is 75%".to_owned(),
        ),
        DotnetPercent::Applied(percent) => {
            // `50` means 50 % to whoever wrote it; the runtime reads 0x50 = 80 %.
            let decimal = text.parse::<u64>().ok().filter(|_| read.looks_decimal());
            if let Some(decimal) = decimal.filter(|&d| d != u64::from(percent)) {
                let hint = if (1..100).contains(&decimal) {
                    format!("for {decimal}% write {decimal:#X}")
                } else {
                    "write the percent in hexadecimal: 0x4B is 75%".to_owned()
                };
                (
                    format!(
                        "the .NET runtime reads `{}` as hexadecimal {} = {percent}%, not \
                         {decimal}%: the GC heap hard limit of container `{}` is {percent}% of its \
                         memory limit",
                        found.flag,
                        reading(read),
                        container.name
                    ),
                    hint,
                )
            } else if has_limit && f64::from(percent) > heap_ratio * 100.0 + 1e-9 {
                let suggested = (heap_ratio * 100.0).floor() as u32;
                (
                    format!(
                        "`{}` sets the GC heap hard limit of container `{}` to {percent}% of its \
                         memory limit: above {}, the runtime's own memory, native allocations \
                         and thread stacks beside the managed heap can push the container over \
                         its limit",
                        found.flag,
                        container.name,
                        super::runtime_support::percent(heap_ratio)
                    ),
                    format!("set it to {suggested:#X} ({suggested}%) or lower"),
                )
            } else {
                return;
            }
        }
    };
    hits.push(hit_at(&found.at, container, Some(Severity::Warning), message, help));
}

/// A value with no hexadecimal digit at all: the runtime ignores it (a warning, with `help`).
fn no_hex_number<'a>(
    found: &'a Found<'a, Option<DotnetHex>>,
    container: &'a Container<'a>,
    help: &str,
) -> Hit<'a> {
    hit_at(
        &found.at,
        container,
        Some(Severity::Warning),
        format!(
            "`{}` in container `{}` holds no hexadecimal number, so the runtime ignores it",
            found.flag, container.name
        ),
        help.to_owned(),
    )
}
