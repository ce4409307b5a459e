//! The engine: sources → documents → objects and pods → rule hits → findings.

use std::sync::{Arc, LazyLock};

use memchr::memmem::Finder;

use compact_str::CompactString;

use crate::config::Config;
use crate::environment::ProcessView;
use crate::finding::{Finding, Findings, InputError, Location, ObjectRef, Severity};
use crate::rules::{self, Hit};
use crate::runtime_view::RuntimeView;
use crate::source::SourceFile;
use crate::suppress;
use crate::usage::{Usage, UsageSummary, matching};
use crate::workloads::{ConfigMapData, Context, Extractor, NamespaceDefaults, Object, Pod};
use crate::yaml::{self, Document, Node};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    pub files: usize,
    pub documents: usize,
    pub objects: usize,
    pub pods: usize,
    pub containers: usize,
    pub suppressed: usize,
    /// Files matched by an exclude glob.
    pub excluded: usize,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Findings,
    pub errors: Vec<InputError>,
    pub counts: Counts,
    /// With `--metrics`: how the dump's series joined the manifests' containers.
    pub usage: Option<UsageSummary>,
}

/// Lints every source.
///
/// Memory stays proportional to the input's text, not to its tree: documents are parsed,
/// checked and dropped in batches, on every core. The documents that can give context to
/// others (ConfigMaps, LimitRanges) are read first, so that a workload is checked against every
/// ConfigMap of the input wherever it appears; what they give is kept in owned form, and their
/// trees only when they also hold other objects.
pub fn lint(sources: &[SourceFile], config: &Config, usage: Option<&[Usage]>) -> Outcome {
    // Units of work: runs of whole documents, in input order. Each is split into its documents
    // where it is worked on, so no list of every document of a large input is ever held.
    let batches: Vec<(usize, yaml::Chunk<'_>)> = sources
        .iter()
        .enumerate()
        .flat_map(|(index, source)| {
            yaml::split_batches(&source.text, BATCH_BYTES).into_iter().map(move |b| (index, b))
        })
        .collect();

    // First pass: the documents that may hold context, by their index in their batch.
    let first_pass: Vec<Vec<ContextDocument>> =
        crate::parallel::map(&batches, |(source, batch)| {
            let mut parser = yaml::ChunkParser::new(yaml::Limits::default());
            // Documents of context objects alone hold no pods, so need no context to be checked.
            let no_context = Context::new(config.settings.clone(), None);
            let documents = batch.documents();
            (0..documents.len())
                .filter(|&index| may_hold_context(documents[index].text))
                .map(|index| {
                    let parsed = parser.parse(&documents[index]);
                    let (found, chunk) =
                        read_context(sources, *source, parsed, &no_context, config);
                    ContextDocument { index, found, chunk }
                })
                .collect()
        });
    let mut context = Context::new(config.settings.clone(), usage);
    for ((source, _), documents) in batches.iter().zip(&first_pass) {
        for item in documents.iter().flat_map(|document| &document.found) {
            match item {
                ContextObject::LimitRange(defaults) => context.add_limit_range(defaults.clone()),
                ContextObject::ConfigMap { namespace, name, data } => {
                    context.add_config_map(ConfigMapData {
                        source: *source,
                        namespace: namespace.clone(),
                        name: name.clone(),
                        data,
                    });
                }
            }
        }
    }

    let work: Vec<usize> = (0..batches.len()).collect();
    let partials = crate::parallel::map(&work, |&b| {
        let (source, batch) = &batches[b];
        let mut partial = Partial::default();
        let mut parser = yaml::ChunkParser::new(yaml::Limits::default());
        for (index, chunk) in batch.documents().iter().enumerate() {
            let read_first = first_pass[b].binary_search_by_key(&index, |d| d.index);
            let parsed;
            let documents = match read_first.map(|at| &first_pass[b][at].chunk) {
                Ok(ContextChunk::Kept(documents)) => documents,
                Ok(ContextChunk::Checked { errors, documents, objects }) => {
                    partial.errors.extend(errors.iter().cloned());
                    partial.counts.documents += documents;
                    partial.counts.objects += objects;
                    continue;
                }
                Err(_) => {
                    parsed = parser.parse(chunk);
                    &parsed
                }
            };
            check_documents(sources, *source, documents, &context, config, &mut partial);
        }
        partial.findings.shrink_to_fit();
        partial
    });

    let mut outcome = Outcome::default();
    outcome.counts.files = sources.len();
    let mut matched = vec![false; usage.map_or(0, <[Usage]>::len)];
    let mut containers_without_metrics = Vec::new();
    let mut finding_lists = Vec::with_capacity(partials.len());
    for mut partial in partials {
        finding_lists.push(partial.findings);
        outcome.errors.append(&mut partial.errors);
        let counts = &mut outcome.counts;
        counts.documents += partial.counts.documents;
        counts.objects += partial.counts.objects;
        counts.pods += partial.counts.pods;
        counts.containers += partial.counts.containers;
        counts.suppressed += partial.counts.suppressed;
        for index in partial.matched_series {
            matched[index] = true;
        }
        containers_without_metrics.append(&mut partial.containers_without_metrics);
    }
    if let Some(usage) = usage {
        outcome.usage = Some(UsageSummary {
            matched_series: matched.iter().filter(|m| **m).count(),
            unmatched_series: usage
                .iter()
                .zip(&matched)
                .filter(|(_, m)| !**m)
                .map(|(u, _)| u.series.name())
                .collect(),
            containers_without_metrics,
        });
    }
    outcome.findings = Findings::new(finding_lists);
    outcome
}

/// What a ConfigMap or a LimitRange gives the context, owned, so that the tree it came from
/// can be dropped: most ConfigMaps are documents of their own.
#[derive(Debug)]
enum ContextObject {
    LimitRange(NamespaceDefaults),
    ConfigMap { namespace: Option<CompactString>, name: CompactString, data: Node },
}

/// A document of a batch that may hold context, after the first pass.
#[derive(Debug)]
struct ContextDocument {
    /// Its index among its batch's documents.
    index: usize,
    found: Vec<ContextObject>,
    chunk: ContextChunk,
}

/// A chunk that may hold context, after the first pass.
#[derive(Debug)]
enum ContextChunk {
    /// It also holds other objects (pods in a `List`, ...), checked in the second pass.
    Kept(Vec<Result<Document, yaml::YamlError>>),
    /// It holds only context objects: already checked, its tree dropped.
    Checked { errors: Vec<InputError>, documents: usize, objects: usize },
}

fn read_context(
    sources: &[SourceFile],
    source: usize,
    documents: Vec<Result<Document, yaml::YamlError>>,
    no_context: &Context<'_>,
    config: &Config,
) -> (Vec<ContextObject>, ContextChunk) {
    let mut found = Vec::new();
    let mut only_context = true;
    // Shape errors are reported once, when the chunk is checked.
    let mut ignored = Vec::new();
    let mut extractor = Extractor { errors: &mut ignored, source_name: &sources[source].name };
    for document in documents.iter().flatten() {
        for object in extractor.objects(source, document) {
            if let Some(defaults) = extractor.limit_range(&object) {
                found.push(ContextObject::LimitRange(defaults));
            } else if let Some(config_map) = extractor.config_map(&object) {
                found.push(ContextObject::ConfigMap {
                    namespace: config_map.namespace,
                    name: config_map.name,
                    data: config_map.data.clone(),
                });
            } else {
                only_context &= is_context(&object);
            }
        }
    }
    if !only_context {
        return (found, ContextChunk::Kept(documents));
    }
    let mut checked = Partial::default();
    check_documents(sources, source, &documents, no_context, config, &mut checked);
    let Partial { errors, counts, .. } = checked;
    (found, ContextChunk::Checked { errors, documents: counts.documents, objects: counts.objects })
}

/// Whether a chunk may hold a ConfigMap or a LimitRange: their `kind` has to be spelled out in
/// the text (a kind written with escape sequences would be missed, and only as context).
fn may_hold_context(text: &str) -> bool {
    static CONFIG_MAP: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("ConfigMap"));
    static LIMIT_RANGE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("LimitRange"));
    CONFIG_MAP.find(text.as_bytes()).is_some() || LIMIT_RANGE.find(text.as_bytes()).is_some()
}

/// Documents are grouped into batches of about this many bytes: large enough that handing out
/// work costs nothing, small enough that both cores get a share of a few hundred kilobytes and
/// that only a few batches' trees are alive at once.
const BATCH_BYTES: usize = 64 << 10;

/// What one batch of documents contributes to the outcome.
#[derive(Debug, Default)]
struct Partial {
    findings: Vec<Finding>,
    errors: Vec<InputError>,
    counts: Counts,
    /// Indices of the `--metrics` series that matched a container.
    matched_series: Vec<usize>,
    containers_without_metrics: Vec<String>,
}

fn check_documents<'a>(
    sources: &[SourceFile],
    source: usize,
    documents: &'a [Result<Document, yaml::YamlError>],
    context: &Context<'a>,
    config: &Config,
    partial: &mut Partial,
) {
    let name = &sources[source].name;
    let mut pods = Vec::new();
    let mut extractor = Extractor { errors: &mut partial.errors, source_name: name };
    for document in documents {
        let document = match document {
            Ok(document) => document,
            Err(error) => {
                extractor.errors.push(input_error(name, error));
                continue;
            }
        };
        extractor.errors.extend(document.duplicate_keys.iter().map(|e| input_error(name, e)));
        partial.counts.documents += 1;
        for object in extractor.objects(source, document) {
            partial.counts.objects += 1;
            // Context objects were read before any pod was checked.
            if is_context(&object) {
                continue;
            }
            if let Some(pod) = extractor.pod(&object) {
                pods.push(pod);
            }
        }
    }
    resolve_runtimes(&mut pods, context);
    for pod in &pods {
        partial.counts.pods += 1;
        partial.counts.containers += pod.containers.len();
        if let Some(usage) = context.usage {
            join_usage(usage, pod, partial);
        }
        check_pod(sources, pod, context, config, partial);
    }
}

fn input_error(file: &str, error: &yaml::YamlError) -> InputError {
    InputError {
        file: file.to_owned(),
        position: Some(error.position),
        message: error.message.clone(),
    }
}

/// Runs every enabled rule on one pod; findings that are not suppressed go to `partial`.
fn check_pod(
    sources: &[SourceFile],
    pod: &Pod<'_>,
    context: &Context<'_>,
    config: &Config,
    partial: &mut Partial,
) {
    let source = &sources[pod.source];
    // Shared by the pod's findings, and made only once it has one: most pods have none.
    let mut shared: Option<(Arc<ObjectRef>, Option<Arc<str>>)> = None;
    for rule in rules::REGISTRY {
        let Some(configured) = config.severity(rule) else { continue };
        let explicit = config.severities.contains_key(rule.id);
        let mut hits: Vec<Hit<'_>> = Vec::new();
        (rule.check)(pod, context, &mut hits);
        for hit in hits {
            let container_name = hit.container.map(|c| c.name.as_str());
            let hit_source = hit.source.unwrap_or(pod.source);
            let suppressed = suppress::by_annotation(pod, container_name, rule.id)
                || suppress::by_comment(
                    &sources[hit_source],
                    hit.node.start.line as usize,
                    hit.container.map(|c| (source, c.node.start.line as usize)),
                    rule.id,
                );
            if suppressed {
                partial.counts.suppressed += 1;
                continue;
            }
            // A rule may report some hits below its default (a headroom warning from an
            // error rule); a severity set in the config applies to all of them.
            let severity = if explicit { configured } else { hit.severity.unwrap_or(configured) };
            let (object, template) = shared
                .get_or_insert_with(|| (Arc::new(pod.object.clone()), pod.template.map(Arc::from)));
            partial.findings.push(Finding {
                rule: rule.id,
                severity,
                message: hit.message.into_boxed_str(),
                help: hit.help,
                location: Location { source: hit_source, start: hit.node.start, end: hit.node.end },
                object: Arc::clone(object),
                container: container_name.map(CompactString::from),
                template: template.clone(),
            });
        }
    }
}

/// The pods of the input, with what the rules may consult beyond them.
#[derive(Debug)]
pub struct Model<'a> {
    pub pods: Vec<Pod<'a>>,
    pub context: Context<'a>,
}

/// Reads objects, pod specs and context from already parsed documents (all of them at once,
/// for `fix`, which edits what it reads); counts and shape errors go to `outcome`.
pub fn build_model<'a>(
    sources: &[SourceFile],
    documents: &'a [Vec<Document>],
    config: &Config,
    usage: Option<&'a [Usage]>,
    outcome: &mut Outcome,
) -> Model<'a> {
    let mut context = Context::new(config.settings.clone(), usage);
    let mut pods: Vec<Pod<'a>> = Vec::new();
    for (index, (source, documents)) in sources.iter().zip(documents).enumerate() {
        let mut extractor = Extractor { errors: &mut outcome.errors, source_name: &source.name };
        for document in documents {
            outcome.counts.documents += 1;
            for object in extractor.objects(index, document) {
                outcome.counts.objects += 1;
                if !add_context(&mut extractor, &object, &mut context)
                    && let Some(pod) = extractor.pod(&object)
                {
                    pods.push(pod);
                }
            }
        }
    }
    resolve_runtimes(&mut pods, &context);
    Model { pods, context }
}

/// Adds a LimitRange's defaults or a ConfigMap's data to the context; false for other objects.
fn add_context<'a>(
    extractor: &mut Extractor<'_>,
    object: &Object<'a>,
    context: &mut Context<'a>,
) -> bool {
    if let Some(defaults) = extractor.limit_range(object) {
        context.add_limit_range(defaults);
    } else if let Some(config_map) = extractor.config_map(object) {
        context.add_config_map(config_map);
    } else {
        return is_context(object);
    }
    true
}

fn is_context(object: &Object<'_>) -> bool {
    matches!(object.object.kind.as_str(), "LimitRange" | "ConfigMap")
}

/// Resolves each container's runtime settings: they may come from ConfigMaps anywhere in the
/// input, so this runs once the whole context is known.
fn resolve_runtimes<'a>(pods: &mut [Pod<'a>], context: &Context<'a>) {
    for pod in pods {
        let views: Vec<RuntimeView<'_>> = pod
            .containers
            .iter()
            .map(|c| RuntimeView::of(&ProcessView::of(pod, c, context), &context.settings))
            .collect();
        for (container, view) in pod.containers.iter_mut().zip(views) {
            container.runtime = view;
        }
    }
}

/// Every source's documents; what cannot be read becomes an input error.
pub fn read_documents(sources: &[SourceFile], errors: &mut Vec<InputError>) -> Vec<Vec<Document>> {
    let parsed =
        crate::parallel::map(sources, |source| yaml::parse_stream(source, yaml::Limits::default()));
    sources
        .iter()
        .zip(parsed)
        .map(|(source, documents)| {
            documents
                .into_iter()
                .filter_map(|document| {
                    let problems = match &document {
                        Ok(document) => document.duplicate_keys.clone(),
                        Err(error) => vec![error.clone()],
                    };
                    errors.extend(problems.iter().map(|e| input_error(&source.name, e)));
                    document.ok()
                })
                .collect()
        })
        .collect()
}

/// Counts per severity, for summaries and the exit code.
pub fn count<'a>(findings: impl IntoIterator<Item = &'a Finding>, severity: Severity) -> usize {
    findings.into_iter().filter(|f| f.severity == severity).count()
}

/// Records which `--metrics` series belong to the pod's containers, and the containers that
/// have none.
fn join_usage(usage: &[Usage], pod: &Pod<'_>, partial: &mut Partial) {
    for container in &pod.containers {
        let found = matching(usage, pod, container);
        if found.is_empty() {
            partial
                .containers_without_metrics
                .push(format!("{} container {}", pod.object, container.name));
        }
        for series in found {
            if let Some(index) = usage.iter().position(|u| std::ptr::eq(u, series)) {
                partial.matched_series.push(index);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      containers:
        - name: app
          envFrom: [{configMapRef: {name: jvm}}]
          resources: {requests: {memory: 1Gi}, limits: {memory: 1Gi}}
";
    const CONFIG_MAP: &str = "\
apiVersion: v1
kind: ConfigMap
metadata: {name: jvm, namespace: shop}
data:
  JAVA_TOOL_OPTIONS: -Xmx2g
";

    fn padding(documents: usize) -> String {
        (0..documents)
            .map(|i| format!("---\napiVersion: v1\nkind: Service\nmetadata: {{name: s{i}}}\n"))
            .collect()
    }

    #[test]
    fn a_config_map_far_after_its_workload_still_resolves() {
        // Far enough apart that the two land in different batches, checked on different threads.
        let padding = padding(10_000);
        assert!(padding.len() > 4 * BATCH_BYTES);
        let text = format!("{DEPLOYMENT}{padding}---\n{CONFIG_MAP}");
        let config_map_line = text.lines().count();
        let sources = [SourceFile::new("stream.yaml".into(), text)];
        let outcome = lint(&sources, &Config::default(), None);
        let found: Vec<_> = outcome
            .findings
            .iter()
            .filter(|f| f.rule == "jvm-heap-exceeds-limit")
            .map(|f| f.location.start.line as usize)
            .collect();
        assert_eq!(found, [config_map_line]);
        assert_eq!(outcome.counts.documents, 10_002);
        assert_eq!(outcome.counts.pods, 1);
        assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    }

    #[test]
    fn context_chunks_are_checked_once_whether_kept_or_not() {
        let list = format!(
            "apiVersion: v1\nkind: List\nitems:\n{}",
            [DEPLOYMENT, CONFIG_MAP]
                .iter()
                .map(|object| {
                    let mut lines = object.lines();
                    let first = lines.next().unwrap_or_default();
                    let rest: String = lines.map(|line| format!("\n    {line}")).collect();
                    format!("  - {first}{rest}\n")
                })
                .collect::<String>()
        );
        let broken_config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n\
                                 data: {a: '1', a: '2'}\n";
        let text = format!("{list}---\n{broken_config_map}");
        let sources = [SourceFile::new("list.yaml".into(), text)];
        let outcome = lint(&sources, &Config::default(), None);
        assert!(outcome.findings.iter().any(|f| f.rule == "jvm-heap-exceeds-limit"));
        assert_eq!(outcome.counts.documents, 2);
        assert_eq!(outcome.counts.objects, 3);
        assert_eq!(outcome.counts.pods, 1);
        let errors: Vec<_> = outcome.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("duplicate key `a`"));
    }

    /// The whole input in memory at once, as `fix` reads it: what the batched engine must match.
    fn lint_all_at_once(sources: &[SourceFile], config: &Config) -> Outcome {
        let mut outcome = Outcome::default();
        let documents = read_documents(sources, &mut outcome.errors);
        let model = build_model(sources, &documents, config, None, &mut outcome);
        let mut partial = Partial::default();
        for pod in &model.pods {
            partial.counts.pods += 1;
            partial.counts.containers += pod.containers.len();
            check_pod(sources, pod, &model.context, config, &mut partial);
        }
        outcome.counts.pods = partial.counts.pods;
        outcome.counts.containers = partial.counts.containers;
        outcome.counts.suppressed = partial.counts.suppressed;
        outcome.findings = Findings::new(vec![partial.findings]);
        outcome
    }

    fn summary(outcome: &Outcome) -> (Vec<String>, Vec<String>, Counts) {
        let findings = outcome
            .findings
            .iter()
            .map(|f| {
                let at = f.location.start;
                format!("{} {}:{}:{} {}", f.rule, f.location.source, at.line, at.column, f.message)
            })
            .collect();
        let mut errors: Vec<String> = outcome
            .errors
            .iter()
            .map(|e| format!("{} {:?} {}", e.file, e.position, e.message))
            .collect();
        // The batched engine reports errors in input order, the other parse errors first.
        errors.sort();
        let counts = Counts { files: 0, ..outcome.counts.clone() };
        (findings, errors, counts)
    }

    #[test]
    fn batches_find_what_reading_everything_at_once_finds() {
        let mut files = Vec::new();
        let mut pending = vec![
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/manifests"),
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
        ];
        while let Some(path) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&path) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
                {
                    files.push(path);
                }
            }
        }
        files.sort();
        assert!(files.len() > 40, "{}", files.len());
        // Each file alone, and all of them as one run (ConfigMaps of one file, pods of another).
        let sources: Vec<SourceFile> = files
            .iter()
            .filter_map(|path| {
                let text = String::from_utf8(std::fs::read(path).ok()?).ok()?;
                Some(SourceFile::new(path.display().to_string(), text))
            })
            .collect();
        let config = Config::default();
        for source in &sources {
            let alone = std::slice::from_ref(source);
            assert_eq!(
                summary(&lint(alone, &config, None)),
                summary(&lint_all_at_once(alone, &config)),
                "{}",
                source.name
            );
        }
        assert_eq!(
            summary(&lint(&sources, &config, None)),
            summary(&lint_all_at_once(&sources, &config))
        );
        // A stream of every fixture, repeated until it is cut into several batches.
        let once: String = sources.iter().map(|s| format!("---\n{}\n", s.text)).collect();
        let stream = once.repeat((4 * BATCH_BYTES).div_ceil(once.len()) + 1);
        let stream = [SourceFile::new("stream.yaml".into(), stream)];
        assert_eq!(
            summary(&lint(&stream, &config, None)),
            summary(&lint_all_at_once(&stream, &config))
        );
    }

    #[test]
    fn batches_keep_the_order_of_findings_and_errors() {
        let broken = "---\nkind: Pod\nspec: [unclosed\n";
        let unit = format!("---\n{DEPLOYMENT}{}{broken}", padding(200));
        let text = unit.repeat(20);
        let sources = [
            SourceFile::new("a.yaml".into(), text.clone()),
            SourceFile::new("b.yaml".into(), text),
        ];
        let outcome = lint(&sources, &Config::default(), None);
        let keys: Vec<_> =
            outcome.findings.iter().map(|f| (f.location.source, f.location.start.line)).collect();
        assert!(keys.is_sorted());
        assert_eq!(keys.len() % 40, 0);
        let errors: Vec<_> =
            outcome.errors.iter().map(|e| (e.file.as_str(), e.position.map(|p| p.line))).collect();
        assert_eq!(errors.len(), 40);
        assert!(errors.is_sorted(), "{errors:?}");
    }
}
