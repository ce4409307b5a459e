//! What admission works with, as data: the namespace's LimitRange values (read in the walk's
//! first pass and kept owned, with the source and position of each value for provenance) and
//! the admitted values of a pod. [`super::admission`] computes them; the model stores them; the
//! rules read them. Its own module so that the model does not depend on the computation.

use compact_str::CompactString;
use oom_core::quantity::Quantity;

use super::source::{InputError, Position};
use super::yaml::Node;

/// One memory value of a LimitRange, owned: the LimitRange's tree is dropped after the first pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitRangeValue {
    /// The LimitRange's name.
    pub limit_range: CompactString,
    /// The field the value was written in (`default`, `max`, ...).
    pub field: &'static str,
    /// The field the value applies as, when the API server defaulted it from another field
    /// (`default` from `max`, `defaultRequest` from `default` or `min`).
    pub applies_as: &'static str,
    /// The value as written.
    pub text: CompactString,
    pub bytes: u64,
    /// Where it was written: the LimitRange's source and the value's position.
    pub source: usize,
    pub position: Position,
}

impl LimitRangeValue {
    /// "the LimitRange `mem` default limit 512Mi" (and where it was defaulted from).
    pub fn describe(&self) -> String {
        let what = field_words(self.applies_as);
        if self.applies_as == self.field {
            format!("the LimitRange `{}` {what} {}", self.limit_range, self.text)
        } else {
            format!(
                "the LimitRange `{}` {what} {} (its `{}`, which the API server also uses as `{}`)",
                self.limit_range, self.text, self.field, self.applies_as
            )
        }
    }

    fn applied_as(&self, field: &'static str) -> Self {
        Self { applies_as: field, ..self.clone() }
    }
}

/// A memory value of a LimitRange as written, for `memory-quantity-suspicious` to judge as it
/// judges a container's: a typo is a finding at its exact text, and the rest of the input is
/// still linted. One that is no valid quantity (`2Gb`, `512MB`, `-1Gi`) makes the API server
/// reject the LimitRange: none of the values of its item apply.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitRangeQuantity {
    pub limit_range: CompactString,
    pub namespace: Option<CompactString>,
    /// Where in the LimitRange: `spec.limits[0].max.memory`.
    pub path: String,
    /// The value as written, owned: the LimitRange's tree is dropped after the first pass.
    pub node: Node,
    pub source: usize,
}

impl LimitRangeQuantity {
    /// Whether the API server rejects the LimitRange for it: not a quantity, or negative.
    pub fn is_rejected(&self) -> bool {
        let text = self.node.as_str().unwrap_or_default();
        Quantity::parse(text).map_or(true, |q| q.is_negative())
    }

    /// The input error a rejected value is for the commands that do not lint (`fix`,
    /// `diagnose`).
    pub fn input_error(&self, source_name: &str) -> InputError {
        let text = self.node.as_str().unwrap_or_default();
        error(
            source_name,
            &self.node,
            format!(
                "LimitRange `{}`: `{}` `{text}` is not a valid quantity; the API server rejects \
                 this LimitRange, its memory values are ignored",
                self.limit_range, self.path
            ),
        )
    }
}

/// A LimitRange's `maxLimitRequestRatio.memory`.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitRangeRatio {
    pub limit_range: CompactString,
    pub text: CompactString,
    pub ratio: f64,
    pub source: usize,
    pub position: Position,
}

fn field_words(field: &str) -> &'static str {
    match field {
        "default" => "default limit",
        "defaultRequest" => "default request",
        "max" => "maximum",
        "min" => "minimum",
        _ => "value",
    }
}

/// What a namespace's LimitRanges (type `Container` and `Pod`), all of them together, fill in and
/// enforce for memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NamespaceLimits {
    pub namespace: Option<CompactString>,
    /// Container `default.memory` (or `max`, which the API server uses as the default).
    pub default_limit: Option<LimitRangeValue>,
    /// Container `defaultRequest.memory` (or `default`, then `min`).
    pub default_request: Option<LimitRangeValue>,
    pub max: Option<LimitRangeValue>,
    pub min: Option<LimitRangeValue>,
    pub max_ratio: Option<LimitRangeRatio>,
    /// Type `Pod`: bounds on the sums of the containers' limits and requests.
    pub pod_max: Option<LimitRangeValue>,
    pub pod_min: Option<LimitRangeValue>,
    /// The memory values of this LimitRange as written, for `memory-quantity-suspicious`; taken
    /// out before the limits go into the context.
    pub quantities: Vec<LimitRangeQuantity>,
}

impl NamespaceLimits {
    /// Adds another LimitRange of the same namespace: the LimitRanger applies the first one's
    /// defaults (it only fills what is still missing) and enforces every one's bounds, so the
    /// strictest bound is kept.
    pub fn merge(&mut self, other: NamespaceLimits) {
        fn first(slot: &mut Option<LimitRangeValue>, value: Option<LimitRangeValue>) {
            if slot.is_none() {
                *slot = value;
            }
        }
        fn strictest(
            slot: &mut Option<LimitRangeValue>,
            value: Option<LimitRangeValue>,
            keep_lower: bool,
        ) {
            if let Some(value) = value {
                let replace = slot.as_ref().is_none_or(|current| {
                    if keep_lower {
                        value.bytes < current.bytes
                    } else {
                        value.bytes > current.bytes
                    }
                });
                if replace {
                    *slot = Some(value);
                }
            }
        }
        self.namespace = other.namespace;
        first(&mut self.default_limit, other.default_limit);
        first(&mut self.default_request, other.default_request);
        strictest(&mut self.max, other.max, true);
        strictest(&mut self.min, other.min, false);
        strictest(&mut self.pod_max, other.pod_max, true);
        strictest(&mut self.pod_min, other.pod_min, false);
        if let Some(ratio) = other.max_ratio
            && self.max_ratio.as_ref().is_none_or(|current| ratio.ratio < current.ratio)
        {
            self.max_ratio = Some(ratio);
        }
    }
}

/// Reads the memory values of a LimitRange object. Every value written goes to
/// [`NamespaceLimits::quantities`] for the rules; values that are no scalar at all are input
/// errors. An invalid value makes the API server reject the LimitRange, so the values of its
/// item are ignored.
pub fn read_limit_range(
    root: &Node,
    name: &str,
    namespace: Option<&CompactString>,
    source: usize,
    source_name: &str,
    errors: &mut Vec<InputError>,
) -> NamespaceLimits {
    let mut limits = NamespaceLimits { namespace: namespace.cloned(), ..Default::default() };
    let Some(items) = root.path(&["spec", "limits"]) else { return limits };
    let Some(items) = items.as_sequence() else {
        if !items.is_null() {
            errors.push(error(
                source_name,
                items,
                format!(
                    "LimitRange `{name}`: `spec.limits` must be a list, found {}",
                    items.type_name()
                ),
            ));
        }
        return limits;
    };
    for (index, item) in items.iter().enumerate() {
        let kind = item.get("type").and_then(Node::as_str);
        if !matches!(kind, Some("Container" | "Pod")) {
            continue;
        }
        let mut values = Vec::new();
        let mut valid = true;
        for field in ["default", "defaultRequest", "max", "min", "maxLimitRequestRatio"] {
            let Some(node) = item.path(&[field, "memory"]).filter(|n| !n.is_null()) else {
                continue;
            };
            let problem = match node.as_str() {
                None => Some(format!("expected a quantity, found {}", node.type_name())),
                // A ratio, not a size: only whether it is a quantity at all.
                Some(text) if field == "maxLimitRequestRatio" => match Quantity::parse(text) {
                    Err(e) => Some(e.to_string()),
                    Ok(q) if q.is_negative() => Some("a negative quantity".to_owned()),
                    Ok(q) => {
                        values.push((field, node, q));
                        None
                    }
                },
                Some(text) => {
                    // Judged and reported (a typo such as `2Gb`, `512m`) as in a container.
                    limits.quantities.push(LimitRangeQuantity {
                        limit_range: name.into(),
                        namespace: namespace.cloned(),
                        path: format!("spec.limits[{index}].{field}.memory"),
                        node: node.clone(),
                        source,
                    });
                    match Quantity::parse(text) {
                        Ok(q) if !q.is_negative() => values.push((field, node, q)),
                        _ => valid = false,
                    }
                    None
                }
            };
            if let Some(problem) = problem {
                valid = false;
                errors.push(error(
                    source_name,
                    node,
                    format!(
                        "LimitRange `{name}`: `spec.limits[{index}].{field}.memory` is not valid \
                     ({problem}); the API server rejects this LimitRange, its memory values are \
                     ignored"
                    ),
                ));
            }
        }
        if !valid {
            continue;
        }
        let value = |field: &'static str, node: &Node, q: &Quantity| LimitRangeValue {
            limit_range: name.into(),
            field,
            applies_as: field,
            text: q.text().into(),
            bytes: q.bytes().unwrap_or_default(),
            source,
            position: node.start,
        };
        let find = |wanted: &str| values.iter().find(|(f, _, _)| *f == wanted);
        let get = |wanted: &'static str| find(wanted).map(|(f, n, q)| value(f, n, q));
        if kind == Some("Pod") {
            limits.pod_max = get("max").or(limits.pod_max.take());
            limits.pod_min = get("min").or(limits.pod_min.take());
            continue;
        }
        // The API server's defaulting of a Container item: default ← max, defaultRequest ←
        // default ← min. Within one LimitRange the last Container item wins.
        let max = get("max");
        let min = get("min");
        let default = get("default").or_else(|| max.as_ref().map(|m| m.applied_as("default")));
        let default_request = get("defaultRequest")
            .or_else(|| default.as_ref().map(|d| d.applied_as("defaultRequest")))
            .or_else(|| min.as_ref().map(|m| m.applied_as("defaultRequest")));
        if let (Some(d), Some(r)) = (&default, &default_request)
            && r.bytes > d.bytes
        {
            errors.push(InputError {
                file: source_name.to_owned(),
                position: Some(r.position),
                message: format!(
                    "LimitRange `{name}`: default request {} is above the default limit {}; the \
                     API server rejects this LimitRange",
                    r.text, d.text
                ),
            });
            continue;
        }
        if let (Some(lo), Some(hi)) = (&min, &max)
            && lo.bytes > hi.bytes
        {
            errors.push(InputError {
                file: source_name.to_owned(),
                position: Some(lo.position),
                message: format!(
                    "LimitRange `{name}`: minimum {} is above the maximum {}; the API server \
                     rejects this LimitRange",
                    lo.text, hi.text
                ),
            });
            continue;
        }
        limits.max = max.or(limits.max.take());
        limits.min = min.or(limits.min.take());
        limits.default_limit = default.or(limits.default_limit.take());
        limits.default_request = default_request.or(limits.default_request.take());
        if let Some((_, node, q)) = find("maxLimitRequestRatio") {
            limits.max_ratio = Some(LimitRangeRatio {
                limit_range: name.into(),
                text: q.text().into(),
                ratio: ratio_value(q),
                source,
                position: node.start,
            });
        }
    }
    limits
}

/// A ratio quantity as a number (`2`, `1.5`, `1500m`).
fn ratio_value(quantity: &Quantity) -> f64 {
    let text = quantity.text();
    if let Ok(number) = text.parse::<f64>() {
        return number;
    }
    match text.strip_suffix('m').and_then(|n| n.parse::<f64>().ok()) {
        Some(milli) => milli / 1000.0,
        None => quantity.magnitude_bytes() as f64,
    }
}

fn error(file: &str, node: &Node, message: String) -> InputError {
    InputError { file: file.to_owned(), position: Some(node.start), message }
}

/// Where an admitted value came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// Written in the container's `resources` (or a Tekton `stepTemplate` it inherits).
    Written,
    /// The container's request, copied from its own limit by the API server's defaulting.
    CopiedFromLimit,
    /// Filled in by the LimitRanger from the namespace's LimitRange.
    LimitRange(LimitRangeValue),
    /// The pod-level `spec.resources` value, shared by the containers without one.
    PodLevel,
}

/// A memory value as the API server admits it.
#[derive(Debug, Clone)]
pub struct AdmittedValue<'a> {
    pub bytes: u64,
    /// The node it was written at, when it was written in this pod.
    pub node: Option<&'a Node>,
    pub origin: Origin,
}

impl AdmittedValue<'_> {
    /// What the value is and where it came from, for messages.
    pub fn describe(&self) -> String {
        let written = self.node.and_then(Node::as_str).unwrap_or_default();
        match &self.origin {
            Origin::Written => written.to_owned(),
            Origin::CopiedFromLimit => format!("{written} (copied from its limit)"),
            Origin::LimitRange(value) => value.describe(),
            Origin::PodLevel => format!("the pod-level limit {written}"),
        }
    }
}

/// A container's admitted memory limit and request.
#[derive(Debug, Clone, Default)]
pub struct AdmittedContainer<'a> {
    /// Its own limit, else the LimitRange default, else the pod-level limit.
    pub limit: Option<AdmittedValue<'a>>,
    pub request: Option<AdmittedValue<'a>>,
}

/// The admitted memory values of a pod: per container (indexed like [`Pod::containers`]) and
/// pod-level.
#[derive(Debug, Clone, Default)]
pub struct Admission<'a> {
    pub containers: Vec<AdmittedContainer<'a>>,
    pub pod_limit: Option<AdmittedValue<'a>>,
    pub pod_request: Option<AdmittedValue<'a>>,
    /// `spec.overhead.memory` (set by the RuntimeClass admission plugin, or written).
    pub overhead: Option<AdmittedValue<'a>>,
    /// The namespace's LimitRange values, for the checks that enforce them.
    pub limits: NamespaceLimits,
}
