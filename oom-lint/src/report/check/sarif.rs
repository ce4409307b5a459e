//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it.

use serde::Serialize;
use serde_json::{Value, json};

use super::{LazySeq, Report};
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
            original_uri_base_ids: json!({"%SRCROOT%": {"uri": "./"}}),
            results: LazySeq(|| report.findings.iter().map(|f| result(report, f))),
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

fn result(report: &Report<'_>, f: &Finding) -> Value {
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
    json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": {"text": message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": uri(file), "uriBaseId": "%SRCROOT%"},
            "region": {
                "startLine": f.location.start.line,
                "startColumn": f.location.start.column,
                "endLine": f.location.end.line,
                "endColumn": f.location.end.column.max(f.location.start.column + 1),
            },
        }}],
        "partialFingerprints": {"oomLintFinding/v1": fingerprint(file, f)},
        "properties": properties,
    })
}

/// Stable across edits that move lines: the rule, the file, the object and the container.
fn fingerprint(file: &str, f: &Finding) -> String {
    let key = format!(
        "{}\0{}\0{}\0{}\0{}\0{}",
        f.rule,
        file,
        f.object.kind,
        f.object.namespace.as_deref().unwrap_or(""),
        f.object.name,
        f.container.as_deref().unwrap_or("")
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
