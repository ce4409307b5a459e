//! `oom-lint fix`: byte-exact edits that write the recommended memory request and limit (and a
//! matching `-Xmx`) into manifests. Only the scalars concerned change, or lines are inserted
//! where a key is missing; comments, order, quoting and indentation stay as they were.

use oom_core::leak::Classification;
use oom_core::runtime::HeapBasis;
use oom_core::sizing::{jvm_heap_for_limit, recommend};

pub mod edit;

use edit::{Edit, Tree, insert_entry, replace_scalar, scalar_span};

use crate::engine::heaps::RuntimeView;
use crate::engine::model::{Container, Pod};
use crate::engine::source::SourceFile;
use crate::engine::walk::ResolvedPod;
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
            if let Some(edit) = xmx_edit(
                source,
                pod,
                &resolved.heaps[container.index],
                recommendation.limit_bytes,
                policy.heap_ratio,
            ) {
                edits.push(edit);
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
/// ratio (75 % by default) of the new limit. Flags in ConfigMaps are shared with other workloads and are left alone.
fn xmx_edit(
    source: &SourceFile,
    pod: &Pod<'_>,
    heaps: &RuntimeView<'_>,
    limit_bytes: u64,
    heap_ratio: f64,
) -> Option<Edit> {
    let jvm = heaps.jvm.as_ref()?;
    let heap = jvm.options.effective_max_heap(limit_bytes)?;
    if heap.basis != HeapBasis::Explicit || !heap.flag.as_deref()?.starts_with("-Xmx") {
        return None;
    }
    let origin = jvm.origin(heap.origin)?;
    if origin.source != pod.source {
        return None;
    }
    let target = jvm_heap_for_limit(limit_bytes, heap_ratio).flag;
    let (start, end) = scalar_span(source, origin.node);
    let written = &source.text[start..end];
    // The last -Xmx in the value is the one that counts.
    let at = written.rfind("-Xmx")?;
    let token_end = written[at..]
        .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ',')
        .map_or(written.len(), |i| at + i);
    // A flag built from `$(VAR)` or a shell variable is not written as the JVM reads it: the
    // edit would drop the reference, so leave it.
    if Some(&written[at..token_end]) != heap.flag.as_deref() {
        return None;
    }
    (written[at..token_end] != target).then(|| Edit {
        start: start + at,
        end: start + token_end,
        text: target,
    })
}
