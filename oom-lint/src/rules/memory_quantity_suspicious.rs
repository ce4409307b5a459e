use oom_core::quantity::{Quantity, QuantityError, UnitFamily, format_bytes, format_human};

use std::borrow::Cow;

use super::CheckContext;
use super::{Hit, Rule, describe};
use crate::engine::limit_range::LimitRangeQuantity;
use crate::engine::model::{MemoryValue, Pod};
use crate::engine::yaml::Node;
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    id: "memory-quantity-suspicious",
    default_severity: Severity::Error,
    summary: "A memory quantity is invalid or almost surely a typo",
    doc: "\
Every memory quantity of a pod spec is checked the same way: container requests and limits,
pod-level `spec.resources`, `spec.overhead.memory` and every `emptyDir.sizeLimit`, and the
memory values of LimitRanges (`default`, `defaultRequest`, `max`, `min`). Values that are not
quantities at all (`1Gb`, `6GiB`, `1gi`, `12 Mi`) are rejected by the API server, and so are
negative ones; a LimitRange with one is rejected whole, so none of its item's values apply to
the namespace's pods. (A LimitRange value is reported once, not per pod; a
`# oom-lint: ignore[memory-quantity-suspicious]` comment on its line, or on the lines just above
it, suppresses it.)

Values are judged by the size they stand for. `m` means milli: `512m` is half a byte, not
512 MiB, and a plain number is bytes: `512` is 512 bytes; no container runs in less than 1 MiB
(the smallest plausible memory), so these are errors. A milli value that is a plausible size
once divided by 1000 is how the API server writes back a quantity that is not a whole number of
bytes (`1.2Gi` becomes `1288490188800m`): it is valid, and only a note suggests the friendlier
form. A value above 32 TiB (more than the largest machines have) is a typo too. `0` is valid:
for a limit it means no limit at all (see `memory-limit-missing`).

A typo's suggestion is always an ordinary container size (1 MiB to 64 GiB): the number read as
MiB (`512m` → `512Mi`), else, for a whole number of thousands, the thousands read as MiB
(`512000m` → `512Mi`, as `512000Mi` would be 500 GiB); else no guess is made.

Bad:

```yaml
resources:
  limits: {memory: 512m}
volumes:
  - name: shm
    emptyDir: {medium: Memory, sizeLimit: 6GiB}
```

Good:

```yaml
resources:
  limits: {memory: 512Mi}
volumes:
  - name: shm
    emptyDir: {medium: Memory, sizeLimit: 6Gi}
```",
    refines: None,
    check,
};

/// The least memory a container can plausibly run in. Container runtimes refuse limits of a
/// few MiB (runc's minimum is 6 MiB), so a value below 1 MiB is a unit typo, not a choice.
pub const MIN_PLAUSIBLE_MEMORY: u64 = 1 << 20;

/// The most memory one container (or volume) can plausibly be given: the largest machines sold
/// have 24–32 TiB. A value above it is a typo, and a suggestion above it is never made.
pub const MAX_PLAUSIBLE_MEMORY: u64 = 32 << 40;

/// The largest size a unit-typo suggestion may name. A suggestion is a guess at what the author
/// meant, and a guess should be an ordinary container size: `512000m` is more likely 512 MiB
/// written in thousandths than 500 GiB with a letter missing. Far below
/// [`MAX_PLAUSIBLE_MEMORY`], which bounds what a value can be, not what it probably is.
pub const MAX_SUGGESTED_MEMORY: u64 = 64 << 30;

fn check<'a>(pod: &'a Pod<'a>, _context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    let pod_values =
        [("limit", &pod.resources.limits_memory), ("request", &pod.resources.requests_memory)];
    for (section, value) in pod_values {
        if let Some(value) = value {
            report(value, None, format!("pod-level memory {section}"), hits);
        }
    }
    for container in &pod.containers {
        let values = [
            ("limit", &container.resources.limits_memory),
            ("request", &container.resources.requests_memory),
        ];
        for (what, value) in values {
            if let Some(value) = value {
                report(
                    value,
                    Some(container),
                    format!("{} memory {what}", describe(container)),
                    hits,
                );
            }
        }
    }
    if let Some(overhead) = pod.spec.path(&["overhead", "memory"]) {
        report_node(overhead, "pod overhead memory".into(), hits);
    }
    for volume in pod.spec.get("volumes").and_then(Node::as_sequence).unwrap_or_default() {
        let Some(size_limit) = volume.path(&["emptyDir", "sizeLimit"]) else { continue };
        let name = volume.get("name").and_then(Node::as_str).unwrap_or("<unnamed>");
        report_node(size_limit, format!("emptyDir `{name}` sizeLimit"), hits);
    }
}

/// A quantity that is not one of the resources the model reads (overhead, sizeLimit).
fn report_node<'a>(node: &'a Node, what: String, hits: &mut Vec<Hit<'a>>) {
    if node.is_null() {
        return;
    }
    let Some(text) = node.as_str() else {
        hits.push(Hit {
            node,
            source: None,
            part: None,
            severity: None,
            container: None,
            message: format!("{what} must be a quantity such as 512Mi, found {}", node.type_name()),
            help: Some("write a quantity such as 512Mi or 1Gi".into()),
        });
        return;
    };
    let quantity = Quantity::parse(text).map_err(|e| e.to_string());
    let Some(judgement) = judge(&MemoryValue { node, quantity }) else { return };
    hits.push(Hit {
        node,
        source: None,
        part: None,
        severity: judgement.severity,
        container: None,
        message: format!("{what} {}", judgement.message),
        help: Some(judgement.help),
    });
}

fn report<'a>(
    value: &MemoryValue<'a>,
    container: Option<&'a crate::engine::model::Container<'a>>,
    what: String,
    hits: &mut Vec<Hit<'a>>,
) {
    let Some(judgement) = judge(value) else { return };
    hits.push(Hit {
        node: value.node,
        source: None,
        part: None,
        severity: judgement.severity,
        container,
        message: format!("{what} {}", judgement.message),
        help: Some(judgement.help),
    });
}

/// The hit for a LimitRange memory value that is a problem (`max: {memory: 2Gb}`,
/// `default: {memory: 512m}`): judged as the same text in a container would be. The walk hands these over apart from the pods: a
/// LimitRange is no pod, and its typo is one finding however many pods its namespace has.
pub(super) fn limit_range_hit(value: &LimitRangeQuantity) -> Option<Hit<'_>> {
    let text = value.node.as_str()?;
    let quantity = Quantity::parse(text).map_err(|e| e.to_string());
    let judgement = judge(&MemoryValue { node: &value.node, quantity })?;
    Some(Hit {
        node: &value.node,
        source: Some(value.source),
        part: None,
        severity: judgement.severity,
        container: None,
        message: format!(
            "LimitRange `{}` `{}` {}{}",
            value.limit_range,
            value.path,
            judgement.message,
            if value.is_rejected() {
                " — the API server rejects this LimitRange, so none of the memory values of its \
                 item apply"
            } else {
                ""
            }
        ),
        help: Some(judgement.help),
    })
}

/// What is said about a quantity: an error (the rule's severity) or a note.
struct Judgement {
    /// `None` for the rule's own severity; `Some(Note)` for a valid value written oddly.
    severity: Option<Severity>,
    message: String,
    help: Cow<'static, str>,
}

/// What is wrong with a memory value, if anything; other rules skip values reported here.
/// Valid values written oddly (a note) are not problems.
pub(super) fn problem(value: &MemoryValue<'_>) -> Option<String> {
    judge(value).filter(|j| j.severity.is_none()).map(|j| j.message)
}

fn judge(value: &MemoryValue<'_>) -> Option<Judgement> {
    let text = value.node.as_str().unwrap_or_default();
    let quantity = match &value.quantity {
        Ok(quantity) => quantity,
        Err(error) => {
            let help = match Quantity::parse(text) {
                Err(QuantityError::UnknownSuffix { suffix, .. }) => corrected_unit(text, &suffix),
                _ => None,
            };
            return Some(Judgement {
                severity: None,
                message: format!("is not a valid quantity: {error}"),
                help: help.map_or(GENERIC_HELP.into(), |fixed| {
                    format!(
                        "write `{fixed}`: memory units are Ki, Mi, Gi (powers of 1024) or k, M, G"
                    )
                    .into()
                }),
            });
        }
    };
    if quantity.is_negative() {
        return Some(Judgement {
            severity: None,
            message: format!("`{text}` is negative"),
            help: GENERIC_HELP.into(),
        });
    }
    let bytes = quantity.magnitude_bytes();
    // Zero is valid: no request, or (for a limit) no limit, which memory-limit-missing reports.
    if bytes == 0 {
        return None;
    }
    if bytes > MAX_PLAUSIBLE_MEMORY {
        return Some(Judgement {
            severity: None,
            message: format!(
                "`{text}` is {}, more than any machine has: a typo of the unit?",
                format_human(bytes)
            ),
            help: GENERIC_HELP.into(),
        });
    }
    let number = &text[..text.len() - quantity.suffix().len()];
    if quantity.is_sub_byte_unit() {
        let (unit, scale) = match quantity.suffix() {
            "m" => ("milli", 1e3),
            "u" => ("micro", 1e6),
            _ => ("nano", 1e9),
        };
        let exact_bytes = number.parse::<f64>().unwrap_or(0.0) / scale;
        if bytes >= MIN_PLAUSIBLE_MEMORY {
            // How the API server writes back a quantity that is not a whole number of bytes.
            return Some(Judgement {
                severity: Some(Severity::Note),
                message: format!(
                    "`{text}` counts in {unit}bytes ({}), as the API server writes back \
                     quantities that are not whole bytes: valid, but hard to read",
                    format_human(bytes)
                ),
                help: format!("write `{}`", friendly(quantity, exact_bytes)).into(),
            });
        }
        return Some(Judgement {
            severity: None,
            message: format!(
                "`{text}` uses `{}` ({unit}): that is {exact_bytes} bytes, {}",
                quantity.suffix(),
                // Name the likely intent only when it is an ordinary size.
                if ordinary(&format!("{number}Mi")) {
                    format!("not {number} mebibytes")
                } else {
                    "less than 1Mi".to_owned()
                }
            ),
            help: typo_help(number),
        });
    }
    if quantity.family() == UnitFamily::Plain && bytes < MIN_PLAUSIBLE_MEMORY {
        return Some(Judgement {
            severity: None,
            message: format!("`{text}` is a plain number: {text} bytes, less than 1Mi"),
            help: typo_help(number),
        });
    }
    None
}

const GENERIC_HELP: &str = "write a quantity such as 512Mi or 1Gi";

/// Whether a quantity is an ordinary container size, one a suggestion may name.
fn ordinary(candidate: &str) -> bool {
    Quantity::parse(candidate)
        .ok()
        .and_then(|q| q.bytes())
        .is_some_and(|bytes| (MIN_PLAUSIBLE_MEMORY..=MAX_SUGGESTED_MEMORY).contains(&bytes))
}

/// `did you mean 512Mi?`: the number read as MiB when that is an ordinary container size (1 MiB
/// to [`MAX_SUGGESTED_MEMORY`]); else, for a whole number of thousands, the thousands read as MiB
/// (`512000m` → `512Mi`, not `512000Mi` = 500 GiB); else no guess.
fn typo_help(number: &str) -> Cow<'static, str> {
    let as_mebibytes = format!("{number}Mi");
    if ordinary(&as_mebibytes) {
        return format!(
            "did you mean `{as_mebibytes}`? Memory uses Ki, Mi, Gi (powers of 1024) or k, M, G"
        )
        .into();
    }
    let thousands = number
        .parse::<u64>()
        .ok()
        .filter(|n| n % 1000 == 0)
        .map(|n| format!("{}Mi", n / 1000))
        .filter(|candidate| ordinary(candidate));
    match thousands {
        Some(candidate) => {
            let literal = Quantity::parse(&as_mebibytes).ok().and_then(|q| q.bytes());
            let literal =
                literal.map(|b| format!(" (`{as_mebibytes}` would be {})", format_human(b)));
            format!(
                "did you mean `{candidate}`{}? Memory uses Ki, Mi, Gi (powers of 1024) or k, M, G",
                literal.unwrap_or_default()
            )
            .into()
        }
        None => GENERIC_HELP.into(),
    }
}

/// `1Gb` → `1Gi`, `6GiB` → `6Gi`, `512MB` → `512Mi`: the unit the author meant, when clear.
fn corrected_unit(text: &str, suffix: &str) -> Option<String> {
    let number = text.strip_suffix(suffix)?;
    let unit = match suffix.to_ascii_lowercase().as_str() {
        "k" | "kb" | "kib" => "Ki",
        "mb" | "mib" => "Mi",
        "g" | "gb" | "gib" => "Gi",
        "t" | "tb" | "tib" => "Ti",
        "p" | "pb" | "pib" => "Pi",
        _ => return None,
    };
    let fixed = format!("{number}{unit}");
    Quantity::parse(&fixed).is_ok().then_some(fixed)
}

/// The shortest common form of a sub-byte quantity's size (`1288490188800m` → `1.2Gi`) that
/// stands for the same whole bytes, else the whole bytes.
fn friendly(quantity: &Quantity, exact_bytes: f64) -> String {
    const UNITS: [(&str, f64); 8] = [
        ("Ti", 1_099_511_627_776.0),
        ("Gi", 1_073_741_824.0),
        ("Mi", 1_048_576.0),
        ("Ki", 1024.0),
        ("T", 1e12),
        ("G", 1e9),
        ("M", 1e6),
        ("k", 1e3),
    ];
    let same = |candidate: &str| {
        Quantity::parse(candidate).ok().and_then(|q| q.bytes()) == quantity.bytes()
    };
    UNITS
        .iter()
        .filter(|(_, size)| exact_bytes >= *size)
        .flat_map(|(unit, size)| {
            (0..=3).map(move |decimals| {
                let text = format!("{:.*}", decimals, exact_bytes / size);
                let text = if text.contains('.') {
                    text.trim_end_matches('0').trim_end_matches('.').to_owned()
                } else {
                    text
                };
                format!("{text}{unit}")
            })
        })
        .find(|candidate| same(candidate))
        .unwrap_or_else(|| quantity.bytes().map_or_else(String::new, format_bytes))
}

#[cfg(test)]
mod tests {
    use super::typo_help;

    #[test]
    fn suggestions_are_ordinary_container_sizes() {
        let suggested = |number: &str| {
            let help = typo_help(number);
            help.split('`').nth(1).map(str::to_owned).filter(|_| help.starts_with("did you mean"))
        };
        assert_eq!(suggested("512").as_deref(), Some("512Mi"));
        assert_eq!(suggested("65536").as_deref(), Some("65536Mi")); // 64Gi: still ordinary
        // 500 GiB with a letter missing is less likely than 512 MiB written in thousandths.
        assert_eq!(suggested("512000").as_deref(), Some("512Mi"));
        assert!(typo_help("512000").contains("`512000Mi` would be 500 GiB"));
        assert_eq!(suggested("100000").as_deref(), Some("100Mi"));
        // No ordinary reading: no guess.
        assert_eq!(suggested("999999"), None);
        assert_eq!(suggested("512000000000"), None);
        assert_eq!(suggested("0.5"), None);
    }
}
