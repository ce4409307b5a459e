//! The rule registry. A rule is one file: its metadata and its check, side by side.
//!
//! Adding a rule = one file here + one line in [`REGISTRY`] + fixtures under
//! `testdata/manifests/rules/<id>/` (one that fires, one that does not).

use std::borrow::Cow;

mod dotnet_heap_exceeds_limit;
mod emptydir_memory_unbounded;
mod go_memlimit_exceeds_limit;
mod jvm_container_support_disabled;
mod jvm_heap_exceeds_limit;
mod jvm_heap_headroom_low;
mod jvm_memory_flag_invalid;
mod memory_leak_suspected;
mod memory_limit_above_pod_limit;
mod memory_limit_below_peak;
mod memory_limit_below_request;
mod memory_limit_headroom_low;
mod memory_limit_missing;
mod memory_limit_oversized;
mod memory_outside_limitrange;
mod memory_quantity_suspicious;
mod memory_request_missing;
mod node_heap_exceeds_limit;
mod runtime_support;
mod sidecar_memory_limit_missing;
mod suppression_unknown_rule;
mod usage_support;

use crate::engine::admission::NamespaceLimits;
use crate::engine::heaps::RuntimeView;
use crate::engine::model::{Container, Context, Pod};
use crate::engine::process::Located;
use crate::engine::source::{Position, SourceFile};
use crate::engine::yaml::Node;
use crate::finding::Severity;
use crate::observed::ContainerUsage;

/// A rule's identity, documentation and check.
#[derive(Debug)]
pub struct Rule {
    /// Stable kebab-case id, part of the interface (config, suppressions, SARIF).
    pub id: &'static str,
    pub default_severity: Severity,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// Markdown: why it matters, with a bad and a good example.
    pub doc: &'static str,
    /// The broader rule this one refines (`sidecar-memory-limit-missing` refines
    /// `memory-limit-missing`): suppressing or configuring that id covers this rule too, unless
    /// this rule's own id is configured.
    pub refines: Option<&'static str>,
    pub check: for<'a> fn(&'a Pod<'a>, &'a CheckContext<'a>, &mut Vec<Hit<'a>>),
}

/// What a rule may consult beyond the pod: the input's context and settings, and the tables
/// the engine and the metrics join computed for the pod's containers.
#[derive(Debug)]
pub struct CheckContext<'a> {
    /// LimitRanges, ConfigMaps and settings of the whole input.
    pub model: &'a Context<'a>,
    /// Heap settings per container, indexed like [`Pod::containers`].
    pub heaps: &'a [RuntimeView<'a>],
    /// Observed usage per container (with `--metrics`), indexed like [`Pod::containers`].
    pub observed: &'a [Option<ContainerUsage<'a>>],
    /// The pod's source, for what is not in the tree (suppression comments).
    pub source: &'a SourceFile,
}

impl<'a> CheckContext<'a> {
    /// The heap settings the container's runtime resolves.
    pub fn heaps(&self, container: &Container<'_>) -> &'a RuntimeView<'a> {
        static NONE: RuntimeView<'static> = RuntimeView::NONE;
        self.heaps.get(container.index).unwrap_or(&NONE)
    }

    /// The container's observed usage, when `--metrics` has a series for it.
    pub fn observed(&self, container: &Container<'_>) -> Option<&'a ContainerUsage<'a>> {
        self.observed.get(container.index)?.as_ref()
    }

    /// What the namespace's LimitRanges fill in and enforce.
    pub fn limits_for(&self, namespace: Option<&str>) -> NamespaceLimits {
        self.model.limits_for(namespace)
    }
}

/// What a check reports: the node, the container, what is wrong and how to fix it.
#[derive(Debug)]
pub struct Hit<'a> {
    pub node: &'a Node,
    /// The source of `node` when it is not the pod's (a ConfigMap in another file).
    pub source: Option<usize>,
    /// The part of `node` the finding is about, when not all of it.
    pub part: Option<Part>,
    /// A severity below the rule's default for this hit (a headroom warning from an error
    /// rule); `None` for the default. A severity set in the config overrides both.
    pub severity: Option<Severity>,
    pub container: Option<&'a Container<'a>>,
    pub message: String,
    pub help: Option<Cow<'static, str>>,
}

/// Part of a hit's node: findings point at exactly the text they are about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// A byte range of the scalar's decoded value: a flag inside an env value or a script.
    Within(std::ops::Range<usize>),
    /// Explicit positions in the hit's source: a comment, which has no node.
    Exact(Position, Position),
}

impl<'a> Hit<'a> {
    /// Points the hit at `flag` where `at` wrote it, when it can be found there.
    pub fn on_flag(mut self, at: &Located<'_>, flag: &str) -> Self {
        if let Some(range) = at.flag_span(flag) {
            self.part = Some(Part::Within(range));
        }
        self
    }
}

/// Every rule, in the order `oom-lint rules` lists them.
pub const REGISTRY: &[&Rule] = &[
    &memory_limit_missing::RULE,
    &sidecar_memory_limit_missing::RULE,
    &memory_request_missing::RULE,
    &memory_limit_below_request::RULE,
    &memory_limit_above_pod_limit::RULE,
    &memory_outside_limitrange::RULE,
    &memory_quantity_suspicious::RULE,
    &emptydir_memory_unbounded::RULE,
    &jvm_heap_exceeds_limit::RULE,
    &jvm_heap_headroom_low::RULE,
    &jvm_container_support_disabled::RULE,
    &jvm_memory_flag_invalid::RULE,
    &node_heap_exceeds_limit::RULE,
    &go_memlimit_exceeds_limit::RULE,
    &dotnet_heap_exceeds_limit::RULE,
    &memory_limit_below_peak::RULE,
    &memory_limit_headroom_low::RULE,
    &memory_limit_oversized::RULE,
    &memory_leak_suspected::RULE,
    &suppression_unknown_rule::RULE,
];

impl Rule {
    /// The ids a suppression may name to silence this rule: its own, then its family's.
    pub fn ids(&self) -> impl Iterator<Item = &'static str> + use<> {
        std::iter::once(self.id).chain(self.refines)
    }
}

/// The rule and hit for a LimitRange memory value, if it is a problem.
pub fn limit_range_quantity(
    value: &crate::engine::limit_range::LimitRangeQuantity,
) -> Option<(&'static Rule, Hit<'_>)> {
    Some((&memory_quantity_suspicious::RULE, memory_quantity_suspicious::limit_range_hit(value)?))
}

pub fn find(id: &str) -> Option<&'static Rule> {
    REGISTRY.iter().copied().find(|rule| rule.id == id)
}

/// Where a finding about a container's memory points: `resources.limits.memory`, else
/// `resources`, else the container's name.
fn memory_anchor<'a>(container: &'a Container<'a>) -> &'a Node {
    if let Some(limit) = &container.resources.limits_memory {
        return limit.node;
    }
    container.resources.key.unwrap_or_else(|| container.anchor())
}

fn describe(container: &Container<'_>) -> String {
    use crate::engine::model::ContainerRole::*;
    match container.role {
        Primary => format!("container `{}`", container.name),
        Secondary => format!("sidecar container `{}`", container.name),
        Init => format!("init container `{}`", container.name),
        NativeSidecar => {
            format!("native sidecar `{}` (init container, restartPolicy: Always)", container.name)
        }
    }
}

/// Why a container is admitted with no memory limit, for the limit-missing rules: `None` when
/// it runs bounded (its own limit, a LimitRange default limit, a pod-level limit that is not
/// `0`) or has a limit other rules report (invalid, or `0` below a request, which the API server
/// rejects); else the wording of what it has.
fn missing_limit(pod: &Pod<'_>, container: &Container<'_>) -> Option<String> {
    let resources = &container.resources;
    if resources.malformed {
        return None;
    }
    let bounded_by_pod = pod.resources.limits_memory.as_ref().is_some_and(|limit| !limit.is_zero())
        || (resources.limits_memory.is_none() && pod.admission.limits.default_limit.is_some());
    if bounded_by_pod {
        return None;
    }
    match &resources.limits_memory {
        None => Some("has no memory limit".to_owned()),
        Some(limit) if limit.is_zero() => {
            let request_above_zero =
                resources.requests_memory.as_ref().and_then(|r| r.bytes()).is_some_and(|b| b > 0);
            (!request_above_zero).then(|| {
                format!(
                    "has a memory limit of `{}`, which Kubernetes reads as no limit at all",
                    limit.node.as_str().unwrap_or("0")
                )
            })
        }
        Some(_) => None,
    }
}

/// `docs/rules.md`, generated from the registry so the docs cannot drift from the code.
#[cfg(test)]
pub fn reference_markdown() -> String {
    let mut out = String::from(
        "# oom-lint rules\n\n<!-- Generated from the rule registry by `cargo test`; do not edit. -->\n\n\
         | id | default | summary |\n|---|---|---|\n",
    );
    for rule in REGISTRY {
        out.push_str(&format!(
            "| [`{id}`](#{id}) | {} | {} |\n",
            rule.default_severity.as_str(),
            rule.summary,
            id = rule.id
        ));
    }
    for rule in REGISTRY {
        out.push_str(&format!(
            "\n## {}\n\nDefault severity: **{}**. {}.\n\n{}\n",
            rule.id,
            rule.default_severity.as_str(),
            rule.summary,
            rule.doc
        ));
        let family: Vec<String> = REGISTRY
            .iter()
            .filter(|r| r.refines == Some(rule.id))
            .map(|r| format!("[`{id}`](#{id})", id = r.id))
            .collect();
        if let Some(base) = rule.refines {
            out.push_str(&format!(
                "\nFamily: refines [`{base}`](#{base}); suppressing or configuring `{base}` \
                 also covers this rule.\n"
            ));
        } else if !family.is_empty() {
            out.push_str(&format!(
                "\nFamily: refined by {}; suppressing or configuring `{}` also covers them.\n",
                family.join(", "),
                rule.id
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_rules_md_is_generated_from_the_registry() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
        let expected = reference_markdown();
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &expected).unwrap_or_else(|e| panic!("{e}"));
        }
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            actual == expected,
            "docs/rules.md is stale: run `UPDATE_DOCS=1 cargo test -p oom-lint docs_rules_md`"
        );
    }

    #[test]
    fn ids_are_unique_kebab_case_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for rule in REGISTRY {
            assert!(seen.insert(rule.id), "duplicate id {}", rule.id);
            assert!(
                rule.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{} is not kebab-case",
                rule.id
            );
            assert!(!rule.summary.is_empty() && !rule.summary.ends_with('.'), "{}", rule.id);
            assert!(rule.doc.contains("Bad") && rule.doc.contains("Good"), "{}", rule.id);
        }
    }
}
