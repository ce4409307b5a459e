//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it.

use serde::Serialize;
use serde_json::{Value, json};

use std::collections::HashMap;

use super::{LazySeq, Report};
use crate::engine::source::SourceFile;
use crate::finding::{Finding, Severity};
use crate::rules::{REGISTRY, Rule};

const HELP_BASE: &str = "https://github.com/oom-lint/oom-lint/blob/main/docs/rules.md";

/// The document's top level. Fields are in the order `json!` maps sort their keys, so the
/// output reads the same as the rest of the document.
#[derive(Serialize)]
struct Sarif<R> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<R>; 1],
    version: &'static str,
}

#[derive(Serialize)]
struct Run<R> {
    /// Declared although it is SARIF's default: columns count UTF-16 code units, which is
    /// what GitHub and VS Code count in.
    #[serde(rename = "columnKind")]
    column_kind: &'static str,
    invocations: Value,
    #[serde(rename = "originalUriBaseIds")]
    original_uri_base_ids: Value,
    results: R,
    tool: Value,
}

pub fn write(report: &Report<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let rules: Vec<Value> = REGISTRY.iter().map(|rule| rule_descriptor(rule)).collect();
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            let mut location =
                json!({"physicalLocation": {"artifactLocation": {"uri": uri(&e.file)}}});
            if let Some(p) = e.position {
                location["physicalLocation"]["region"] =
                    json!({"startLine": p.line, "startColumn": p.column});
            }
            json!({"level": "error", "message": {"text": e.message}, "locations": [location]})
        })
        .collect();
    let document = Sarif {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: json!({"driver": {
                "name": "oom-lint",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/oom-lint/oom-lint",
                "rules": rules,
            }}),
            invocations: json!([{
                "executionSuccessful": report.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }]),
            column_kind: "utf16CodeUnits",
            // The URIs are relative to the directory oom-lint ran in, whose absolute URI the
            // output does not record (it would differ per machine): a base id with no `uri`
            // tells consumers to resolve it themselves (SARIF 2.1.0 §3.14.14).
            original_uri_base_ids: json!({"%SRCROOT%": {
                "description": {"text": "The directory oom-lint was run from."}
            }}),
            results: LazySeq(|| {
                let mut seen = std::collections::HashMap::new();
                report.findings.iter().map(move |f| result(report, f, &mut seen))
            }),
        }],
    };
    super::write_json(out, &document)
}

fn level(severity: Severity) -> &'static str {
    severity.as_str()
}

fn rule_descriptor(rule: &Rule) -> Value {
    json!({
        "id": rule.id,
        "name": pascal_case(rule.id),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": first_paragraph(rule.doc)},
        "help": {"text": rule.doc, "markdown": rule.doc},
        "helpUri": format!("{HELP_BASE}#{}", rule.id),
        "defaultConfiguration": {"level": level(rule.default_severity)},
        "properties": {"tags": ["kubernetes", "memory", "reliability"]},
    })
}

fn result(report: &Report<'_>, f: &Finding, seen: &mut HashMap<String, usize>) -> Value {
    let rule_index = REGISTRY.iter().position(|r| r.id == f.rule).unwrap_or(0);
    let file = report.file_of(f);
    let mut message = f.message.to_string();
    if let Some(help) = &f.help {
        message.push_str(&format!(" Fix: {help}."));
    }
    let mut properties = json!({"object": *f.object});
    if let Some(container) = &f.container {
        properties["container"] = json!(container.as_str());
    }
    if let Some(template) = &f.template {
        properties["template"] = json!(&**template);
    }
    let source = &report.sources[f.location.source];
    let (start, end) = (f.location.start, f.location.end);
    let start_column = utf16_column(source.line_text(start.line as usize), start.column);
    let end_column = utf16_column(source.line_text(end.line as usize), end.column);
    let end_column =
        if end.line == start.line { end_column.max(start_column + 1) } else { end_column };
    // Unique per finding: two findings with the same key get the occurrence number too.
    let mut fingerprint = fingerprint(file, f, region_text(source, f));
    let occurrence = seen.entry(fingerprint.clone()).or_insert(0);
    *occurrence += 1;
    if *occurrence > 1 {
        fingerprint = format!("{fingerprint}:{occurrence}");
    }
    json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": {"text": message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": uri(file), "uriBaseId": "%SRCROOT%"},
            "region": {
                "startLine": start.line,
                "startColumn": start_column,
                "endLine": end.line,
                "endColumn": end_column,
            },
        }}],
        "partialFingerprints": {"oomLintFinding/v1": fingerprint},
        "properties": properties,
    })
}

/// A 1-based column in characters → in UTF-16 code units (SARIF's `utf16CodeUnits`).
fn utf16_column(line: &str, column: u32) -> usize {
    let characters = (column as usize).saturating_sub(1);
    let within: usize = line.chars().take(characters).map(char::len_utf16).sum();
    // A column past the line's end (the end of a finding at a line break) keeps its distance.
    within + characters.saturating_sub(line.chars().count()) + 1
}

/// The source text a finding covers (one line at most): `-Xmx2g`, `512m`.
fn region_text<'s>(source: &'s SourceFile, f: &Finding) -> &'s str {
    let start = source.byte_offset(f.location.start);
    let end = if f.location.end.line == f.location.start.line {
        source.byte_offset(f.location.end)
    } else {
        source.line_range(f.location.start.line.saturating_sub(1) as usize).end
    };
    source.text.get(start..end.max(start)).unwrap_or_default()
}

/// Stable across edits that move lines: the rule, the file, the object, the container, the
/// text the finding covers and its message (so that the limit and the request of one container,
/// or two flags, differ).
fn fingerprint(file: &str, f: &Finding, covered: &str) -> String {
    let key = format!(
        "{}\0{}\0{}\0{}\0{}\0{}\0{}\0{}",
        f.rule,
        file,
        f.object.kind,
        f.object.namespace.as_deref().unwrap_or(""),
        f.object.name,
        f.container.as_deref().unwrap_or(""),
        covered,
        f.message
    );
    // FNV-1a, 64 bits: stable across versions and platforms, unlike std's hasher.
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// A relative URI reference: forward slashes, reserved characters percent-encoded.
fn uri(file: &str) -> String {
    if file == "<stdin>" {
        return "stdin".to_owned();
    }
    let path = file.replace('\\', "/");
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map_or_else(String::new, |c| c.to_ascii_uppercase().to_string() + chars.as_str())
        })
        .collect()
}

fn first_paragraph(doc: &str) -> String {
    doc.split("\n\n").next().unwrap_or(doc).replace('\n', " ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn uris_are_relative_references() {
        assert_eq!(super::uri("k8s/my app.yaml"), "k8s/my%20app.yaml");
        assert_eq!(super::uri("a\\b.yaml"), "a/b.yaml");
        assert_eq!(super::pascal_case("memory-limit-missing"), "MemoryLimitMissing");
    }
}
