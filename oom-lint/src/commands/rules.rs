//! `oom-lint rules [ID]`: the registry, listed or one rule's documentation.

use miette::miette;

use crate::cli::RulesArgs;
use crate::exit::ExitStatus;
use crate::rules::{REGISTRY, find};

pub fn run(args: &RulesArgs) -> miette::Result<ExitStatus> {
    let text = match &args.id {
        None => {
            let width = REGISTRY.iter().map(|r| r.id.len()).max().unwrap_or(0);
            REGISTRY
                .iter()
                .map(|r| {
                    format!("{:<width$}  {:<7}  {}\n", r.id, r.default_severity.as_str(), r.summary)
                })
                .collect::<String>()
        }
        Some(id) => {
            let rule = find(id).ok_or_else(|| {
                miette!(help = "`oom-lint rules` lists every rule", "unknown rule `{id}`")
            })?;
            format!(
                "{}  (default severity: {})\n\n{}\n\n{}\n",
                rule.id,
                rule.default_severity.as_str(),
                rule.summary,
                rule.doc
            )
        }
    };
    super::write_stdout(text.as_bytes())?;
    Ok(ExitStatus::Clean)
}
