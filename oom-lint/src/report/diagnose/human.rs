//! The human report: one block per incident, in the order to act on, then the input errors and
//! a summary line.

use oom_core::text::count;

use super::{summary_line, title};
use crate::diagnose::{Incident, Plot};
use crate::finding::InputError;
use crate::incidents::Skipped;

pub fn render(incidents: &[Incident], errors: &[InputError], skipped: &[Skipped]) -> String {
    let mut out = String::new();
    for incident in incidents {
        out.push_str(&format!(
            "{}  {} ({} confidence)\n",
            title(incident),
            incident.label().to_uppercase(),
            incident.confidence.as_str()
        ));
        let mut facts = Vec::new();
        if let Some(workload) = &incident.workload {
            facts.push(format!("{}/{}", workload.kind, workload.name));
        }
        facts.push(incident.role.as_str().to_owned());
        if let Some(limit) = &incident.limit {
            facts.push(format!("limit {limit}"));
        }
        if let Some(restarts) = incident.restart_count {
            facts.push(count(restarts, "restart", "restarts"));
        }
        out.push_str(&format!("  {}\n", facts.join(", ")));
        out.push_str(&format!("  {}\n", incident.fix.summary));
        out.push_str("  evidence:\n");
        for evidence in &incident.evidence {
            out.push_str(&format!("    - {} ({})\n", evidence.text, evidence.source()));
        }
        if let Some(resources) = incident.fix.resources() {
            out.push_str("  fix:\n");
            for line in resources.lines() {
                out.push_str(&format!("    {line}\n"));
            }
        }
        if !incident.fix.flags.is_empty() {
            out.push_str(&format!("  flags: {}\n", incident.fix.flags.join(" or ")));
        }
        if !incident.fix.steps.is_empty() {
            out.push_str("  steps:\n");
            for (n, step) in incident.fix.steps.iter().enumerate() {
                out.push_str(&format!("    {}. {step}\n", n + 1));
            }
        }
        match &incident.plot {
            Plot::NotRequested => {}
            Plot::Written(file) => out.push_str(&format!("  plot: {file}\n")),
            Plot::NoSeries => out.push_str("  plot: none (no memory series of this container)\n"),
        }
        for other in &incident.other_causes {
            out.push_str(&format!(
                "  also: {} ({}): {}\n",
                other.cause.label(incident.runtime),
                other.confidence.as_str(),
                other.why
            ));
        }
        out.push('\n');
    }
    for error in errors {
        match error.position {
            Some(p) => {
                out.push_str(&format!("error: {}:{}: {}\n", error.file, p.line, error.message))
            }
            None => out.push_str(&format!("error: {}: {}\n", error.file, error.message)),
        }
    }
    for skipped in skipped {
        out.push_str(&format!("note: {}: {}\n", skipped.file, skipped.message));
    }
    out.push_str(&summary_line(incidents, errors.len()));
    out.push('\n');
    out
}
