//! What a container's process sees: its environment (resolved through ConfigMaps where the input
//! holds them) and its command line, each value with the node it was written at.

use oom_core::runtime::split_shell_words;

use super::model::{Container, Context, Pod};
use super::yaml::Node;

/// A value and where it was written: an env `value`, a ConfigMap key, a `command`/`args` entry.
#[derive(Debug, Clone)]
pub struct Located<'a> {
    pub text: String,
    pub node: &'a Node,
    pub source: usize,
    /// Where in `node`'s value `text` was written, as a byte range, when it is only part of
    /// it (a word of a `sh -c` script); `None` for the whole value.
    pub span: Option<std::ops::Range<usize>>,
}

impl Located<'_> {
    /// Where `flag` (a word such as `-Xmx2g`) was written in `node`'s value, within `span`:
    /// its last occurrence as a whole word, as the last occurrence of a flag is the one that
    /// counts. `None` when it is not written there as such (it came from a `$(VAR)` reference).
    pub fn flag_span(&self, flag: &str) -> Option<std::ops::Range<usize>> {
        let value = self.node.as_str()?;
        let within = self.span.clone().unwrap_or(0..value.len());
        let region = value.get(within.clone())?;
        let found = word_offsets(region, flag).last()?;
        Some(within.start + found..within.start + found + flag.len())
    }
}

/// Offsets of `word` in `text` where it stands as a whole shell word: not part of a longer one.
fn word_offsets<'t>(text: &'t str, word: &'t str) -> impl Iterator<Item = usize> + 't {
    let separator = |c: char| c.is_whitespace() || "'\";&|()`".contains(c);
    text.match_indices(word).map(|(index, _)| index).filter(move |&index| {
        !word.is_empty()
            && text[..index].chars().next_back().is_none_or(separator)
            && text[index + word.len()..].chars().next().is_none_or(separator)
    })
}

/// Where each word of a script (as split, quotes removed) was written in `script`, in order:
/// `None` for a word not written verbatim (`a"b"c`), which the next search starts after anyway.
fn word_spans(script: &str, words: &[String]) -> Vec<Option<std::ops::Range<usize>>> {
    let mut cursor = 0;
    words
        .iter()
        .map(|word| {
            let rest = script.get(cursor..)?;
            let found = cursor + word_offsets(rest, word).next()?;
            cursor = found + word.len();
            Some(found..cursor)
        })
        .collect()
}

#[derive(Debug, Default)]
pub struct ProcessView<'a> {
    /// Final environment, in definition order, after later definitions replaced earlier ones.
    pub env: Vec<(String, Located<'a>)>,
    /// `command` then `args`, with `$(VAR)` references expanded and `sh -c` scripts split into
    /// words (every word of a script points at the script's entry).
    pub command_line: Vec<Located<'a>>,
}

impl<'a> ProcessView<'a> {
    pub fn env(&self, name: &str) -> Option<&Located<'a>> {
        self.env.iter().find(|(n, _)| n == name).map(|(_, value)| value)
    }

    /// Resolves a container's environment and command line. Unresolvable references (a ConfigMap
    /// not in the input, a Secret, a field ref) are skipped quietly.
    pub fn of(pod: &Pod<'a>, container: &Container<'a>, context: &Context<'a>) -> Self {
        let mut view = ProcessView::default();
        let namespace = pod.object.namespace.as_deref();
        // envFrom first: explicit `env` entries override it, whatever their order in the spec.
        for from in container.node.get("envFrom").and_then(Node::as_sequence).unwrap_or_default() {
            let Some(name) = from.path(&["configMapRef", "name"]).and_then(Node::as_str) else {
                continue;
            };
            let prefix = from.get("prefix").and_then(Node::as_str).unwrap_or_default();
            let Some(config_map) = context.config_map(namespace, name) else { continue };
            for (key, value) in config_map.data.entries() {
                let (Some(key), Some(text)) = (key.as_str(), value.as_str()) else { continue };
                view.set(
                    format!("{prefix}{key}"),
                    Located {
                        text: text.to_owned(),
                        node: value,
                        source: config_map.source,
                        span: None,
                    },
                );
            }
        }
        for entry in container.node.get("env").and_then(Node::as_sequence).unwrap_or_default() {
            let Some(name) = entry.get("name").and_then(Node::as_str) else { continue };
            if let Some(value) = entry.get("value") {
                let text = value.as_str().unwrap_or_default();
                let expanded = view.expand(text);
                view.set(
                    name.to_owned(),
                    Located { text: expanded, node: value, source: pod.source, span: None },
                );
            } else if let Some(reference) = entry.path(&["valueFrom", "configMapKeyRef"]) {
                let map = reference.get("name").and_then(Node::as_str);
                let key = reference.get("key").and_then(Node::as_str);
                let (Some(map), Some(key)) = (map, key) else { continue };
                let Some(config_map) = context.config_map(namespace, map) else { continue };
                let Some(value) = config_map.data.get(key) else { continue };
                let text = value.as_str().unwrap_or_default().to_owned();
                view.set(
                    name.to_owned(),
                    Located { text, node: value, source: config_map.source, span: None },
                );
            }
        }
        for key in ["command", "args"] {
            for entry in container.node.get(key).and_then(Node::as_sequence).unwrap_or_default() {
                let Some(text) = entry.as_str() else { continue };
                let text = view.expand(text);
                view.command_line.push(Located {
                    text,
                    node: entry,
                    source: pod.source,
                    span: None,
                });
            }
        }
        view.split_shell_scripts();
        view
    }

    fn set(&mut self, name: String, value: Located<'a>) {
        match self.env.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.env.push((name, value)),
        }
    }

    /// Kubernetes' `$(VAR)` expansion from variables defined so far; `$$` escapes `$`.
    fn expand(&self, text: &str) -> String {
        if !text.contains("$(") {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(index) = rest.find('$') {
            out.push_str(&rest[..index]);
            let after = &rest[index + 1..];
            if let Some(stripped) = after.strip_prefix('$') {
                out.push('$');
                rest = stripped;
            } else if let Some(reference) = after.strip_prefix('(')
                && let Some(end) = reference.find(')')
                && let Some(value) = self.env(&reference[..end])
            {
                out.push_str(&value.text);
                rest = &reference[end + 1..];
            } else {
                out.push('$');
                rest = after;
            }
        }
        out.push_str(rest);
        out
    }

    /// `["sh", "-c", "exec java -Xmx1g -jar app.jar"]` → the script's words, so the rules see
    /// the `java` invocation inside it.
    fn split_shell_scripts(&mut self) {
        let is_shell = |word: &str| {
            matches!(program_name(word), "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh")
        };
        let Some(shell) = self.command_line.iter().position(|w| is_shell(&w.text)) else {
            return;
        };
        let Some(flag) = self.command_line[shell + 1..]
            .iter()
            .position(|w| w.text.starts_with('-') && w.text.contains('c'))
        else {
            return;
        };
        let script_index = shell + 1 + flag + 1;
        let Some(script) = self.command_line.get(script_index).cloned() else { return };
        let words = split_shell_words(&script.text);
        // Word positions only when the script is written as it runs (no `$(VAR)` expanded).
        let spans = match script.node.as_str() {
            Some(written) if written == script.text => word_spans(written, &words),
            _ => vec![None; words.len()],
        };
        let words: Vec<Located<'a>> = words
            .into_iter()
            .zip(spans)
            .flat_map(|(text, span)| self.expand_shell(text, span, &script))
            .collect();
        self.command_line.splice(script_index..=script_index, words);
    }

    /// A script word that is a whole `$VAR` or `${VAR}` becomes the variable's words, located
    /// where the variable is defined; any other word stays as written.
    fn expand_shell(
        &self,
        word: String,
        span: Option<std::ops::Range<usize>>,
        script: &Located<'a>,
    ) -> Vec<Located<'a>> {
        let name = word
            .strip_prefix("${")
            .and_then(|w| w.strip_suffix('}'))
            .or_else(|| word.strip_prefix('$'));
        match name.and_then(|name| self.env(name)) {
            Some(value) => {
                let words = split_shell_words(&value.text);
                let spans = match value.node.as_str() {
                    Some(written) if written == value.text && value.span.is_none() => {
                        word_spans(written, &words)
                    }
                    _ => vec![None; words.len()],
                };
                words
                    .into_iter()
                    .zip(spans)
                    .map(|(text, span)| Located { text, span, ..value.clone() })
                    .collect()
            }
            None => vec![Located { text: word, span, ..script.clone() }],
        }
    }
}

/// The program a command word runs: `/usr/bin/java` → `java`.
pub fn program_name(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}
