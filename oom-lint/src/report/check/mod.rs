//! `check`'s findings → text. One module per format; every format renders the same [`Report`].

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use oom_core::text;
use serde::{Serialize, Serializer};

use crate::engine::source::SourceFile;
use crate::engine::walk::Counts;
use crate::finding::{Finding, Findings, InputError, Severity, count};

#[derive(Debug)]
pub struct Report<'a> {
    pub sources: &'a [SourceFile],
    pub findings: &'a Findings,
    pub errors: &'a [InputError],
    pub counts: &'a Counts,
    /// Helm chart `templates/` folders skipped by the walk.
    pub skipped_chart_templates: &'a [String],
    /// With `--metrics`: the join of series and containers.
    pub usage: Option<&'a crate::observed::UsageSummary>,
}

impl Report<'_> {
    pub fn file_of(&self, finding: &Finding) -> &str {
        &self.sources[finding.location.source].name
    }

    /// `3 errors, 1 warning, 2 notes in 4 files (…); 1 suppressed; 1 input error`
    pub fn summary_line(&self) -> String {
        let mut line = format!(
            "{}, {}, {} in {} ({}, {}, {})",
            text::count(count(self.findings, Severity::Error), "error", "errors"),
            text::count(count(self.findings, Severity::Warning), "warning", "warnings"),
            text::count(count(self.findings, Severity::Note), "note", "notes"),
            text::count(self.counts.files, "file", "files"),
            text::count(self.counts.objects, "object", "objects"),
            text::count(self.counts.pods, "pod spec", "pod specs"),
            text::count(self.counts.containers, "container", "containers"),
        );
        if self.counts.suppressed > 0 {
            line.push_str(&format!("; {} suppressed", self.counts.suppressed));
        }
        if self.counts.excluded > 0 {
            line.push_str(&format!(
                "; {} excluded",
                text::count(self.counts.excluded, "file", "files")
            ));
        }
        if !self.errors.is_empty() {
            line.push_str(&format!(
                "; {}",
                text::count(self.errors.len(), "input error", "input errors")
            ));
        }
        if let Some(usage) = self.usage {
            line.push_str(&format!("\nmetrics: {} series matched", usage.matched_series));
            if !usage.unmatched_series.is_empty() {
                line.push_str(&format!(
                    "; unmatched series: {}",
                    usage.unmatched_series.join(", ")
                ));
            }
            if !usage.containers_without_metrics.is_empty() {
                line.push_str(&format!(
                    "; containers without metrics: {}",
                    usage.containers_without_metrics.join(", ")
                ));
            }
        }
        for templates in self.skipped_chart_templates {
            line.push_str(&format!(
                "\nskipped Helm chart templates in {templates}: lint the rendered output with \
                 `helm template <chart> | oom-lint check -`"
            ));
        }
        line
    }
}

/// Serializes what `make` yields as a sequence, one item at a time: a report with a hundred
/// thousand findings is written out without first being built as a whole in memory.
pub(crate) struct LazySeq<F>(pub F);

impl<F, I> Serialize for LazySeq<F>
where
    F: Fn() -> I,
    I: IntoIterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}

/// Pretty JSON followed by a newline, straight into `out`.
pub(crate) fn write_json(
    out: &mut dyn std::io::Write,
    value: &impl Serialize,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
}
