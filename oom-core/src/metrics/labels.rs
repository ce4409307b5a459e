//! Label sets as Grafana writes them in legends and `Series` cells (PromQL's `{a="b"}` syntax).

use crate::metrics::Labels;

/// `{container="app", pod="api-1"}`, `metric{a="b"}`, or a bare legend (`api-1`).
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
