//! Label sets as Grafana writes them in legends and `Series` cells (PromQL's `{a="b"}` syntax).

use crate::metrics::Labels;

/// `{container="app", pod="api-1"}`, `metric{a="b"}`, or a bare legend (`api-1`).
/// The labels of a JSON series object's `metric` mapping (Prometheus API results and
/// VictoriaMetrics export lines share the shape); non-string values read as empty.
pub(super) fn json_metric_labels(series: &serde_json::Value) -> Labels {
    series
        .get("metric")
        .and_then(|m| m.as_object())
        .map(|m| {
            m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect()
        })
        .unwrap_or_default()
}

pub(super) fn parse_label_set(text: &str) -> Labels {
    let text = text.trim();
    let mut labels = Labels::new();
    let (name, body) = match text.find('{') {
        Some(open) if text.ends_with('}') => (&text[..open], &text[open + 1..text.len() - 1]),
        _ => {
            labels.insert("series".to_owned(), text.to_owned());
            return labels;
        }
    };
    if !name.trim().is_empty() {
        labels.insert("__name__".to_owned(), name.trim().to_owned());
    }
    let mut rest = body;
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim().trim_start_matches(',').trim().to_owned();
        let after = rest[eq + 1..].trim_start();
        let Some(quoted) = after.strip_prefix('"') else { break };
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        let mut end = quoted.len();
        while let Some((index, c)) = chars.next() {
            match c {
                '\\' => value.extend(chars.next().map(|(_, c)| c)),
                '"' => {
                    end = index + 1;
                    break;
                }
                c => value.push(c),
            }
        }
        labels.insert(key, value);
        rest = &quoted[end.min(quoted.len())..];
    }
    labels
}

/// A `{a="b", c="d"}` label set at the start of `text` (escapes `\"`, `\\`, `\n`): the labels
/// and the text after the closing brace, or `None` when it is not one.
pub(super) fn parse_braced(text: &str) -> Option<(Labels, &str)> {
    let mut rest = text.strip_prefix('{')?;
    let mut labels = Labels::new();
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if let Some(after) = rest.strip_prefix('}') {
            return Some((labels, after));
        }
        let eq = rest.find('=')?;
        let key = rest[..eq].trim();
        // OpenMetrics 2 allows quoted names; Prometheus names are [a-zA-Z_][a-zA-Z0-9_]*.
        let key = key.strip_prefix('"').and_then(|k| k.strip_suffix('"')).unwrap_or(key);
        if key.is_empty() || key.contains(['{', '}', '"', ',']) {
            return None;
        }
        let quoted = rest[eq + 1..].trim_start().strip_prefix('"')?;
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        let mut end = None;
        while let Some((index, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, other)) => value.push(other),
                    None => return None,
                },
                '"' => {
                    end = Some(index + 1);
                    break;
                }
                c => value.push(c),
            }
        }
        labels.insert(key.to_owned(), value);
        rest = &quoted[end?..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braced_label_sets() {
        let (labels, rest) =
            parse_braced(r#"{__name__="m", a="x\"y", b="1,2"} 5 6"#).unwrap_or_default();
        assert_eq!(labels.get("a").map(String::as_str), Some("x\"y"));
        assert_eq!(labels.get("b").map(String::as_str), Some("1,2"));
        assert_eq!(rest, " 5 6");
        assert_eq!(parse_braced("{} 1").map(|(l, r)| (l.len(), r)), Some((0, " 1")));
        assert!(parse_braced(r#"{a="b" 1"#).is_none());
        assert!(parse_braced(r#"{"a":"b"}"#).is_none());
    }
}
