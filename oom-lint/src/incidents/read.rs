//! Paths → files → the incident model: each file's kind is detected from its content, and
//! everything that cannot be read is an input error with its file (and line where known),
//! after which the other files are still read.

use std::path::{Path, PathBuf};

use oom_core::text::{count, noun};

use super::detect::{InputKind, detect};
use super::{
    Collected, InputError, MetricSeries, Origin, describe, events, manifests, objects, pods,
    replicasets,
};
use crate::engine::source::{Position, SourceFile};
use crate::engine::walk::{self, Counts};
use crate::settings::Settings;

/// Files larger than this are refused (a week of one-second samples is far below it).
const MAX_FILE_BYTES: u64 = 256 << 20;

/// Series whose peak stays below this are no memory series of a container (a restart counter,
/// a status gauge of kube-state-metrics) and are left out.
const MIN_MEMORY_BYTES: f64 = 1_048_576.0;

/// Every input file: files as given, directories walked (sorted, hidden files skipped).
pub fn files(paths: &[PathBuf], errors: &mut Vec<InputError>) -> Vec<SourceFile> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            match std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes) {
                Ok(_) => add_text("<stdin>".into(), &bytes, &mut out, errors),
                Err(e) => errors.push(error("<stdin>", None, format!("cannot read: {e}"))),
            }
        } else {
            add_path(path, &mut out, errors);
        }
    }
    out
}

fn add_path(path: &Path, out: &mut Vec<SourceFile>, errors: &mut Vec<InputError>) {
    let name = path.display().to_string();
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
            Ok(entries) => entries.filter_map(Result::ok).map(|e| e.path()).collect(),
            Err(e) => return errors.push(error(&name, None, format!("cannot read: {e}"))),
        };
        entries.sort();
        for entry in entries {
            let hidden = entry.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if !hidden {
                add_path(&entry, out, errors);
            }
        }
        return;
    }
    let read = std::fs::metadata(path).map_err(|e| e.to_string()).and_then(|meta| {
        if meta.len() > MAX_FILE_BYTES {
            Err(format!("larger than {} MiB; not read", MAX_FILE_BYTES >> 20))
        } else {
            std::fs::read(path).map_err(|e| e.to_string())
        }
    });
    match read {
        Ok(bytes) => add_text(name, &bytes, out, errors),
        Err(message) => errors.push(error(&name, None, format!("cannot read: {message}"))),
    }
}

/// A file's text, decoded as every command decodes its inputs: UTF-8, or UTF-16 with its
/// byte-order mark (PowerShell's `kubectl describe pod x > pod.txt` writes UTF-16LE).
fn add_text(name: String, bytes: &[u8], out: &mut Vec<SourceFile>, errors: &mut Vec<InputError>) {
    match oom_core::text::decode(bytes) {
        Ok(decoded) => out.push(SourceFile::new(name, decoded.text.into_owned())),
        Err(e) => errors.push(error(
            &name,
            None,
            format!("{e} (nor UTF-16 with a byte-order mark): not read"),
        )),
    }
}

fn error(file: &str, line: Option<u32>, message: String) -> InputError {
    InputError {
        file: file.to_owned(),
        position: line.map(|l| Position::new(l as usize, 1)),
        message,
    }
}

/// Reads every file into the incident model.
pub fn collect(
    files: Vec<SourceFile>,
    settings: &Settings,
    mut errors: Vec<InputError>,
) -> Collected {
    let mut collected = Collected::default();
    let mut kubernetes: Vec<SourceFile> = Vec::new();
    let mut deploys = Vec::new();
    // The specs describe texts show, as YAML Pods named after their text.
    let mut described = Vec::new();
    for file in files {
        let kind = detect(&file.text);
        *collected.files.entry(kind.as_str()).or_default() += 1;
        match kind {
            InputKind::Describe => {
                let mut specs = describe::Spec::default();
                for pod in describe::read_describe(&file.name, &file.text, &mut errors) {
                    collected.add_pod(pod.pod);
                    collected.events.extend(pod.events);
                    if !specs.yaml.is_empty() {
                        specs.yaml.push_str("---\n");
                        specs.lines.push(specs.lines.last().copied().unwrap_or((1, 1)));
                    }
                    specs.yaml.push_str(&pod.spec.yaml);
                    specs.lines.extend(pod.spec.lines);
                }
                if !specs.yaml.is_empty() {
                    described.push((file.name.clone(), file.text.clone(), specs));
                }
            }
            InputKind::EventsCsv => match oom_core::metrics::parse_events(file.text.as_bytes()) {
                Ok((rows, row_errors)) => {
                    for row in row_errors {
                        errors.push(error(
                            &file.name,
                            row.line.and_then(|l| u32::try_from(l).ok()),
                            row.message,
                        ));
                    }
                    deploys.extend(rows.into_iter().map(|event| super::Deploy {
                        namespace: None,
                        deployment: None,
                        replica_set: event.label,
                        revision: None,
                        time: Some(event.time),
                        images: Vec::new(),
                        origin: Origin::new(&file.name, None),
                    }));
                }
                Err(e) => errors.push(error(&file.name, None, e.to_string())),
            },
            InputKind::Metrics => read_metrics(&file, &mut collected, &mut errors),
            InputKind::Kubernetes => kubernetes.push(file),
            // Its own report (an `expected.json`, a saved `--format json`): not evidence.
            InputKind::Report(command) => collected.skipped.push(super::Skipped {
                file: file.name.clone(),
                message: format!(
                    "an oom-lint report (the JSON `{command}` writes), not an input: not read"
                ),
            }),
        }
    }
    let mut documents = walk::read_documents(&kubernetes, &mut errors);
    salvage_cut_lists(&mut kubernetes, &mut documents, &mut errors);
    for (file, documents) in kubernetes.iter().zip(&documents) {
        for document in documents {
            for object in objects(&document.root) {
                match super::text(object, &["kind"]) {
                    Some("Pod") => {
                        if let Some(pod) = pods::read_pod(&file.name, object, &mut errors) {
                            collected.add_pod(pod);
                        }
                    }
                    Some("Event") => {
                        if let Some(event) = events::read_event(&file.name, object, &mut errors) {
                            collected.events.push(event);
                        }
                    }
                    Some("ReplicaSet") => {
                        deploys.extend(replicasets::read_replica_set(&file.name, object))
                    }
                    _ => {}
                }
            }
        }
    }
    deploys.extend(collected.events.iter().filter_map(replicasets::deploy_of_event));
    collected.deploys = replicasets::merge(deploys);
    let model =
        walk::build_model(&kubernetes, &documents, settings, &mut errors, &mut Counts::default());
    errors.extend(model.rejected_limit_range_values(&kubernetes));
    collected.manifests = manifests::containers(&kubernetes, &model.pods);
    collected.manifests.extend(described_containers(&described, settings));
    errors.sort_by(|a, b| {
        (&a.file, a.position.map(|p| p.line)).cmp(&(&b.file, b.position.map(|p| p.line)))
    });
    errors.dedup();
    collected.errors = errors;
    collected
}

/// The containers of describe texts through the same runtime model as manifests: their
/// heap settings, with every origin moved back to the describe line it was read from.
fn described_containers(
    described: &[(String, String, describe::Spec)],
    settings: &Settings,
) -> Vec<super::ManifestContainer> {
    if described.is_empty() {
        return Vec::new();
    }
    let sources: Vec<SourceFile> = described
        .iter()
        .map(|(name, _, spec)| SourceFile::new(name.clone(), spec.yaml.clone()))
        .collect();
    // The YAML is ours: an error in it is no error of the input (and is tested not to occur).
    let mut ignored = Vec::new();
    let documents = walk::read_documents(&sources, &mut ignored);
    let model =
        walk::build_model(&sources, &documents, settings, &mut ignored, &mut Counts::default());
    let mut out = manifests::containers(&sources, &model.pods);
    let back = |origin: &mut Origin, fact: &str| {
        let found = described.iter().find(|(name, _, _)| *name == origin.file);
        origin.line = match (found, origin.line) {
            (Some((_, text, spec)), Some(line)) => spec.describe_line(line, text, fact),
            _ => None,
        };
    };
    for container in &mut out {
        if let Some(limit) = &mut container.limit {
            back(&mut limit.origin, "");
        }
        if let Some(heap) = &mut container.max_heap {
            back(&mut heap.origin, &heap.flag);
        }
    }
    out
}

fn read_metrics(file: &SourceFile, collected: &mut Collected, errors: &mut Vec<InputError>) {
    let dump = match oom_core::metrics::parse_slice(file.text.as_bytes(), None) {
        Ok(dump) => dump,
        Err(e) => {
            let line = match &e {
                oom_core::metrics::MetricsError::Json { line, .. } => u32::try_from(*line).ok(),
                _ => None,
            };
            return errors.push(error(&file.name, line, e.to_string()));
        }
    };
    for row in dump.errors {
        errors.push(error(&file.name, row.line.and_then(|l| u32::try_from(l).ok()), row.message));
    }
    let mut kept = 0;
    for series in dump.series {
        let peak = series.samples.iter().map(|s| s.bytes).fold(0.0, f64::max);
        if peak >= MIN_MEMORY_BYTES {
            kept += 1;
            collected.series.push(MetricSeries { file: file.name.clone(), series });
        }
    }
    if kept == 0 {
        errors.push(error(&file.name, None, "no memory series found".into()));
    }
}

/// A JSON list cut short (`kubectl get pods -o json` piped through `head`, a paste that hit a
/// size limit) does not parse, and the error at its cut is reported; the items that were
/// complete before the cut are still read: the text up to the last complete item of the
/// top-level `items` array, closed, is parsed in place of the file (every line stays where it
/// was, so the evidence still points at the file's own lines).
fn salvage_cut_lists(
    files: &mut [SourceFile],
    documents: &mut [Vec<crate::engine::yaml::Document>],
    errors: &mut [InputError],
) {
    for (file, parsed) in files.iter_mut().zip(documents.iter_mut()) {
        if !parsed.is_empty() {
            continue;
        }
        let Some((end, items)) = complete_items(&file.text) else { continue };
        let mut text = file.text[..end].to_owned();
        text.push_str("\n]}\n");
        let repaired = SourceFile::new(file.name.clone(), text);
        let mut ignored = Vec::new();
        let reread = walk::read_documents(std::slice::from_ref(&repaired), &mut ignored);
        let Some(reread) =
            reread.into_iter().next().filter(|d| !d.is_empty() && ignored.is_empty())
        else {
            continue;
        };
        for error in errors.iter_mut().filter(|e| e.file == file.name) {
            error.message.push_str(&format!(
                "; the {} before the cut {} read",
                count(items, "complete item", "complete items"),
                noun(items, "was", "were")
            ));
        }
        *file = repaired;
        *parsed = reread;
    }
}

/// For a JSON object whose text ends before it closes, the byte offset just after the last
/// complete element of its top-level `"items"` array, and how many elements were complete;
/// `None` when the text is complete (its error is elsewhere) or has no complete item.
fn complete_items(text: &str) -> Option<(usize, usize)> {
    let body = text.trim_start_matches('\u{feff}');
    let skipped = text.len() - body.len();
    if !body.trim_start().starts_with('{') {
        return None;
    }
    let bytes = body.as_bytes();
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    // Depth 1 is the top-level object; the `items` array opens depth 2.
    let mut last_key: Option<(usize, usize)> = None;
    let mut string_start = 0;
    let mut in_items = false;
    let (mut end, mut items) = (None, 0);
    for (index, &byte) in bytes.iter().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => {
                    in_string = false;
                    last_key = Some((string_start, index));
                }
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => {
                in_string = true;
                string_start = index + 1;
            }
            b'{' | b'[' => {
                depth += 1;
                if byte == b'[' && depth == 2 {
                    in_items = last_key.is_some_and(|(a, b)| &body[a..b] == "items");
                }
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    // The whole object closed: not cut short.
                    return None;
                }
                if in_items && depth == 2 && byte == b'}' {
                    end = Some(skipped + index + 1);
                    items += 1;
                }
                if depth == 1 {
                    in_items = false;
                }
            }
            _ => {}
        }
    }
    end.map(|end| (end, items))
}

#[cfg(test)]
mod tests {
    use super::complete_items;

    #[test]
    fn complete_items_before_a_cut() {
        let text =
            "{\"apiVersion\": \"v1\", \"items\": [{\"a\": \"}]\"}, {\"b\": [1]}, {\"c\": \"x";
        let (end, items) = complete_items(text).unwrap_or_default();
        assert_eq!(items, 2);
        assert!(text[..end].ends_with("{\"b\": [1]}"));
        assert_eq!(complete_items("{\"items\": [{}]}"), None, "not cut");
        assert_eq!(complete_items("{\"items\": [{\"a\": 1"), None, "nothing complete");
        assert_eq!(complete_items("{\"spec\": {\"x\": {}, \"y\": {"), None, "no items");
        assert_eq!(complete_items("[{}]"), None);
    }
}
