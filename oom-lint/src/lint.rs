//! `check`'s driver: the engine's pods → every enabled rule → findings not suppressed, with
//! the counts and the `--metrics` join for the summary.

use std::sync::Arc;

use compact_str::CompactString;

use crate::config::Config;
use crate::engine::model::{Context, Pod};
use crate::engine::source::{InputError, Position, SourceFile};
use crate::engine::suppress;
use crate::engine::walk::{self, Counts, ResolvedPod};
use crate::engine::yaml;
use crate::finding::{Finding, Findings, Location, ObjectRef};
use crate::observed::{self, ContainerUsage, Usage, UsageSummary};
use crate::rules::{self, CheckContext, Hit, Part};

#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Findings,
    pub errors: Vec<InputError>,
    pub counts: Counts,
    /// With `--metrics`: how the dump's series joined the manifests' containers.
    pub usage: Option<UsageSummary>,
}

/// Lints every source, with the observed usage of `--metrics` when given. The engine walks the
/// input in batches on every core ([`walk::walk`]); each batch's findings stay in their list.
pub fn check(sources: &[SourceFile], config: &Config, usage: Option<&[Usage]>) -> Outcome {
    let walked = walk::walk(sources, &config.settings, |pod, context, partial: &mut Partial| {
        partial.suppressed +=
            check_pod(sources, pod, context, config, usage, &mut partial.findings);
        if let Some(usage) = usage {
            join_usage(usage, &pod.pod, partial);
        }
    });

    let mut outcome =
        Outcome { errors: walked.errors, counts: walked.counts, ..Outcome::default() };
    let mut limit_range_findings = Vec::new();
    outcome.counts.suppressed += check_limit_range_values(
        sources,
        &walked.limit_range_quantities,
        config,
        &mut limit_range_findings,
    );
    let mut matched = vec![false; usage.map_or(0, <[Usage]>::len)];
    let mut containers_without_metrics = Vec::new();
    let mut finding_lists = Vec::with_capacity(walked.partials.len());
    for mut partial in walked.partials {
        partial.findings.shrink_to_fit();
        finding_lists.push(partial.findings);
        outcome.counts.suppressed += partial.suppressed;
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
    finding_lists.push(limit_range_findings);
    outcome.findings = Findings::new(finding_lists);
    outcome
}

/// LimitRange memory values judged as quantities, as findings (a LimitRange is no pod: its
/// values are checked once, whatever the pods of its namespace). Suppressed by a comment on the
/// value's line or in the comment lines just above it. Returns how many were suppressed.
fn check_limit_range_values(
    sources: &[SourceFile],
    values: &[crate::engine::limit_range::LimitRangeQuantity],
    config: &Config,
    findings: &mut Vec<Finding>,
) -> usize {
    let mut suppressed_count = 0;
    for value in values {
        let Some((rule, hit)) = rules::limit_range_quantity(value) else { continue };
        let Some(configured) = config.severity(rule) else { continue };
        let source = &sources[value.source];
        let (start, end) = locate(source, &hit);
        // On its line or in the comment lines just above it, as for a container.
        let line = start.line as usize;
        if rule.ids().any(|id| suppress::by_comment(source, line, Some((source, line)), id)) {
            suppressed_count += 1;
            continue;
        }
        let explicit = config.configured(rule).is_some();
        findings.push(Finding {
            rule: rule.id,
            severity: if explicit { configured } else { hit.severity.unwrap_or(configured) },
            message: hit.message.into_boxed_str(),
            help: hit.help,
            location: Location { source: value.source, start, end },
            object: Arc::new(crate::engine::model::ObjectRef {
                kind: "LimitRange".into(),
                name: value.limit_range.clone(),
                namespace: value.namespace.clone(),
                pod_path: None,
            }),
            container: None,
            template: None,
        });
    }
    suppressed_count
}

/// What one batch of pods contributes to the outcome.
#[derive(Debug, Default)]
struct Partial {
    findings: Vec<Finding>,
    suppressed: usize,
    /// Indices of the `--metrics` series that matched a container.
    matched_series: Vec<usize>,
    containers_without_metrics: Vec<String>,
}

/// Runs every enabled rule on one pod; findings that are not suppressed go to `findings`.
/// Returns how many were suppressed.
pub fn check_pod(
    sources: &[SourceFile],
    resolved: &ResolvedPod<'_>,
    context: &Context<'_>,
    config: &Config,
    usage: Option<&[Usage]>,
    findings: &mut Vec<Finding>,
) -> usize {
    let pod = &resolved.pod;
    let observed: Vec<Option<ContainerUsage<'_>>> = match usage {
        Some(usage) => pod
            .containers
            .iter()
            .map(|container| observed::for_container(usage, pod, container, &config.settings))
            .collect(),
        None => Vec::new(),
    };
    let source = &sources[pod.source];
    let check_context =
        CheckContext { model: context, heaps: &resolved.heaps, observed: &observed, source };
    let mut suppressed_count = 0;
    // Shared by the pod's findings, and made only once it has one: most pods have none.
    let mut shared: Option<(Arc<ObjectRef>, Option<Arc<str>>)> = None;
    for rule in rules::REGISTRY {
        let Some(configured) = config.severity(rule) else { continue };
        let explicit = config.configured(rule).is_some();
        let mut hits: Vec<Hit<'_>> = Vec::new();
        (rule.check)(pod, &check_context, &mut hits);
        for hit in hits {
            let container_name = hit.container.map(|c| c.name.as_str());
            let hit_source = hit.source.unwrap_or(pod.source);
            let (start, end) = locate(&sources[hit_source], &hit);
            // A rule is also suppressed by the id of the rule it refines.
            let suppressed = rule.ids().any(|id| {
                suppress::by_annotation(pod, container_name, id)
                    || [start.line, hit.node.start.line].into_iter().any(|line| {
                        suppress::by_comment(
                            &sources[hit_source],
                            line as usize,
                            hit.container.map(|c| (source, c.node.start.line as usize)),
                            id,
                        )
                    })
            });
            if suppressed {
                suppressed_count += 1;
                continue;
            }
            // A rule may report some hits below its default (a headroom warning from an
            // error rule); a severity set in the config applies to all of them.
            let severity = if explicit { configured } else { hit.severity.unwrap_or(configured) };
            let (object, template) = shared
                .get_or_insert_with(|| (Arc::new(pod.object.clone()), pod.template.map(Arc::from)));
            findings.push(Finding {
                rule: rule.id,
                severity,
                message: hit.message.into_boxed_str(),
                help: hit.help,
                location: Location { source: hit_source, start, end },
                object: Arc::clone(object),
                container: container_name.map(CompactString::from),
                template: template.clone(),
            });
        }
    }
    suppressed_count
}

/// Where a hit points: the part of its node it names, else the whole node, a scalar without
/// its quotes or block header (so a finding always covers exactly the text it is about).
fn locate(source: &SourceFile, hit: &Hit<'_>) -> (Position, Position) {
    let whole = (hit.node.start, hit.node.end);
    let range = match &hit.part {
        Some(Part::Exact(start, end)) => return (*start, *end),
        Some(Part::Within(range)) => range.clone(),
        None => match hit.node.as_str() {
            Some(text) if !text.is_empty() => 0..text.len(),
            _ => return empty_quoted_scalar(source, hit.node).unwrap_or(whole),
        },
    };
    yaml::scalar_source_range(source, hit.node, range)
        .map_or(whole, |bytes| (source.position_of(bytes.start), source.position_of(bytes.end)))
}

/// An empty quoted scalar (`""`, `''`) covers its two quotes: there is no text inside to point at.
fn empty_quoted_scalar(source: &SourceFile, node: &yaml::Node) -> Option<(Position, Position)> {
    let yaml::Value::Scalar { text, style } = &node.value else { return None };
    let quotes = match style {
        yaml::Style::DoubleQuoted => "\"\"",
        yaml::Style::SingleQuoted => "''",
        _ => return None,
    };
    let at = source.byte_offset(node.start);
    let written = source.text.get(at..at + quotes.len())?;
    (text.is_empty() && written == quotes)
        .then(|| (node.start, source.position_of(at + quotes.len())))
}

/// Records which `--metrics` series belong to the pod's containers, and the containers that
/// have none.
fn join_usage(usage: &[Usage], pod: &Pod<'_>, partial: &mut Partial) {
    for container in &pod.containers {
        let found = observed::matching(usage, pod, container);
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
    use crate::engine::walk::BATCH_BYTES;

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
        let outcome = check(&sources, &Config::default(), None);
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
        let outcome = check(&sources, &Config::default(), None);
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
        let documents = walk::read_documents(sources, &mut outcome.errors);
        let model = walk::build_model(
            sources,
            &documents,
            &config.settings,
            &mut outcome.errors,
            &mut outcome.counts,
        );
        let mut findings = Vec::new();
        outcome.counts.suppressed +=
            check_limit_range_values(sources, &model.limit_range_quantities, config, &mut findings);
        for pod in &model.pods {
            outcome.counts.suppressed +=
                check_pod(sources, pod, &model.context, config, None, &mut findings);
        }
        outcome.findings = Findings::new(vec![findings]);
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
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/corpus"),
        ];
        for root in &pending {
            assert!(root.is_dir(), "{} is missing", root.display());
        }
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
                summary(&check(alone, &config, None)),
                summary(&lint_all_at_once(alone, &config)),
                "{}",
                source.name
            );
        }
        assert_eq!(
            summary(&check(&sources, &config, None)),
            summary(&lint_all_at_once(&sources, &config))
        );
        // A stream of every fixture, repeated until it is cut into several batches.
        let once: String = sources.iter().map(|s| format!("---\n{}\n", s.text)).collect();
        let stream = once.repeat((4 * BATCH_BYTES).div_ceil(once.len()) + 1);
        let stream = [SourceFile::new("stream.yaml".into(), stream)];
        assert_eq!(
            summary(&check(&stream, &config, None)),
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
        let outcome = check(&sources, &Config::default(), None);
        let keys: Vec<_> =
            outcome.findings.iter().map(|f| (f.location.source, f.location.start.line)).collect();
        assert!(keys.is_sorted());
        assert_eq!(keys.len() % 40, 0);
        let errors: Vec<_> =
            outcome.errors.iter().map(|e| (e.file.as_str(), e.position.map(|p| p.line))).collect();
        assert_eq!(errors.len(), 40);
        assert!(errors.is_sorted(), "{errors:?}");
    }

    mod spans {
        use proptest::prelude::*;

        use super::*;

        /// Words before the flag: multi-byte characters, quotes and backslashes that each style
        /// escapes its own way.
        const WORDS: &[&str] = &[
            "-XX:+UseG1GC",
            "-Dk=é",
            "-Dn=日本",
            "-De=😀",
            "-Dg=\"hi\"",
            "-Dq='a b'",
            "-Dp=C:\\tmp",
            "-Xss1m",
        ];

        #[derive(Debug, Clone, Copy)]
        enum Style {
            Plain,
            Single,
            Double,
            Literal,
            Folded,
            Script,
        }

        fn escape(style: Style, word: &str) -> String {
            match style {
                Style::Single => word.replace('\'', "''"),
                Style::Double => word.replace('\\', "\\\\").replace('"', "\\\""),
                _ => word.to_owned(),
            }
        }

        /// A pod whose JVM flags are written in `style`, `-Xmx2g` last; each word says whether a
        /// line break (rather than a space) comes before it.
        fn manifest(style: Style, words: &[(usize, bool)], crlf: bool) -> String {
            // A shell script with unbalanced quotes is another script.
            let usable =
                |word: &&str| !matches!(style, Style::Script) || !word.contains(['\'', '"', '\\']);
            let words: Vec<(String, bool)> = words
                .iter()
                .map(|&(index, newline)| (WORDS[index % WORDS.len()], newline))
                .filter(|(word, _)| usable(word))
                .map(|(word, newline)| (escape(style, word), newline))
                .chain([("-Xmx2g".to_owned(), false)])
                .collect();
            let indent = "            ";
            let mut joined = String::new();
            for (i, (word, newline)) in words.iter().enumerate() {
                if i > 0 {
                    if *newline {
                        joined.push('\n');
                        joined.push_str(indent);
                    } else {
                        joined.push(' ');
                    }
                }
                joined.push_str(word);
            }
            let head = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: app\n      image: x\n      resources: {limits: {memory: 1Gi}, requests: {memory: 1Gi}}\n";
            let text = match style {
                Style::Plain => format!(
                    "{head}      env:\n        - name: JAVA_TOOL_OPTIONS\n          value: {joined}\n"
                ),
                Style::Single => format!(
                    "{head}      env:\n        - name: JAVA_TOOL_OPTIONS\n          value: '{joined}'\n"
                ),
                Style::Double => format!(
                    "{head}      env:\n        - name: JAVA_TOOL_OPTIONS\n          value: \"{joined}\"\n"
                ),
                Style::Literal => format!(
                    "{head}      env:\n        - name: JAVA_TOOL_OPTIONS\n          value: |\n{indent}{joined}\n"
                ),
                Style::Folded => format!(
                    "{head}      env:\n        - name: JAVA_TOOL_OPTIONS\n          value: >\n{indent}{joined}\n"
                ),
                Style::Script => format!(
                    "{head}      command: [\"sh\", \"-c\"]\n      args:\n        - |\n{indent}echo é 😀\n\n{indent}exec java {joined} -jar /app.jar\n"
                ),
            };
            if crlf { text.replace('\n', "\r\n") } else { text }
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

            #[test]
            fn a_flag_finding_covers_exactly_the_flag(
                style in prop_oneof![
                    Just(Style::Plain), Just(Style::Single), Just(Style::Double),
                    Just(Style::Literal), Just(Style::Folded), Just(Style::Script),
                ],
                words in proptest::collection::vec((0..WORDS.len(), any::<bool>()), 0..7),
                crlf in any::<bool>(),
            ) {
                let text = manifest(style, &words, crlf);
                let sources = [SourceFile::new("p.yaml".into(), text.clone())];
                let outcome = check(&sources, &Config::default(), None);
                prop_assert!(outcome.errors.is_empty(), "{:?}\n{text}", outcome.errors);
                let heap: Vec<_> = outcome
                    .findings
                    .iter()
                    .filter(|f| f.rule == "jvm-heap-exceeds-limit")
                    .collect();
                prop_assert_eq!(heap.len(), 1, "{}", text);
                let location = &heap[0].location;
                let start = sources[0].byte_offset(location.start);
                let end = sources[0].byte_offset(location.end);
                prop_assert_eq!(&text[start..end.max(start)], "-Xmx2g", "{:?} {}", location, text);
            }
        }
    }
}
