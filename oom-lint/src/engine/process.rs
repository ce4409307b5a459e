//! What a container's process sees: its environment (resolved through ConfigMaps where the input
//! holds them, and through the downward API) and its command line, each value with the node it
//! was written at.
//!
//! Values are resolved the way the kubelet resolves them (`makeEnvironmentVariables` and the
//! `expansion` package): `envFrom` first, then `env` in order; a `$(VAR)` in an `env` value sees
//! only the variables defined before it, one in `command`/`args` sees them all; `$$` is a `$`;
//! a reference to an undefined variable stays as written. What cannot be known offline — a
//! Secret, a field reference, a ConfigMap that is not in the input, a shell variable the
//! manifest does not define — becomes [`UNKNOWN`], and the runtime rules say nothing about the
//! settings it reaches.

use oom_core::quantity::{Quantity, format_bytes};
use oom_core::runtime::split_shell_words;

use super::model::{Container, Context, Pod};
use super::yaml::Node;

/// Stands in a value for text that cannot be known offline. NUL cannot occur in a real
/// environment variable or argument, so it is never confused with written text.
pub const UNKNOWN: char = '\0';

/// The text before the first unknown part, when `text` has one: `Some("-Xmx")` for `-Xmx` followed
/// by a Secret's value, `None` for text that is fully known.
pub fn known_prefix(text: &str) -> Option<&str> {
    text.find(UNKNOWN).map(|index| &text[..index])
}

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
    /// counts. Failing that, the last written word whose `$(VAR)` expansion can give `flag`
    /// (`-Xmx$(HEAP)` for `-Xmx4g`; `$$(HEAP)` is a literal `$(HEAP)`). `None` when neither is
    /// written there.
    pub fn flag_span(&self, flag: &str) -> Option<std::ops::Range<usize>> {
        let value = self.node.as_str()?;
        let within = self.span.clone().unwrap_or(0..value.len());
        let region = value.get(within.clone())?;
        if let Some(found) = word_offsets(region, flag).last() {
            return Some(within.start + found..within.start + found + flag.len());
        }
        let (start, word) = whitespace_words(region)
            .filter(|(_, word)| word.contains("$(") && expansion_can_give(word, flag))
            .last()?;
        Some(within.start + start..within.start + start + word.len())
    }
}

/// The whitespace-separated words of `text`, with their byte offsets.
fn whitespace_words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(char::is_whitespace)
        .scan(0, |offset, word| {
            let start = *offset;
            *offset += word.len() + 1;
            Some((start, word))
        })
        .filter(|(_, word)| !word.is_empty())
}

/// Whether Kubernetes' `$(VAR)` expansion of `written` can give `text`: each `$(VAR)` may stand
/// for anything, `$$` is a `$`, everything else must match as written.
fn expansion_can_give(written: &str, text: &str) -> bool {
    // The literal pieces between references, in order.
    let mut pieces = vec![String::new()];
    let mut rest = written;
    while let Some(index) = rest.find('$') {
        let last = pieces.len() - 1;
        pieces[last].push_str(&rest[..index]);
        let after = &rest[index + 1..];
        if let Some(stripped) = after.strip_prefix('$') {
            pieces[last].push('$');
            rest = stripped;
        } else if let Some(end) = after.strip_prefix('(').and_then(|r| r.find(')')) {
            pieces.push(String::new());
            rest = &after[end + 2..];
        } else {
            pieces[last].push('$');
            rest = after;
        }
    }
    let last = pieces.len() - 1;
    pieces[last].push_str(rest);
    // A glob match with the references as wildcards.
    let (Some(first), Some(final_piece)) = (pieces.first(), pieces.last()) else { return false };
    if pieces.len() == 1 {
        return first == text;
    }
    if !text.starts_with(first.as_str()) || text.len() < first.len() + final_piece.len() {
        return false;
    }
    let Some(mut middle) = text.get(first.len()..text.len() - final_piece.len()) else {
        return false;
    };
    if !text.ends_with(final_piece.as_str()) {
        return false;
    }
    for piece in &pieces[1..last] {
        match middle.find(piece.as_str()) {
            Some(index) => middle = &middle[index + piece.len()..],
            None => return false,
        }
    }
    true
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
    /// A value may hold [`UNKNOWN`].
    pub env: Vec<(String, Located<'a>)>,
    /// `command` then `args`, with `$(VAR)` references expanded and `sh -c` scripts split into
    /// words (every word of a script points at the script's entry).
    pub command_line: Vec<Located<'a>>,
    /// How variables set through the downward API got their value, by name: "the downward
    /// API's limits.memory of container `app` (1Gi) divided by 1Mi".
    pub derivations: Vec<(String, String)>,
    /// An `envFrom` source the input does not hold (a Secret, a ConfigMap from elsewhere): any
    /// variable not defined explicitly may come from it.
    pub unresolved_env_from: bool,
}

impl<'a> ProcessView<'a> {
    pub fn env(&self, name: &str) -> Option<&Located<'a>> {
        self.env.iter().find(|(n, _)| n == name).map(|(_, value)| value)
    }

    /// How a variable set through the downward API got its value.
    pub fn derivation(&self, name: &str) -> Option<&str> {
        self.derivations.iter().find(|(n, _)| n == name).map(|(_, how)| how.as_str())
    }

    /// Resolves a container's environment and command line.
    pub fn of(pod: &Pod<'a>, container: &Container<'a>, context: &Context<'a>) -> Self {
        let mut view = ProcessView::default();
        let namespace = pod.object.namespace.as_deref();
        // envFrom first: explicit `env` entries override it, whatever their order in the spec.
        for from in container.node.get("envFrom").and_then(Node::as_sequence).unwrap_or_default() {
            let config_map = from
                .path(&["configMapRef", "name"])
                .and_then(Node::as_str)
                .and_then(|name| context.config_map(namespace, name));
            let Some(config_map) = config_map else {
                // A secretRef, or a ConfigMap the input does not hold.
                view.unresolved_env_from = true;
                continue;
            };
            let prefix = from.get("prefix").and_then(Node::as_str).unwrap_or_default();
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
            } else if let Some(from) = entry.get("valueFrom") {
                let (located, how) = value_from(from, pod, container, context);
                view.set(name.to_owned(), located);
                if let Some(how) = how {
                    view.derivations.push((name.to_owned(), how));
                }
            } else {
                // `- name: X` alone defines X as the empty string.
                let node = entry.get("name").unwrap_or(entry);
                view.set(
                    name.to_owned(),
                    Located { text: String::new(), node, source: pod.source, span: None },
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
        self.derivations.retain(|(n, _)| *n != name);
        match self.env.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.env.push((name, value)),
        }
    }

    /// Kubernetes' `$(VAR)` expansion (`third_party/forked/golang/expansion` in Kubernetes) from
    /// the variables defined so far: `$$` is `$`, `$(VAR)` is the variable's value, an undefined
    /// one stays as written — unless an unreadable `envFrom` or a Service link (`*_SERVICE_HOST`,
    /// `*_PORT`, ...) may define it, which makes it unknown.
    fn expand(&self, text: &str) -> String {
        if !text.contains('$') {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(index) = rest.find('$') {
            out.push_str(&rest[..index]);
            let after = &rest[index + 1..];
            if after.is_empty() {
                out.push('$');
                rest = after;
            } else if let Some(stripped) = after.strip_prefix('$') {
                out.push('$');
                rest = stripped;
            } else if let Some(reference) = after.strip_prefix('(')
                && let Some(end) = reference.find(')')
            {
                let name = &reference[..end];
                match self.env(name) {
                    Some(value) => out.push_str(&value.text),
                    None if self.unresolved_env_from || might_be_service_link(name) => {
                        out.push(UNKNOWN)
                    }
                    None => {
                        out.push_str("$(");
                        out.push_str(name);
                        out.push(')');
                    }
                }
                rest = &reference[end + 1..];
            } else {
                // `$x` or an unterminated `$(`: the `$` and the next character as written.
                let next = after.chars().next().map_or(0, char::len_utf8);
                out.push('$');
                out.push_str(&after[..next]);
                rest = &after[next..];
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

    /// Shell expansion of one script word. A whole `$VAR` or `${VAR}` becomes the variable's
    /// words, located where the variable is defined (nothing when the manifest does not define
    /// it: the shell expands it to nothing, unless an unreadable `envFrom` may define it). A
    /// variable inside a word (`-Xmx${HEAP}`) is replaced by its value; inside a word, anything
    /// the manifest does not tell — an undefined variable (the image or the script may set it),
    /// `$(command)`, `$1` — makes the word unknown from there on.
    fn expand_shell(
        &self,
        word: String,
        span: Option<std::ops::Range<usize>>,
        script: &Located<'a>,
    ) -> Vec<Located<'a>> {
        let whole = word
            .strip_prefix("${")
            .and_then(|w| w.strip_suffix('}'))
            .or_else(|| word.strip_prefix('$'))
            .filter(|name| is_shell_name(name));
        if let Some(name) = whole {
            return match self.env(name) {
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
                None if self.unresolved_env_from => {
                    vec![Located { text: UNKNOWN.to_string(), ..script.clone() }]
                }
                None => Vec::new(),
            };
        }
        if !word.contains('$') && !word.contains('`') {
            return vec![Located { text: word, span, ..script.clone() }];
        }
        vec![Located { text: self.expand_in_word(&word), span, ..script.clone() }]
    }

    /// `$VAR`, `${VAR}` and `${VAR:-default}` inside a word, with known values.
    fn expand_in_word(&self, word: &str) -> String {
        let mut out = String::with_capacity(word.len());
        let mut rest = word;
        loop {
            let Some(index) = rest.find(['$', '`']) else {
                out.push_str(rest);
                return out;
            };
            out.push_str(&rest[..index]);
            let after = &rest[index + 1..];
            if rest[index..].starts_with('`') {
                out.push(UNKNOWN);
                return out;
            }
            let (expression, remaining) = if let Some(braced) = after.strip_prefix('{') {
                match braced.find('}') {
                    Some(end) => (&braced[..end], &braced[end + 1..]),
                    None => {
                        out.push(UNKNOWN);
                        return out;
                    }
                }
            } else {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            };
            if expression.is_empty() {
                if after.starts_with(|c: char| c.is_whitespace()) || after.is_empty() {
                    // A lone `$` is itself.
                    out.push('$');
                    rest = after;
                    continue;
                }
                // `$(command)`, `$1`, `$@`, ...
                out.push(UNKNOWN);
                return out;
            }
            let (name, default) = match expression.split_once(":-") {
                Some((name, default)) => (name, Some(default)),
                None => (expression, None),
            };
            let value = self.env(name).filter(|v| !v.text.is_empty() || default.is_none());
            match (is_shell_name(name), value, default) {
                (true, Some(value), _) => out.push_str(&value.text),
                (true, None, Some(default)) if !self.unresolved_env_from => out.push_str(default),
                _ => {
                    out.push(UNKNOWN);
                    return out;
                }
            }
            rest = remaining;
        }
    }
}

/// A `valueFrom` value: a ConfigMap key of the input, a memory resource through the
/// downward API, or [`UNKNOWN`] (Secrets, field references, what the input does not hold).
fn value_from<'a>(
    from: &'a Node,
    pod: &Pod<'a>,
    container: &Container<'a>,
    context: &Context<'a>,
) -> (Located<'a>, Option<String>) {
    let unknown = Located { text: UNKNOWN.to_string(), node: from, source: pod.source, span: None };
    if let Some(reference) = from.get("configMapKeyRef") {
        let map = reference.get("name").and_then(Node::as_str);
        let key = reference.get("key").and_then(Node::as_str);
        let namespace = pod.object.namespace.as_deref();
        let found = map
            .zip(key)
            .and_then(|(map, key)| Some((context.config_map(namespace, map)?, key)))
            .and_then(|(config_map, key)| Some((config_map, config_map.data.get(key)?)));
        let located = match found {
            Some((config_map, value)) => Located {
                text: value.as_str().unwrap_or_default().to_owned(),
                node: value,
                source: config_map.source,
                span: None,
            },
            None => unknown,
        };
        return (located, None);
    }
    if let Some(reference) = from.get("resourceFieldRef")
        && let Some((value, node, how)) = resource_field(reference, pod, container)
    {
        return (
            Located { text: value.to_string(), node, source: pod.source, span: None },
            Some(how),
        );
    }
    (unknown, None)
}

/// Whether a name is one a shell variable can have.
fn is_shell_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether the kubelet may define the variable from a Service of the namespace
/// (`enableServiceLinks`, on by default): `REDIS_SERVICE_HOST`, `REDIS_PORT_6379_TCP`, ...
fn might_be_service_link(name: &str) -> bool {
    name.contains("_SERVICE_") || name.ends_with("_PORT") || name.contains("_PORT_")
}

/// The divisors the API server accepts for a memory `resourceFieldRef`.
const MEMORY_DIVISORS: [&str; 13] =
    ["1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"];

/// The value the kubelet gives a `resourceFieldRef` to `limits.memory` or `requests.memory`:
/// `ceil(value / divisor)` in decimal (`convertResourceMemoryToString` in Kubernetes), with the
/// node that decides it and how it was derived. The limit is the container's own, else the
/// pod-level one; a request left unset is the container's own limit (the API server copies it).
/// `None` when it cannot be known offline: no limit (the kubelet then uses the node's
/// allocatable memory), another resource, or a divisor the API server rejects.
fn resource_field<'a>(
    reference: &'a Node,
    pod: &Pod<'a>,
    container: &Container<'a>,
) -> Option<(u64, &'a Node, String)> {
    let resource_node = reference.get("resource")?;
    let resource = resource_node.as_str()?;
    let target = match reference.get("containerName").and_then(Node::as_str) {
        Some(name) if !name.is_empty() => pod.containers.iter().find(|c| c.name == name)?,
        _ => container,
    };
    let bytes = match resource {
        "limits.memory" => pod.memory_limit(target)?.0,
        "requests.memory" => [&target.resources.requests_memory, &target.resources.limits_memory]
            .into_iter()
            .flatten()
            .find_map(|value| value.bytes().filter(|&b| b > 0))?,
        _ => return None,
    };
    let divisor_node = reference.get("divisor").filter(|d| !d.is_null());
    let (divisor, divisor_text) = match divisor_node {
        Some(node) => {
            let text = node.as_str()?;
            if !MEMORY_DIVISORS.contains(&text) {
                return None;
            }
            (Quantity::parse(text).ok()?.bytes().filter(|&d| d > 0)?, text)
        }
        None => (1, "1"),
    };
    let value = bytes.div_ceil(divisor);
    // Point at what to change: the divisor when it scales the value, else the resource.
    let node = divisor_node.filter(|_| divisor > 1).unwrap_or(resource_node);
    let how = format!(
        "the downward API's {resource} of container `{}` ({}) divided by {divisor_text}",
        target.name,
        format_bytes(bytes)
    );
    Some((value, node, how))
}

/// The program a command word runs: `/usr/bin/java` → `java`.
pub fn program_name(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

#[cfg(test)]
mod tests {
    use super::expansion_can_give;

    #[test]
    fn expansions_match_with_references_as_wildcards() {
        assert!(expansion_can_give("-Xmx$(HEAP)", "-Xmx4g"));
        assert!(expansion_can_give("-Xmx$(A)m", "-Xmx512m"));
        assert!(expansion_can_give("$(A)$(B)", "-Xmx4g"));
        assert!(expansion_can_give("-Xm$(A)x$(B)g", "-Xmx4g"));
        // `$$(HEAP)` is the literal text `$(HEAP)`.
        assert!(!expansion_can_give("-Dx=$$(HEAP)", "-Xmx4g"));
        assert!(expansion_can_give("-Dx=$$(HEAP)", "-Dx=$(HEAP)"));
        assert!(!expansion_can_give("-Xmx$(A)m", "-Xmx4g"));
        assert!(!expansion_can_give("-Xms$(HEAP)", "-Xmx4g"));
        assert!(!expansion_can_give("ab$(A)ba", "aba"));
    }
}
