//! The Markdown report, for pasting into an incident ticket.

use super::{summary_line, title};
use crate::diagnose::{Incident, Plot};
use crate::finding::InputError;
use crate::incidents::Skipped;

pub fn render(incidents: &[Incident], errors: &[InputError], skipped: &[Skipped]) -> String {
    let mut out = String::from("# OOM diagnosis\n\n");
    out.push_str(&format!("{}\n", summary_line(incidents, errors.len())));
    for incident in incidents {
        out.push_str(&format!(
            "\n## `{}`: {} ({} confidence)\n\n{}\n\n",
            title(incident),
            incident.label(),
            incident.confidence.as_str(),
            incident.fix.summary
        ));
        out.push_str("| kill | reason | exit code |\n|---|---|---|\n");
        for kill in &incident.kills {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                kill.finished.map_or_else(|| "unknown".into(), crate::diagnose::when),
                kill.reason,
                kill.exit_code.map_or_else(|| "unknown".into(), |c| c.to_string())
            ));
        }
        out.push_str("\n**Evidence**\n\n");
        for evidence in &incident.evidence {
            out.push_str(&format!("- {} (`{}`)\n", evidence.text, evidence.source()));
        }
        if let Some(resources) = incident.fix.resources() {
            out.push_str(&format!("\n**Fix**\n\n```yaml\n{resources}```\n"));
        }
        if !incident.fix.flags.is_empty() {
            out.push_str(&format!("\nFlags: `{}`\n", incident.fix.flags.join("` or `")));
        }
        if !incident.fix.steps.is_empty() {
            out.push_str("\n**Steps**\n\n");
            for (n, step) in incident.fix.steps.iter().enumerate() {
                out.push_str(&format!("{}. {step}\n", n + 1));
            }
        }
        match &incident.plot {
            Plot::NotRequested => {}
            Plot::Written(file) => out.push_str(&format!("\nChart: `{file}`\n")),
            Plot::NoSeries => out.push_str("\nChart: none (no memory series of this container)\n"),
        }
        if !incident.other_causes.is_empty() {
            out.push_str("\n**Also possible**\n\n");
            for other in &incident.other_causes {
                out.push_str(&format!(
                    "- `{}` ({}): {}\n",
                    other.cause.label(incident.runtime),
                    other.confidence.as_str(),
                    other.why
                ));
            }
        }
    }
    if !errors.is_empty() {
        out.push_str("\n## Input errors\n\n");
        for error in errors {
            let line = error.position.map(|p| format!(":{}", p.line)).unwrap_or_default();
            out.push_str(&format!("- `{}{line}`: {}\n", error.file, error.message));
        }
    }
    if !skipped.is_empty() {
        out.push_str("\n## Not read\n\n");
        for skipped in skipped {
            out.push_str(&format!("- `{}`: {}\n", skipped.file, skipped.message));
        }
    }
    out
}
