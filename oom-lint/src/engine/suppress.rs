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
    // Most lines have no comment at all; a byte search rules them out cheaply.
    let Some(hash) = line.find('#') else { return false };
    let line = &line[hash..];
    let Some(index) = line.match_indices(COMMENT_MARKER).map(|(i, _)| i).find(|&i| {
        let before = line[..i].strip_suffix(' ').unwrap_or(&line[..i]);
        before.ends_with('#')
    }) else {
        return false;
    };
    let rest = &line[index..];
    let Some(open) = rest.find('[') else { return false };
    let Some(close) = rest.find(']') else { return false };
    close > open && lists(&rest[open + 1..close], rule)
}

fn lists(list: &str, rule: &str) -> bool {
    list.split(',').map(str::trim).any(|item| item == rule || item == "all" || item == "*")
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
