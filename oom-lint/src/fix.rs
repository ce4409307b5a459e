//! `oom-lint fix`: byte-exact edits that write the recommended memory request and limit (and a
//! matching `-Xmx`) into manifests. Only the scalars concerned change, or lines are inserted
//! where a key is missing; comments, order, quoting and indentation stay as they were.

use oom_core::leak::Classification;
use oom_core::runtime::HeapBasis;
use oom_core::sizing::{SizingPolicy, jvm_heap_for_limit, recommend};

use crate::source::SourceFile;
use crate::usage::{Usage, matching, worst};
use crate::workloads::{Container, Pod};
use crate::yaml::{Node, Value};

/// Replace `start..end` of a source's text with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

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

/// Plans the edits for every container with observed usage.
pub fn plan(sources: &[SourceFile], pods: &[Pod<'_>], usage: &[Usage]) -> Plan {
    let mut plan = Plan::default();
    for pod in pods {
        let source = &sources[pod.source];
        for container in &pod.containers {
            let what = format!("{} container {}", pod.object, container.name);
            let skip = |why: &str| Skipped {
                source: pod.source,
                line: container.anchor().start.line as usize,
                what: what.clone(),
                why: why.to_owned(),
            };
            let Some(observed) = worst(&matching(usage, pod, container)) else { continue };
            let analysis = &observed.analysis;
            if analysis.classification == Classification::Leak {
                plan.skipped.push(skip(
                    "its memory leaks: a limit sized from today's peak only moves the OOMKill; fix the code (see `oom-lint analyze`)",
                ));
                continue;
            }
            let Ok(recommendation) =
                recommend(analysis.peak_bytes, analysis.average_bytes, &SizingPolicy::default())
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
            if let Some(edit) = xmx_edit(source, pod, container, recommendation.limit_bytes) {
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

/// Applies non-overlapping edits to a text.
pub fn apply(text: &str, edits: &[Edit]) -> Result<String, String> {
    let mut sorted = edits.to_vec();
    sorted.sort_by_key(|e| (e.start, e.end));
    if sorted.windows(2).any(|w| w[0].end > w[1].start) {
        return Err("two edits overlap".into());
    }
    let mut out = text.to_owned();
    for edit in sorted.iter().rev() {
        out.replace_range(edit.start..edit.end, &edit.text);
    }
    Ok(out)
}

enum Tree {
    Scalar(String),
    Map(Vec<(&'static str, Tree)>),
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

/// Rewrites an explicit `-Xmx` written literally in this container's env or args to 75 % of the
/// new limit. Flags in ConfigMaps are shared with other workloads and are left alone.
fn xmx_edit(
    source: &SourceFile,
    pod: &Pod<'_>,
    container: &Container<'_>,
    limit_bytes: u64,
) -> Option<Edit> {
    let jvm = container.runtime.jvm.as_ref()?;
    let heap = jvm.options.effective_max_heap(limit_bytes)?;
    if heap.basis != HeapBasis::Explicit || !heap.flag.as_deref()?.starts_with("-Xmx") {
        return None;
    }
    let origin = jvm.origin(heap.origin)?;
    if origin.source != pod.source {
        return None;
    }
    let target = jvm_heap_for_limit(limit_bytes, SizingPolicy::DEFAULT_HEAP_RATIO).flag;
    let (start, end) = scalar_span(source, origin.node);
    let written = &source.text[start..end];
    // The last -Xmx in the value is the one that counts.
    let at = written.rfind("-Xmx")?;
    let token_end = written[at..]
        .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ',')
        .map_or(written.len(), |i| at + i);
    (written[at..token_end] != target).then(|| Edit {
        start: start + at,
        end: start + token_end,
        text: target,
    })
}

/// The bytes a scalar occupies in the source, quotes included.
fn scalar_span(source: &SourceFile, node: &Node) -> (usize, usize) {
    let start = source.byte_offset(node.start);
    let rest = &source.text[start..];
    let len = match rest.chars().next() {
        Some('"') => {
            let mut escaped = false;
            rest.char_indices()
                .skip(1)
                .find(|&(_, c)| {
                    let closes = c == '"' && !escaped;
                    escaped = c == '\\' && !escaped;
                    closes
                })
                .map_or(rest.len(), |(i, _)| i + 1)
        }
        Some('\'') => {
            let bytes = rest.as_bytes();
            let mut i = 1;
            while i < bytes.len() {
                if bytes[i] == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            (i + 1).min(rest.len())
        }
        _ => {
            let line_end = rest.find(['\n', '\r']).unwrap_or(rest.len());
            let line = &rest[..line_end];
            let mut end = line.find(" #").unwrap_or(line.len());
            if let Some(flow) = line[..end].find([',', '}', ']']) {
                end = flow;
            }
            line[..end].trim_end().len()
        }
    };
    (start, start + len)
}

fn replace_scalar(source: &SourceFile, node: &Node, value: &str) -> Edit {
    let (start, end) = scalar_span(source, node);
    let text = match source.text[start..].chars().next() {
        Some('"') => format!("\"{value}\""),
        Some('\'') => format!("'{value}'"),
        _ => value.to_owned(),
    };
    Edit { start, end, text }
}

/// Adds `key: value` to a mapping, in its own style (flow or block, same indentation).
fn insert_entry(
    source: &SourceFile,
    mapping: &Node,
    key: &str,
    value: &Tree,
) -> Result<Edit, String> {
    let Value::Mapping(entries) = &mapping.value else {
        return Err("not a mapping".into());
    };
    let start = source.byte_offset(mapping.start);
    if source.text[start..].starts_with('{') {
        let entry = format!("{key}: {}", flow(value));
        let text = if entries.is_empty() { entry } else { format!("{entry}, ") };
        return Ok(Edit { start: start + 1, end: start + 1, text });
    }
    let newline = if source.text.contains("\r\n") { "\r\n" } else { "\n" };
    // Insert before a key that starts its own line (not the `- ` line of a list item).
    let own_line = entries.iter().map(|(k, _)| k).find(|k| {
        let line = source.line_text(k.start.line as usize);
        line.chars().take(k.start.column as usize - 1).all(|c| c == ' ')
    });
    let Some(anchor) = own_line.or_else(|| entries.first().map(|(k, _)| k)) else {
        return Err("an empty block mapping".into());
    };
    let indent = " ".repeat(anchor.start.column as usize - 1);
    let mut text = String::new();
    block(&mut text, &indent, key, value, newline);
    if own_line.is_some() {
        let at = source.byte_offset(crate::source::Position { line: anchor.start.line, column: 1 });
        return Ok(Edit { start: at, end: at, text });
    }
    // Only a `- key: scalar` line: add the entry on the next line.
    let (_, first_value) = &entries[0];
    if first_value.start.line != anchor.start.line
        || !matches!(first_value.value, Value::Scalar { .. })
        || entries.len() > 1
    {
        return Err("cannot find where to insert in this mapping".into());
    }
    let line_end =
        source.byte_offset(crate::source::Position { line: anchor.start.line + 1, column: 1 });
    if line_end >= source.text.len() && !source.text.ends_with('\n') {
        text.insert_str(0, newline);
    }
    Ok(Edit { start: line_end, end: line_end, text })
}

fn flow(tree: &Tree) -> String {
    match tree {
        Tree::Scalar(value) => value.clone(),
        Tree::Map(entries) => {
            let inner: Vec<String> =
                entries.iter().map(|(k, v)| format!("{k}: {}", flow(v))).collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

fn block(out: &mut String, indent: &str, key: &str, tree: &Tree, newline: &str) {
    match tree {
        Tree::Scalar(value) => out.push_str(&format!("{indent}{key}: {value}{newline}")),
        Tree::Map(entries) => {
            out.push_str(&format!("{indent}{key}:{newline}"));
            let inner = format!("{indent}  ");
            for (k, v) in entries {
                block(out, &inner, k, v, newline);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_stream};

    fn root(text: &str) -> (SourceFile, Node) {
        let source = SourceFile::new("t.yaml".into(), text.into());
        let docs = parse_stream(&source, Limits::default());
        let Some(Ok(doc)) = docs.into_iter().next() else { panic!() };
        (source, doc.root)
    }

    #[test]
    fn scalars_keep_their_quotes_and_comments() {
        let text = "a: 512Mi # keep\nb: \"1Gi\"\nc: '2Gi'\nd: {memory: 3Gi, cpu: 1}\n";
        let (source, node) = root(text);
        let edits: Vec<Edit> = ["a", "b", "c"]
            .iter()
            .map(|k| replace_scalar(&source, node.get(k).unwrap_or(&node), "9Mi"))
            .chain(std::iter::once(replace_scalar(
                &source,
                node.path(&["d", "memory"]).unwrap_or(&node),
                "9Mi",
            )))
            .collect();
        assert_eq!(
            apply(text, &edits),
            Ok("a: 9Mi # keep\nb: \"9Mi\"\nc: '9Mi'\nd: {memory: 9Mi, cpu: 1}\n".into())
        );
    }

    #[test]
    fn inserts_in_block_and_flow_mappings() {
        let text = "containers:\n  - name: app\n    image: x\n    resources:\n      limits:\n        cpu: 1\n      requests: {}\n  - name: solo\n";
        let (source, node) = root(text);
        let Some(items) = node.get("containers").and_then(Node::as_sequence) else { panic!() };
        let limits = items[0].path(&["resources", "limits"]).unwrap_or(&node);
        let requests = items[0].path(&["resources", "requests"]).unwrap_or(&node);
        let memory = Tree::Scalar("512Mi".into());
        let resources =
            Tree::Map(vec![("limits", Tree::Map(vec![("memory", Tree::Scalar("1Gi".into()))]))]);
        let edits = vec![
            insert_entry(&source, limits, "memory", &memory).unwrap_or_else(|e| panic!("{e}")),
            insert_entry(&source, requests, "memory", &memory).unwrap_or_else(|e| panic!("{e}")),
            insert_entry(&source, &items[1], "resources", &resources)
                .unwrap_or_else(|e| panic!("{e}")),
        ];
        assert_eq!(
            apply(text, &edits),
            Ok("containers:\n  - name: app\n    image: x\n    resources:\n      limits:\n        memory: 512Mi\n        cpu: 1\n      requests: {memory: 512Mi}\n  - name: solo\n    resources:\n      limits:\n        memory: 1Gi\n".into())
        );
    }

    #[test]
    fn overlapping_edits_are_refused() {
        let edits = [
            Edit { start: 0, end: 3, text: "x".into() },
            Edit { start: 2, end: 4, text: "y".into() },
        ];
        assert!(apply("abcdef", &edits).is_err());
    }
}
