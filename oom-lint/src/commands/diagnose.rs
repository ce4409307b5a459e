//! `oom-lint diagnose`: read the incident's files (or find the OOM kills on a Prometheus-
//! compatible server), decide each kill's cause, report.

use miette::miette;

use crate::cli::{DiagnoseArgs, DiagnoseFormat};
use crate::diagnose;
use crate::engine::source::SourceFile;
use crate::exit::ExitStatus;
use crate::incidents::{InputError, read};
use crate::report::diagnose as report;
use crate::settings::Settings;

pub fn run(args: &DiagnoseArgs) -> miette::Result<ExitStatus> {
    let settings = Settings::default();
    let mut errors = Vec::new();
    let mut files = read::files(&args.files, &mut errors);
    if args.live.save.is_some() {
        return Err(miette!(
            help = "save the dump with `oom-lint analyze --prometheus … --save FILE`",
            "diagnose does not write --save"
        ));
    }
    if let Some(source) = crate::live::Source::new(&args.live)? {
        files.extend(live_inputs(&source, &mut errors)?);
    }
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

/// The OOM kills the server knows of, as the inputs the file path reads: a PodList of the killed
/// containers' pods and their memory dumps. What is missing for a complete answer becomes an
/// input error, so that an empty report is never read as "no OOM kill" when evidence is missing.
fn live_inputs(
    source: &crate::live::Source,
    errors: &mut Vec<InputError>,
) -> miette::Result<Vec<SourceFile>> {
    let kills = source.kills()?;
    let error =
        |message: String| InputError { file: kills.source.clone(), position: None, message };
    errors.extend(kills.missing.iter().cloned().map(error));
    let mut files = Vec::new();
    if let Some(pods) = kills.pods {
        let text = String::from_utf8(pods).map_err(|e| miette!("{e}"))?;
        files.push(SourceFile::new(format!("{} (kube-state-metrics)", kills.source), text));
    } else if kills.missing.is_empty() {
        super::write_stderr(&format!(
            "{}: no container was OOM-killed between {} and {}",
            kills.source, kills.window.0, kills.window.1
        ));
    }
    for dump in kills.dumps {
        errors.extend(dump.warnings.into_iter().map(error));
        let text = String::from_utf8(dump.dump).map_err(|e| miette!("{e}"))?;
        files.push(SourceFile::new(dump.source, text));
    }
    Ok(files)
}
