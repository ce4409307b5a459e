//! Suppressions: annotations on the object or its pod template, and inline comments.
//!
//! - `oom-lint.io/ignore: "rule-a,rule-b"` — every container of the pod (`all` or `*` for every rule);
//! - `oom-lint.io/ignore.<container>: "rule-a"` — one container;
//! - `# oom-lint: ignore[rule-a,rule-b]` on the finding's line, on a container's first line
//!   (`- name: app`), or on a comment line just above it.

use super::model::Pod;
use super::source::SourceFile;
use super::yaml::Node;

pub const ANNOTATION: &str = "oom-lint.io/ignore";

pub use super::source::COMMENT_MARKER;

pub fn by_annotation(pod: &Pod<'_>, container: Option<&str>, rule: &str) -> bool {
    pod.annotations.iter().any(|annotations| {
        let pod_wide = annotations.get(ANNOTATION).and_then(Node::as_str);
        let per_container = container.and_then(|name| {
            annotations.get(&format!("{ANNOTATION}.{name}")).and_then(Node::as_str)
        });
        [pod_wide, per_container].into_iter().flatten().any(|list| lists(list, rule))
    })
}

/// Looks at the finding's own line, and at the container's first line and the comment-only
/// lines directly above it (the container may be in another source than the finding, whose
/// flag can come from a ConfigMap).
pub fn by_comment(
    finding_source: &SourceFile,
    finding_line: usize,
    container: Option<(&SourceFile, usize)>,
    rule: &str,
) -> bool {
    // Most inputs have no suppression comment at all: then no line need be looked at.
    if finding_source.has_suppression_comments()
        && comment_lists(finding_source.line_text(finding_line), rule)
    {
        return true;
    }
    let Some((source, line)) = container.filter(|(source, _)| source.has_suppression_comments())
    else {
        return false;
    };
    let mut candidate = line;
    loop {
        if comment_lists(source.line_text(candidate), rule) {
            return true;
        }
        candidate -= 1;
        if candidate == 0 || !source.line_text(candidate).trim_start().starts_with('#') {
            return false;
        }
    }
}

fn comment_lists(line: &str, rule: &str) -> bool {
    comment_list(line).is_some_and(|(_, list)| lists(list, rule))
}

/// The rule list of a suppression comment on `line` (`a, b` of `# oom-lint: ignore[a, b]`),
/// with its byte offset in the line.
pub fn comment_list(line: &str) -> Option<(usize, &str)> {
    // Most lines have no comment at all; a byte search rules them out cheaply.
    let hash = line.find('#')?;
    let comment = &line[hash..];
    let index = comment.match_indices(COMMENT_MARKER).map(|(i, _)| i).find(|&i| {
        let before = comment[..i].strip_suffix(' ').unwrap_or(&comment[..i]);
        before.ends_with('#')
    })?;
    let rest = &comment[index..];
    let open = rest.find('[')?;
    let close = rest.find(']')?;
    (close > open).then(|| (hash + index + open + 1, &rest[open + 1..close]))
}

/// The ids a list names, with their byte offsets in it; `all` and `*` stand for every rule.
pub fn list_items(list: &str) -> impl Iterator<Item = (usize, &str)> {
    list.split(',').scan(0, |offset, item| {
        let start = *offset + (item.len() - item.trim_start().len());
        *offset += item.len() + 1;
        Some((start, item.trim()))
    })
}

/// Whether a suppression list item names every rule.
pub fn is_wildcard(item: &str) -> bool {
    item == "all" || item == "*"
}

fn lists(list: &str, rule: &str) -> bool {
    list.split(',').map(str::trim).any(|item| item == rule || is_wildcard(item))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments() {
        let source = SourceFile::new(
            "x".into(),
            "containers:\n  # keep: upstream chart\n  # oom-lint: ignore[memory-limit-missing, memory-request-missing]\n  - name: a\n  - name: b # oom-lint: ignore[all]\n".into(),
        );
        assert!(by_comment(&source, 4, Some((&source, 4)), "memory-limit-missing"));
        assert!(by_comment(&source, 4, Some((&source, 4)), "memory-request-missing"));
        assert!(!by_comment(&source, 4, Some((&source, 4)), "sidecar-memory-limit-missing"));
        assert!(by_comment(&source, 5, Some((&source, 5)), "anything"));
        assert!(!by_comment(&source, 1, None, "memory-limit-missing"));
    }

    #[test]
    fn the_marker_counts_only_right_after_a_hash() {
        assert!(comment_lists("  - name: a #oom-lint: ignore[rule-a]", "rule-a"));
        assert!(comment_lists("  - name: a # oom-lint: ignore[rule-a]", "rule-a"));
        assert!(!comment_lists("  value: \"oom-lint: ignore[rule-a]\" # note", "rule-a"));
        assert!(!comment_lists("  # see oom-lint: ignore[rule-a]", "rule-a"));
        assert!(!comment_lists("  # oom-lint: ignore[rule-b]", "rule-a"));
    }
}
