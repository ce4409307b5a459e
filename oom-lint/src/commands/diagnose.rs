//! `oom-lint diagnose`: read the incident's files, decide each kill's cause, report.

use crate::cli::{DiagnoseArgs, DiagnoseFormat};
use crate::diagnose;
use crate::exit::ExitStatus;
use crate::incidents::read;
use crate::report::diagnose as report;
use crate::settings::Settings;

pub fn run(args: &DiagnoseArgs) -> miette::Result<ExitStatus> {
    let settings = Settings::default();
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
