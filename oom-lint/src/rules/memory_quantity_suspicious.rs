use oom_core::quantity::UnitFamily;

use std::borrow::Cow;

use super::CheckContext;
use super::{Hit, Rule, describe};
use crate::engine::model::{MemoryValue, Pod};
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    id: "memory-quantity-suspicious",
    default_severity: Severity::Error,
    summary: "A memory request or limit is invalid or almost surely a typo",
    doc: "\
`m` means milli: `512m` is half a byte, not 512 MiB, and the container is OOMKilled at once or
never scheduled as intended. A plain number is bytes: `512` is 512 bytes. Values that are not
quantities at all (`1Gb`, `1gi`, `12 Mi`) are rejected by the API server. Negative values too.

Bad:

```yaml
resources:
  limits: {memory: 512m}
```

Good:

```yaml
resources:
  limits: {memory: 512Mi}
```",
    check,
};

const MIB: u64 = 1 << 20;

fn check<'a>(pod: &'a Pod<'a>, _context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    let pod_values =
        [("limits", &pod.resources.limits_memory), ("requests", &pod.resources.requests_memory)];
    for (section, value) in pod_values {
        if let Some((value, problem)) = value.as_ref().and_then(|v| problem(v).map(|p| (v, p))) {
            hits.push(Hit {
                source: None,
                severity: None,
                node: value.node,
                container: None,
                message: format!("pod-level memory {section} {problem}"),
                help: help(value),
            });
        }
    }
    for container in &pod.containers {
        let values = [
            ("limit", &container.resources.limits_memory),
            ("request", &container.resources.requests_memory),
        ];
        for (what, value) in values {
            let Some(value) = value else { continue };
            let Some(problem) = problem(value) else { continue };
            hits.push(Hit {
                source: None,
                severity: None,
                node: value.node,
                container: Some(container),
                message: format!("{} memory {what} {problem}", describe(container)),
                help: help(value),
            });
        }
    }
}

/// What is wrong with a memory value, if anything; other rules skip values reported here.
pub(super) fn problem(value: &MemoryValue<'_>) -> Option<String> {
    let text = value.node.as_str().unwrap_or_default();
    let quantity = match &value.quantity {
        Ok(quantity) => quantity,
        Err(error) => return Some(format!("is not a valid quantity: {error}")),
    };
    if quantity.is_negative() {
        return Some(format!("`{text}` is negative"));
    }
    if quantity.is_sub_byte_unit() {
        let (unit, scale) = match quantity.suffix() {
            "m" => ("milli", 1e3),
            "u" => ("micro", 1e6),
            _ => ("nano", 1e9),
        };
        let number: f64 = text[..text.len() - 1].parse().unwrap_or(0.0);
        return Some(format!(
            "`{text}` uses `{}` ({unit}): that is {} bytes, not {} mebibytes",
            quantity.suffix(),
            number / scale,
            &text[..text.len() - 1]
        ));
    }
    if quantity.family() == UnitFamily::Plain && quantity.magnitude_bytes() < MIB {
        return Some(format!("`{text}` is a plain number: {text} bytes, less than 1Mi"));
    }
    None
}

fn help(value: &MemoryValue<'_>) -> Option<Cow<'static, str>> {
    let text = value.node.as_str().unwrap_or_default();
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let looks_numeric = !digits.is_empty() && digits.parse::<f64>().is_ok_and(|v| v > 0.0);
    Some(if looks_numeric {
        format!("did you mean `{digits}Mi`? Memory uses Ki, Mi, Gi (powers of 1024) or k, M, G")
            .into()
    } else {
        "write a quantity such as 512Mi or 1Gi".into()
    })
}
