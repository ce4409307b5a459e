//! Sources → documents → objects → pods with their context and heap settings: the one way every
//! command builds the model. `check` walks it in batches ([`walk`]); `fix`, which edits what it
//! reads, holds it all at once ([`read_documents`] then [`build_model`]). Both read context
//! (ConfigMaps, LimitRanges) from the whole input before any pod is looked at, with the same
//! settings, so they agree on every pod.

use std::sync::LazyLock;

use compact_str::CompactString;
use memchr::memmem::Finder;

use super::admission;
use super::heaps::{self, RuntimeView};
use super::limit_range::{LimitRangeQuantity, NamespaceLimits};
use super::model::{ConfigMapData, Context, Extractor, Object, Pod};
use super::parallel;
use super::shapes;
use super::source::{InputError, SourceFile};
use super::yaml::{self, Document, Node};
use crate::settings::Settings;

/// What a run read and left out, for the summary.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    pub files: usize,
    pub documents: usize,
    pub objects: usize,
    pub pods: usize,
    pub containers: usize,
    /// Findings hidden by a suppression.
    pub suppressed: usize,
    /// Files matched by an exclude glob.
    pub excluded: usize,
}

impl Counts {
    /// Adds what another part of the input counted.
    pub fn add(&mut self, other: &Counts) {
        self.files += other.files;
        self.documents += other.documents;
        self.objects += other.objects;
        self.pods += other.pods;
        self.containers += other.containers;
        self.suppressed += other.suppressed;
        self.excluded += other.excluded;
    }
}

/// A pod of the input with the heap settings of its containers (indexed like
/// [`Pod::containers`]).
#[derive(Debug)]
pub struct ResolvedPod<'a> {
    pub pod: Pod<'a>,
    pub heaps: Vec<RuntimeView<'a>>,
}

impl<'a> ResolvedPod<'a> {
    fn resolve(mut pod: Pod<'a>, context: &Context<'a>) -> Self {
        pod.admission = admission::admit(&pod, context.limits_for(pod.object.namespace.as_deref()));
        let heaps = heaps::resolve(&pod, context);
        Self { pod, heaps }
    }
}

/// What [`walk`] gives back: one `P` per batch in input order, and what the engine itself found.
#[derive(Debug)]
pub struct Walked<P> {
    pub partials: Vec<P>,
    pub errors: Vec<InputError>,
    pub counts: Counts,
    /// The LimitRanges' memory values as written, in input order, for the rules.
    pub limit_range_quantities: Vec<LimitRangeQuantity>,
}

/// Calls `visit` on every pod of `sources`, with the input's context.
///
/// Memory stays proportional to the input's text, not to its tree: documents are parsed,
/// visited and dropped in batches, on every core, each batch filling its own `P`. The documents
/// that can give context to others (ConfigMaps, LimitRanges) are read first, so that a workload
/// sees every ConfigMap of the input wherever it appears; what they give is kept in owned form,
/// and their trees only when they also hold other objects.
pub fn walk<P, F>(sources: &[SourceFile], settings: &Settings, visit: F) -> Walked<P>
where
    P: Default + Send,
    F: for<'a> Fn(&ResolvedPod<'a>, &Context<'a>, &mut P) + Sync,
{
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
    let first_pass: Vec<Vec<ContextDocument>> = parallel::map(&batches, |(source, batch)| {
        let mut parser = yaml::ChunkParser::new(yaml::Limits::default());
        let documents = batch.documents();
        (0..documents.len())
            .filter(|&index| may_hold_context(documents[index].text))
            .map(|index| {
                let parsed = parser.parse(&documents[index]);
                let (mut found, errors, chunk) = read_context(sources, *source, parsed);
                let quantities = found
                    .iter_mut()
                    .flat_map(|item| match item {
                        ContextObject::LimitRange(limits) => std::mem::take(&mut limits.quantities),
                        ContextObject::ConfigMap { .. } => Vec::new(),
                    })
                    .collect();
                ContextDocument { index, found, errors, quantities, chunk }
            })
            .collect()
    });
    let mut context = Context::new(settings.clone());
    for ((source, _), documents) in batches.iter().zip(&first_pass) {
        for item in documents.iter().flat_map(|document| &document.found) {
            match item {
                ContextObject::LimitRange(limits) => context.add_limit_range((**limits).clone()),
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
    let batch_results = parallel::map(&work, |&b| {
        let (source, batch) = &batches[b];
        let mut result = BatchResult::<P>::default();
        let mut parser = yaml::ChunkParser::new(yaml::Limits::default());
        for (index, chunk) in batch.documents().iter().enumerate() {
            let read_first = first_pass[b].binary_search_by_key(&index, |d| d.index);
            if let Ok(at) = read_first {
                result.errors.extend(first_pass[b][at].errors.iter().cloned());
                result.quantities.extend(first_pass[b][at].quantities.iter().cloned());
            }
            let parsed;
            let documents = match read_first.map(|at| &first_pass[b][at].chunk) {
                Ok(ContextChunk::Kept(documents)) => documents,
                Ok(ContextChunk::Checked { errors, documents, objects }) => {
                    result.errors.extend(errors.iter().cloned());
                    result.counts.documents += documents;
                    result.counts.objects += objects;
                    continue;
                }
                Err(_) => {
                    parsed = parser.parse(chunk);
                    &parsed
                }
            };
            for pod in pods_of(sources, *source, documents, &mut result.errors, &mut result.counts)
            {
                let pod = ResolvedPod::resolve(pod, &context);
                visit(&pod, &context, &mut result.partial);
            }
        }
        result
    });

    let mut walked = Walked {
        partials: Vec::with_capacity(batches.len()),
        errors: Vec::new(),
        counts: Counts::default(),
        limit_range_quantities: Vec::new(),
    };
    walked.counts.files = sources.len();
    for mut result in batch_results {
        walked.errors.append(&mut result.errors);
        walked.limit_range_quantities.append(&mut result.quantities);
        walked.counts.add(&result.counts);
        walked.partials.push(result.partial);
    }
    walked
}

#[derive(Debug, Default)]
struct BatchResult<P> {
    partial: P,
    errors: Vec<InputError>,
    counts: Counts,
    quantities: Vec<LimitRangeQuantity>,
}

/// What a ConfigMap or a LimitRange gives the context, owned, so that the tree it came from
/// can be dropped: most ConfigMaps are documents of their own.
#[derive(Debug)]
enum ContextObject {
    LimitRange(Box<NamespaceLimits>),
    ConfigMap { namespace: Option<CompactString>, name: CompactString, data: Node },
}

/// A document of a batch that may hold context, after the first pass.
#[derive(Debug)]
struct ContextDocument {
    /// Its index among its batch's documents.
    index: usize,
    found: Vec<ContextObject>,
    /// Errors in the context objects themselves (LimitRange values that are no scalar, a
    /// default request above the default limit).
    errors: Vec<InputError>,
    /// The LimitRanges' memory values as written.
    quantities: Vec<LimitRangeQuantity>,
    chunk: ContextChunk,
}

/// A chunk that may hold context, after the first pass.
#[derive(Debug)]
enum ContextChunk {
    /// It also holds other objects (pods in a `List`, ...), read in the second pass.
    Kept(Vec<Result<Document, yaml::YamlError>>),
    /// It holds only context objects: already read, its tree dropped.
    Checked { errors: Vec<InputError>, documents: usize, objects: usize },
}

fn read_context(
    sources: &[SourceFile],
    source: usize,
    documents: Vec<Result<Document, yaml::YamlError>>,
) -> (Vec<ContextObject>, Vec<InputError>, ContextChunk) {
    let mut found = Vec::new();
    // LimitRange errors are reported from here: the second pass skips context objects.
    let mut limit_range_errors = Vec::new();
    let mut only_context = true;
    // Shape errors are reported once, when the chunk is read for its pods.
    let mut ignored = Vec::new();
    let mut extractor = Extractor { errors: &mut ignored, source_name: &sources[source].name };
    for document in documents.iter().flatten() {
        for object in extractor.objects(source, document) {
            let mut limit_ranges =
                Extractor { errors: &mut limit_range_errors, source_name: &sources[source].name };
            if let Some(limits) = limit_ranges.limit_range(&object) {
                found.push(ContextObject::LimitRange(Box::new(limits)));
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
        return (found, limit_range_errors, ContextChunk::Kept(documents));
    }
    let mut errors = Vec::new();
    let mut counts = Counts::default();
    // Context objects alone hold no pods.
    let pods = pods_of(sources, source, &documents, &mut errors, &mut counts);
    debug_assert!(pods.is_empty());
    (
        found,
        limit_range_errors,
        ContextChunk::Checked { errors, documents: counts.documents, objects: counts.objects },
    )
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
pub const BATCH_BYTES: usize = 64 << 10;

/// The pods of some documents (context objects skipped: they were read first); parse and shape
/// errors go to `errors`.
fn pods_of<'a>(
    sources: &[SourceFile],
    source: usize,
    documents: &'a [Result<Document, yaml::YamlError>],
    errors: &mut Vec<InputError>,
    counts: &mut Counts,
) -> Vec<Pod<'a>> {
    let name = &sources[source].name;
    let mut pods = Vec::new();
    let mut extractor = Extractor { errors, source_name: name };
    for document in documents {
        let document = match document {
            Ok(document) => document,
            Err(error) => {
                extractor.errors.push(input_error(&sources[source], error));
                continue;
            }
        };
        extractor
            .errors
            .extend(document.duplicate_keys.iter().map(|e| input_error(&sources[source], e)));
        counts.documents += 1;
        for object in extractor.objects(source, document) {
            counts.objects += 1;
            // Context objects were read before any pod was looked at.
            if is_context(&object) {
                continue;
            }
            for pod in shapes::pods(&mut extractor, &object) {
                counts.pods += 1;
                counts.containers += pod.containers.len();
                pods.push(pod);
            }
        }
    }
    pods
}

/// A parse error as the reader of `source` should see it: a JSON file (by name, or a text in
/// braces from stdin) is invalid JSON, not YAML, and one that fails at its end was cut short.
fn input_error(source: &SourceFile, error: &yaml::YamlError) -> InputError {
    let name = source.name.to_ascii_lowercase();
    let json = name.ends_with(".json")
        || (!name.ends_with(".yaml")
            && !name.ends_with(".yml")
            && source.text.trim_start_matches('\u{feff}').trim_start().starts_with(['{', '[']));
    let mut position = error.position;
    let message = match error.message.strip_prefix("invalid YAML: ") {
        Some(info) if json => {
            let last_line = source.text.trim_end().lines().count().max(1);
            let at_end = position.line as usize >= last_line;
            if at_end {
                // The end of the stream: the last line, where the text stops.
                position = super::source::Position::new(last_line, 1);
            }
            format!("invalid JSON: {info}{}", if at_end { " (cut short?)" } else { "" })
        }
        _ => error.message.clone(),
    };
    InputError { file: source.name.clone(), position: Some(position), message }
}

/// The pods of the input, with their context, all at once (for `fix`).
#[derive(Debug)]
pub struct Model<'a> {
    pub pods: Vec<ResolvedPod<'a>>,
    pub context: Context<'a>,
    /// The LimitRanges' memory values as written, for the rules (as [`Walked`] has them).
    pub limit_range_quantities: Vec<LimitRangeQuantity>,
}

impl Model<'_> {
    /// The LimitRange values the API server rejects, as input errors, for the commands that
    /// do not lint (`fix`, `diagnose`): `check` reports them as findings.
    pub fn rejected_limit_range_values(&self, sources: &[SourceFile]) -> Vec<InputError> {
        self.limit_range_quantities
            .iter()
            .filter(|value| value.is_rejected())
            .map(|value| value.input_error(&sources[value.source].name))
            .collect()
    }
}

/// Reads objects, pod specs and context from already parsed documents; shape errors go to
/// `errors`. The same context and settings as [`walk`]'s.
pub fn build_model<'a>(
    sources: &[SourceFile],
    documents: &'a [Vec<Document>],
    settings: &Settings,
    errors: &mut Vec<InputError>,
    counts: &mut Counts,
) -> Model<'a> {
    let mut context = Context::new(settings.clone());
    let mut pods: Vec<Pod<'a>> = Vec::new();
    let mut limit_range_quantities = Vec::new();
    for (index, (source, documents)) in sources.iter().zip(documents).enumerate() {
        let mut extractor = Extractor { errors, source_name: &source.name };
        for document in documents {
            counts.documents += 1;
            for object in extractor.objects(index, document) {
                counts.objects += 1;
                if add_context(&mut extractor, &object, &mut context, &mut limit_range_quantities) {
                    continue;
                }
                for pod in shapes::pods(&mut extractor, &object) {
                    counts.pods += 1;
                    counts.containers += pod.containers.len();
                    pods.push(pod);
                }
            }
        }
    }
    let pods = pods.into_iter().map(|pod| ResolvedPod::resolve(pod, &context)).collect();
    Model { pods, context, limit_range_quantities }
}

/// Adds a LimitRange's defaults or a ConfigMap's data to the context; false for other objects.
fn add_context<'a>(
    extractor: &mut Extractor<'_>,
    object: &Object<'a>,
    context: &mut Context<'a>,
    limit_range_quantities: &mut Vec<LimitRangeQuantity>,
) -> bool {
    if let Some(mut defaults) = extractor.limit_range(object) {
        limit_range_quantities.append(&mut defaults.quantities);
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

/// Every source's documents; what cannot be read becomes an input error.
pub fn read_documents(sources: &[SourceFile], errors: &mut Vec<InputError>) -> Vec<Vec<Document>> {
    let parsed =
        parallel::map(sources, |source| yaml::parse_stream(source, yaml::Limits::default()));
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
                    errors.extend(problems.iter().map(|e| input_error(source, e)));
                    document.ok()
                })
                .collect()
        })
        .collect()
}
