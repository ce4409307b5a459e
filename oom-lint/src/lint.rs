//! The engine: sources → documents → objects and pods → rule hits → findings.

use crate::config::Config;
use crate::environment::ProcessView;
use crate::finding::{Finding, InputError, Location, Severity};
use crate::rules::{self, Hit};
use crate::runtime_view::RuntimeView;
use crate::source::SourceFile;
use crate::suppress;
use crate::usage::{Usage, UsageSummary, matching};
use crate::workloads::{Context, Extractor, Pod};
use crate::yaml::{self, Document};

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
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    pub counts: Counts,
    /// With `--metrics`: how the dump's series joined the manifests' containers.
    pub usage: Option<UsageSummary>,
}

pub fn lint(sources: &[SourceFile], config: &Config, usage: Option<&[Usage]>) -> Outcome {
    let mut outcome = Outcome::default();
    outcome.counts.files = sources.len();

    let documents = read_documents(sources, &mut outcome.errors);

    let Model { pods, context } = build_model(sources, &documents, config, usage, &mut outcome);

    if let Some(usage) = usage {
        outcome.usage = Some(join_summary(usage, &pods));
    }

    for pod in &pods {
        outcome.counts.pods += 1;
        outcome.counts.containers += pod.containers.len();
        let source = &sources[pod.source];
        for rule in rules::REGISTRY {
            let Some(configured) = config.severity(rule) else { continue };
            let explicit = config.severities.contains_key(rule.id);
            let mut hits: Vec<Hit<'_>> = Vec::new();
            (rule.check)(pod, &context, &mut hits);
            for hit in hits {
                let container_name = hit.container.map(|c| c.name.as_str());
                let hit_source = hit.source.unwrap_or(pod.source);
                let suppressed = suppress::by_annotation(pod, container_name, rule.id)
                    || suppress::by_comment(
                        &sources[hit_source],
                        hit.node.start.line,
                        hit.container.map(|c| (source, c.node.start.line)),
                        rule.id,
                    );
                if suppressed {
                    outcome.counts.suppressed += 1;
                    continue;
                }
                // A rule may report some hits below its default (a headroom warning from an
                // error rule); a severity set in the config applies to all of them.
                let severity =
                    if explicit { configured } else { hit.severity.unwrap_or(configured) };
                outcome.findings.push(Finding {
                    rule: rule.id,
                    severity,
                    message: hit.message,
                    help: hit.help,
                    location: Location {
                        source: hit_source,
                        start: hit.node.start,
                        end: hit.node.end,
                    },
                    object: pod.object.clone(),
                    container: container_name.map(str::to_owned),
                    template: pod.template.map(str::to_owned),
                });
            }
        }
    }
    outcome.findings.sort_by(|a, b| {
        (a.location.source, a.location.start.line, a.location.start.column, a.rule).cmp(&(
            b.location.source,
            b.location.start.line,
            b.location.start.column,
            b.rule,
        ))
    });
    outcome
}

/// The pods of the input, with what the rules may consult beyond them.
#[derive(Debug)]
pub struct Model<'a> {
    pub pods: Vec<Pod<'a>>,
    pub context: Context<'a>,
}

/// Reads objects, pod specs and context from the documents; counts and shape errors go to
/// `outcome`.
pub fn build_model<'a>(
    sources: &[SourceFile],
    documents: &'a [Vec<Document>],
    config: &Config,
    usage: Option<&'a [Usage]>,
    outcome: &mut Outcome,
) -> Model<'a> {
    let mut context = Context { settings: config.settings.clone(), usage, ..Context::default() };
    let mut pods: Vec<Pod<'a>> = Vec::new();
    for (index, (source, documents)) in sources.iter().zip(documents).enumerate() {
        let mut extractor = Extractor { errors: &mut outcome.errors, source_name: &source.name };
        for document in documents {
            outcome.counts.documents += 1;
            for object in extractor.objects(index, document) {
                outcome.counts.objects += 1;
                if let Some(defaults) = extractor.limit_range(&object) {
                    context.limit_ranges.push(defaults);
                } else if let Some(config_map) = extractor.config_map(&object) {
                    context.config_maps.push(config_map);
                } else if let Some(pod) = extractor.pod(&object) {
                    pods.push(pod);
                }
            }
        }
    }

    // Runtime settings can come from ConfigMaps anywhere in the input, so they are resolved
    // only once every object has been read.
    for pod in &mut pods {
        let views: Vec<RuntimeView<'_>> = pod
            .containers
            .iter()
            .map(|c| RuntimeView::of(&ProcessView::of(pod, c, &context), &context.settings))
            .collect();
        for (container, view) in pod.containers.iter_mut().zip(views) {
            container.runtime = view;
        }
    }
    Model { pods, context }
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
                    errors.extend(problems.into_iter().map(|e| InputError {
                        file: source.name.clone(),
                        position: Some(e.position),
                        message: e.message,
                    }));
                    document.ok()
                })
                .collect()
        })
        .collect()
}

/// Counts per severity, for summaries and the exit code.
pub fn count(findings: &[Finding], severity: Severity) -> usize {
    findings.iter().filter(|f| f.severity == severity).count()
}

fn join_summary(usage: &[Usage], pods: &[Pod<'_>]) -> UsageSummary {
    let mut matched = vec![false; usage.len()];
    let mut summary = UsageSummary::default();
    for pod in pods {
        for container in &pod.containers {
            let found = matching(usage, pod, container);
            if found.is_empty() {
                summary
                    .containers_without_metrics
                    .push(format!("{} container {}", pod.object, container.name));
            }
            for series in found {
                if let Some(index) = usage.iter().position(|u| std::ptr::eq(u, series)) {
                    matched[index] = true;
                }
            }
        }
    }
    summary.matched_series = matched.iter().filter(|m| **m).count();
    summary.unmatched_series =
        usage.iter().zip(&matched).filter(|(_, m)| !**m).map(|(u, _)| u.series.name()).collect();
    summary
}
