//! `--format json`: a stable document (`"version": 1`), documented in the README.

use serde::Serialize;

use super::{LazySeq, Report};
use crate::finding::{ObjectRef, Severity, count};

#[derive(Serialize)]
struct Document<'a, F> {
    version: u32,
    findings: F,
    errors: Vec<Error<'a>>,
    summary: Summary<'a>,
}

#[derive(Serialize)]
struct Finding<'a> {
    rule: &'a str,
    severity: Severity,
    message: &'a str,
    help: Option<&'a str>,
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    object: &'a ObjectRef,
    container: Option<&'a str>,
    template: Option<&'a str>,
}

#[derive(Serialize)]
struct Error<'a> {
    file: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    message: &'a str,
}

#[derive(Serialize)]
struct Summary<'a> {
    files: usize,
    documents: usize,
    objects: usize,
    pod_specs: usize,
    containers: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    suppressed: usize,
    excluded: usize,
    input_errors: usize,
    skipped_chart_templates: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    metrics: Option<&'a crate::observed::UsageSummary>,
}

pub fn write(report: &Report<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let document = Document {
        version: 1,
        findings: LazySeq(|| {
            report.findings.iter().map(|f| Finding {
                rule: f.rule,
                severity: f.severity,
                message: &f.message,
                help: f.help.as_deref(),
                file: report.file_of(f),
                line: f.location.start.line,
                column: f.location.start.column,
                end_line: f.location.end.line,
                end_column: f.location.end.column,
                object: &f.object,
                container: f.container.as_deref(),
                template: f.template.as_deref(),
            })
        }),
        errors: report
            .errors
            .iter()
            .map(|e| Error {
                file: &e.file,
                line: e.position.map(|p| p.line),
                column: e.position.map(|p| p.column),
                message: &e.message,
            })
            .collect(),
        summary: Summary {
            files: report.counts.files,
            documents: report.counts.documents,
            objects: report.counts.objects,
            pod_specs: report.counts.pods,
            containers: report.counts.containers,
            errors: count(report.findings, Severity::Error),
            warnings: count(report.findings, Severity::Warning),
            notes: count(report.findings, Severity::Note),
            suppressed: report.counts.suppressed,
            excluded: report.counts.excluded,
            input_errors: report.errors.len(),
            skipped_chart_templates: report.skipped_chart_templates,
            metrics: report.usage,
        },
    };
    super::write_json(out, &document)
}
