use super::CheckContext;
use super::{Hit, Part, REGISTRY, Rule};
use crate::engine::model::Pod;
use crate::engine::source::Position;
use crate::engine::suppress::{ANNOTATION, comment_list, is_wildcard, list_items};
use crate::finding::Severity;

pub const RULE: Rule = Rule {
    id: "suppression-unknown-rule",
    default_severity: Severity::Warning,
    summary: "A suppression names a rule id that does not exist",
    doc: "\
An `oom-lint.io/ignore` annotation or a `# oom-lint: ignore[...]` comment that names an unknown
rule id (a typo, or a rule that was renamed) suppresses nothing, so the finding it was meant
for is still reported, or a later one is not silenced as intended. Comments are looked for on
the lines of the pod spec and of its annotations. `all` and `*` name every rule.

Bad:

```yaml
metadata:
  annotations:
    oom-lint.io/ignore: memory-limits-missing
```

Good:

```yaml
metadata:
  annotations:
    oom-lint.io/ignore: memory-limit-missing
```",
    refines: None,
    check,
};

fn known(id: &str) -> bool {
    id.is_empty() || is_wildcard(id) || REGISTRY.iter().any(|rule| rule.id == id)
}

fn check<'a>(pod: &'a Pod<'a>, context: &'a CheckContext<'a>, hits: &mut Vec<Hit<'a>>) {
    for annotations in &pod.annotations {
        for (key, value) in annotations.entries() {
            let Some(key) = key.as_str() else { continue };
            let per_container = key.strip_prefix(ANNOTATION).and_then(|k| k.strip_prefix('.'));
            if key != ANNOTATION && per_container.is_none() {
                continue;
            }
            let Some(list) = value.as_str() else { continue };
            for (offset, id) in list_items(list).filter(|(_, id)| !known(id)) {
                hits.push(Hit {
                    node: value,
                    source: None,
                    part: Some(Part::Within(offset..offset + id.len())),
                    severity: None,
                    container: None,
                    message: message(id, &format!("annotation `{key}`")),
                    help: Some(help(id).into()),
                });
            }
        }
    }
    // The lines a suppression comment for this pod can be on: its annotations and its spec.
    let first = pod.annotations.iter().map(|a| a.start.line).chain([pod.spec.start.line]).min();
    let source = context.source;
    if !source.has_suppression_comments() {
        return;
    }
    let last = pod.spec.end.line.min(u32::try_from(source.line_count()).unwrap_or(u32::MAX));
    let first = first.unwrap_or(pod.spec.start.line).saturating_sub(1).max(1);
    for line in first..=last {
        let text = source.line_text(line as usize);
        let Some((list_offset, list)) = comment_list(text) else { continue };
        for (offset, id) in list_items(list).filter(|(_, id)| !known(id)) {
            let column = |byte: usize| {
                let characters = text.get(..byte).map_or(0, |before| before.chars().count());
                Position::new(line as usize, characters + 1)
            };
            let start = list_offset + offset;
            hits.push(Hit {
                node: pod.spec,
                source: None,
                part: Some(Part::Exact(column(start), column(start + id.len()))),
                severity: None,
                container: None,
                message: message(id, "suppression comment"),
                help: Some(help(id).into()),
            });
        }
    }
}

fn message(id: &str, place: &str) -> String {
    format!("{place} names `{id}`, which is not a rule: it suppresses nothing")
}

fn help(id: &str) -> String {
    // The closest id, for a typo: a few edits away at most.
    let closest = REGISTRY
        .iter()
        .map(|rule| (edit_distance(rule.id, id), rule.id))
        .min()
        .filter(|&(distance, _)| distance <= 3);
    match closest {
        Some((_, rule)) => format!("did you mean `{rule}`? `oom-lint rules` lists every id"),
        None => "`oom-lint rules` lists every rule id".to_owned(),
    }
}

/// Levenshtein distance, over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}
