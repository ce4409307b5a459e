//! `oom-lint diagnose`: read the incident's files, decide each kill's cause, report.

use crate::cli::{DiagnoseArgs, DiagnoseFormat};
use crate::diagnose;
use crate::exit::ExitStatus;
use crate::incidents::read;
use crate::report::diagnose as report;

pub fn run(args: &DiagnoseArgs) -> miette::Result<ExitStatus> {
    // The same configuration as `check` and `fix`: the heap a fix sets is the one `check` accepts.
    let config = match super::check::load_config(args.config.as_deref()) {
        Ok(config) => config,
        Err(errors) => {
            super::write_stderr("error: invalid configuration");
            for line in super::check::describe_errors(&errors) {
                super::write_stderr(&format!("  {line}"));
            }
            return Ok(ExitStatus::InputError);
        }
    };
    let settings = config.settings;
    let mut errors = Vec::new();
    let files = read::files(&args.files, &mut errors);
    let collected = read::collect(files, &settings, errors);
    let incidents = diagnose::diagnose(&collected, &settings);
    let text = match args.format {
        DiagnoseFormat::Human => report::human::render(&incidents, &collected.errors),
        DiagnoseFormat::Json => report::json::render(&incidents, &collected.errors),
        DiagnoseFormat::Markdown => report::markdown::render(&incidents, &collected.errors),
    };
    super::write_stdout(text.as_bytes())?;
    Ok(if !collected.errors.is_empty() {
        ExitStatus::InputError
    } else if incidents.is_empty() {
        ExitStatus::Clean
    } else {
        ExitStatus::Findings
    })
}
