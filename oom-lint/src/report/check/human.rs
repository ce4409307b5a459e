//! The default report: each finding with its source line underlined, via miette.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use crate::engine::source::SourceFile;

use super::Report;
use crate::finding::{Finding, Severity};

pub fn write(
    report: &Report<'_>,
    color: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
    // Snippets are rendered on every core, a window at a time so that memory stays bounded,
    // and written in order.
    let findings: Vec<&Finding> = report.findings.iter().collect();
    let tasks: Vec<&[&Finding]> = findings.chunks(FINDINGS_PER_TASK).collect();
    for window in tasks.chunks(TASKS_PER_WINDOW) {
        let rendered = crate::engine::parallel::map(window, |task| {
            let mut text = String::new();
            for finding in *task {
                render(&handler, report, finding, &mut text);
            }
            text
        });
        for text in rendered {
            out.write_all(text.as_bytes())?;
        }
    }
    for error in report.errors {
        match error.position {
            Some(p) => {
                writeln!(out, "error: {}:{}:{}: {}", error.file, p.line, p.column, error.message)?
            }
            None => writeln!(out, "error: {}: {}", error.file, error.message)?,
        }
    }
    if !report.errors.is_empty() {
        writeln!(out)?;
    }
    writeln!(out, "{}", report.summary_line())
}

const FINDINGS_PER_TASK: usize = 256;
const TASKS_PER_WINDOW: usize = 16;

/// One finding's snippet, and a blank line, appended to `out`.
fn render(
    handler: &GraphicalReportHandler,
    report: &Report<'_>,
    finding: &Finding,
    out: &mut String,
) {
    let source = &report.sources[finding.location.source];
    let start = source.byte_offset(finding.location.start);
    let end = if finding.location.end.line == finding.location.start.line {
        source.byte_offset(finding.location.end).max(start)
    } else {
        // A multi-line node is underlined to the end of its first line.
        let line = source.line_text(finding.location.start.line as usize);
        start + line.len()
            - (finding.location.start.column as usize).saturating_sub(1).min(line.len())
    };
    let diagnostic = FindingDiagnostic {
        finding,
        source: IndexedSource(source),
        span: (start, end.saturating_sub(start).max(1)),
    };
    let before = out.len();
    if handler.render_report(out, &diagnostic).is_err() {
        out.truncate(before);
        out.push_str(&format!("{}: {}\n", finding.rule, finding.message));
    }
    out.push('\n');
}

struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    source: IndexedSource<'a>,
    span: (usize, usize),
}

/// Hands miette only the lines around a span, found with the file's line index: miette's own
/// `str` source scans from the start of the file for every snippet, which is quadratic over a
/// large file with many findings.
struct IndexedSource<'a>(&'a SourceFile);

impl SourceCode for IndexedSource<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let file = self.0;
        if span.offset() + span.len() > file.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first_line = file.line_index_of(span.offset());
        let last_line = file.line_index_of(span.offset() + span.len().saturating_sub(1));
        let first = first_line.saturating_sub(context_lines_before);
        let last = (last_line + context_lines_after).min(file.line_count() - 1);
        // Without context the contents start at the span itself, whose column the header shows.
        let line_start = file.line_range(first).start;
        let start = if context_lines_before == 0 { span.offset() } else { line_start };
        let end = file.line_range(last).end.max(start);
        let column = file.text[line_start..start].chars().count();
        Ok(Box::new(
            MietteSpanContents::new_named(
                file.name.clone(),
                &file.text.as_bytes()[start..end],
                (start, end - start).into(),
                first,
                column,
                last - first + 1,
            )
            .with_language("yaml"),
        ))
    }
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FindingDiagnostic").field("finding", self.finding).finish()
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.finding.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let mut help = self.finding.help.as_deref().unwrap_or_default().to_owned();
        if let Some(template) = &self.finding.template {
            if !help.is_empty() {
                help.push('\n');
            }
            help.push_str(&format!("rendered from Helm template {template}"));
        }
        (!help.is_empty()).then(|| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let mut label = self.finding.object.to_string();
        if let Some(container) = &self.finding.container {
            label.push_str(&format!(", container {container}"));
        }
        Some(Box::new(std::iter::once(LabeledSpan::new_primary_with_span(Some(label), self.span))))
    }
}
