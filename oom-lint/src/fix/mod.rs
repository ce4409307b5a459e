//! `oom-lint fix`: byte-exact edits that write the recommended memory request and limit (and a
//! matching `-Xmx`) into manifests. Only the scalars concerned change, or lines are inserted
//! where a key is missing; comments, order, quoting and indentation stay as they were.

use oom_core::leak::Classification;
use oom_core::runtime::HeapBasis;
use oom_core::sizing::{jvm_heap_for_limit, recommend};

pub mod edit;

use edit::{Edit, Tree, insert_entry, replace_scalar};

use crate::engine::heaps::RuntimeView;
use crate::engine::model::{Container, Pod};
use crate::engine::source::SourceFile;
use crate::engine::walk::ResolvedPod;
use crate::engine::yaml::scalar_source_range;
use crate::observed::{self, Usage};
use crate::settings::Settings;

/// The edits of one source, and what could not be done.
#[derive(Debug, Default)]
pub struct FilePlan {
    pub edits: Vec<Edit>,
    pub containers: Vec<String>,
    /// Helm templates the edited objects were rendered from: such output is not rewritten.
    pub templates: std::collections::BTreeSet<String>,
}

/// A container left alone, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub source: usize,
    pub line: usize,
    pub what: String,
    pub why: String,
    /// What is left makes `check` report an error (a max heap at or above the new limit), so
    /// `fix` exits 1: the manifest still needs the author's hand.
    pub leaves_error: bool,
}

/// What fix would write, per source index.
#[derive(Debug, Default)]
pub struct Plan {
    pub files: std::collections::BTreeMap<usize, FilePlan>,
    pub skipped: Vec<Skipped>,
}

/// Plans the edits for every container with observed usage, sized with the settings' policy
/// (the heap ratio of `.oom-lint.yaml` included, so `check` accepts what `fix` writes).
pub fn plan(
    sources: &[SourceFile],
    pods: &[ResolvedPod<'_>],
    usage: &[Usage],
    settings: &Settings,
) -> Plan {
    let mut plan = Plan::default();
    let policy = settings.sizing_policy();
    for resolved in pods {
        let pod = &resolved.pod;
        let source = &sources[pod.source];
        for container in &pod.containers {
            let what = format!("{} container {}", pod.object, container.name);
            let skip = |why: &str| Skipped {
                source: pod.source,
                line: container.anchor().start.line as usize,
                what: what.clone(),
                why: why.to_owned(),
                leaves_error: false,
            };
            let Some(observed) = observed::for_container(usage, pod, container, settings) else {
                continue;
            };
            let analysis = &observed.analysis;
            if analysis.classification == Classification::Leak {
                plan.skipped.push(skip(
                    "its memory leaks: a limit sized from today's peak only moves the OOMKill; fix the code (see `oom-lint analyze`)",
                ));
                continue;
            }
            // A limit written far below the current one is a dump in another unit far more
            // often than a limit that much too large: never shrink it without a word.
            if let Some(why) = observed
                .limit_bytes
                .and_then(|limit| observed::suspected_unit(analysis.peak_bytes, limit))
            {
                plan.skipped.push(skip(&why));
                continue;
            }
            let Ok(recommendation) =
                recommend(analysis.peak_bytes, analysis.average_bytes, &policy)
            else {
                plan.skipped.push(skip("no usable samples"));
                continue;
            };
            let mut edits = Vec::new();
            if let Err(why) = resources_edits(
                source,
                container,
                &recommendation.request,
                &recommendation.limit,
                &mut edits,
            ) {
                plan.skipped.push(skip(&why));
                continue;
            }
            match xmx_edit(
                source,
                pod,
                container,
                &resolved.heaps[container.index],
                recommendation.limit_bytes,
                policy.heap_ratio,
            ) {
                Ok(Some(edit)) => edits.push(edit),
                Ok(None) => {}
                // The resources are still written; the heap flag is left to the author, who is
                // told which value to set.
                Err(why) => {
                    let heap = resolved.heaps[container.index]
                        .jvm
                        .as_ref()
                        .and_then(|jvm| jvm.options.effective_max_heap(recommendation.limit_bytes));
                    // As `jvm-heap-exceeds-limit` judges it: the heap alone fills the limit.
                    let leaves_error =
                        heap.is_some_and(|heap| heap.bytes >= recommendation.limit_bytes);
                    let mut why = format!("its max heap was not changed: {why}");
                    if leaves_error {
                        why.push_str(&format!(
                            "; until then the heap is at or above the limit of {}",
                            recommendation.limit
                        ));
                    }
                    plan.skipped.push(Skipped { leaves_error, ..skip(&why) });
                }
            }
            if edits.is_empty() {
                continue;
            }
            let file = plan.files.entry(pod.source).or_default();
            file.edits.extend(edits);
            file.containers.push(what);
            file.templates.extend(pod.template.map(str::to_owned));
        }
    }
    plan
}

fn resources_edits(
    source: &SourceFile,
    container: &Container<'_>,
    request: &str,
    limit: &str,
    edits: &mut Vec<Edit>,
) -> Result<(), String> {
    let memory = |value: &str| Tree::Map(vec![("memory", Tree::Scalar(value.to_owned()))]);
    let Some(resources) = container.node.get("resources").filter(|r| !r.is_null()) else {
        let tree = Tree::Map(vec![("requests", memory(request)), ("limits", memory(limit))]);
        edits.push(insert_entry(source, container.node, "resources", &tree)?);
        return Ok(());
    };
    if !resources.is_mapping() {
        return Err("`resources` is not a mapping".into());
    }
    for (section, value) in [("requests", request), ("limits", limit)] {
        match resources.get(section).filter(|s| !s.is_null()) {
            None => edits.push(insert_entry(source, resources, section, &memory(value))?),
            Some(values) if values.is_mapping() => {
                match values.get("memory").filter(|m| !m.is_null()) {
                    Some(current) if current.as_str().is_some() => {
                        if current.as_str() != Some(value) {
                            edits.push(replace_scalar(source, current, value));
                        }
                    }
                    Some(_) => return Err(format!("`resources.{section}.memory` is not a scalar")),
                    None => edits.push(insert_entry(
                        source,
                        values,
                        "memory",
                        &Tree::Scalar(value.to_owned()),
                    )?),
                }
            }
            Some(_) => return Err(format!("`resources.{section}` is not a mapping")),
        }
    }
    Ok(())
}

/// Rewrites an explicit `-Xmx` written literally in this container's env or args to the heap
/// ratio (75 % by default) of the new limit, wherever it sits in its scalar. `Ok(None)` when
/// nothing needs to change; `Err` says why the flag could not be edited safely (it is in a
/// ConfigMap shared with other workloads, it is built from a variable, it is spelled another
/// way) and which value to set by hand.
fn xmx_edit(
    source: &SourceFile,
    pod: &Pod<'_>,
    container: &Container<'_>,
    heaps: &RuntimeView<'_>,
    limit_bytes: u64,
    heap_ratio: f64,
) -> Result<Option<Edit>, String> {
    let Some(jvm) = heaps.jvm.as_ref() else { return Ok(None) };
    let Some(heap) = jvm.options.effective_max_heap(limit_bytes) else { return Ok(None) };
    if heap.basis != HeapBasis::Explicit {
        return Ok(None);
    }
    let target = jvm_heap_for_limit(limit_bytes, heap_ratio).flag;
    let flag = heap.flag.as_deref().unwrap_or("-Xmx");
    if !flag.starts_with("-Xmx") {
        return Err(format!("it is set with `{flag}`; set {target}"));
    }
    let Some(origin) = jvm.origin(heap.origin) else { return Ok(None) };
    let inside_container = origin.source == pod.source
        && origin.node.start.line >= container.node.start.line
        && origin.node.start.line <= container.node.end.line;
    if !inside_container {
        return Err(format!(
            "`{flag}` comes from a ConfigMap, which other workloads may share; set {target} there"
        ));
    }
    // The flag's place in the decoded value, mapped back to the source as `check` maps its
    // spans: this holds in every scalar style, a block script included.
    let Some(range) = origin.flag_span(flag) else {
        return Err(format!("`{flag}` is not written as a word of its value; set {target}"));
    };
    let word = origin.node.as_str().and_then(|value| value.get(range.clone())).unwrap_or_default();
    if word.contains("$(") {
        return Err(format!("`{word}` is built from a variable; set {target}"));
    }
    let Some(bytes) = scalar_source_range(source, origin.node, range) else {
        return Err(format!(
            "where `{flag}` is written in its value could not be found in the source; set {target}"
        ));
    };
    // An escape or a line fold inside the flag would be lost by writing it back plainly.
    if source.text.get(bytes.clone()) != Some(word) {
        return Err(format!(
            "`{flag}` is written with an escape or across lines in its value; set {target}"
        ));
    }
    Ok((word != target).then_some(Edit { start: bytes.start, end: bytes.end, text: target }))
}
