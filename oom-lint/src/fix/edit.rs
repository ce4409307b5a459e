//! Byte-exact edits of YAML text: replace a scalar keeping its quotes and comments, insert an
//! entry in a mapping in its own style (flow or block, same indentation and line ends).

use crate::engine::source::{Position, SourceFile};
use crate::engine::yaml::{Node, Value};

/// Replace `start..end` of a source's text with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub text: String,
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

/// A value to insert: a scalar, or a mapping of them.
#[derive(Debug)]
pub enum Tree {
    Scalar(String),
    Map(Vec<(&'static str, Tree)>),
}

/// The bytes a scalar occupies in the source, quotes included.
pub fn scalar_span(source: &SourceFile, node: &Node) -> (usize, usize) {
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
        // A plain scalar on one line is its own text: take its length, so that commas, brackets
        // and `#` inside it (`-Dlist=a,b -Xmx900m`) are not mistaken for its end.
        _ if node.as_str().is_some_and(|text| !text.is_empty() && rest.starts_with(text)) => {
            node.as_str().map_or(0, str::len)
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

pub fn replace_scalar(source: &SourceFile, node: &Node, value: &str) -> Edit {
    let (start, end) = scalar_span(source, node);
    let text = match source.text[start..].chars().next() {
        Some('"') => format!("\"{value}\""),
        Some('\'') => format!("'{value}'"),
        _ => value.to_owned(),
    };
    Edit { start, end, text }
}

/// Adds `key: value` to a mapping, in its own style (flow or block, same indentation).
pub fn insert_entry(
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
        let at = source.byte_offset(Position { line: anchor.start.line, column: 1 });
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
    let line_end = source.byte_offset(Position { line: anchor.start.line + 1, column: 1 });
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
    use crate::engine::yaml::{Limits, parse_stream};

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
