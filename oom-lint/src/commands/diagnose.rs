//! `oom-lint diagnose`: read the incident's files, decide each kill's cause, report.

use crate::cli::{DiagnoseArgs, DiagnoseFormat};
use crate::diagnose::{self, Incident, Plot};
use crate::exit::ExitStatus;
use crate::finding::InputError;
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
    let mut collected = read::collect(files, &settings, errors);
    let mut incidents = diagnose::diagnose(&collected, &settings);
    if let Some(dir) = &args.plot {
        plot(dir, &mut incidents, &mut collected.errors);
    }
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

/// `--plot DIR`: one SVG per incident with a memory series, named after its namespace, pod and
/// container (numbered in the report's order, so two incidents never share a file).
fn plot(dir: &std::path::Path, incidents: &mut [Incident], errors: &mut Vec<InputError>) {
    if let Err(e) = std::fs::create_dir_all(dir) {
        errors.push(InputError {
            file: dir.display().to_string(),
            position: None,
            message: format!("--plot: cannot create the directory: {e}"),
        });
        return;
    }
    for (index, incident) in incidents.iter_mut().enumerate() {
        let Some(usage) = &incident.usage else {
            incident.plot = Plot::NoSeries;
            continue;
        };
        let name = format!(
            "{}_{}_{}",
            incident.namespace.as_deref().unwrap_or("default"),
            incident.pod,
            incident.container
        );
        let file = dir.join(format!(
            "{:02}-{}.svg",
            index + 1,
            crate::report::analyze::svg::file_stem(&name)
        ));
        let kills: Vec<(f64, String)> = incident
            .kills
            .iter()
            .filter_map(|k| {
                let label = if k.reason.is_empty() { "killed" } else { k.reason.as_str() };
                Some((k.finished?, label.to_owned()))
            })
            .collect();
        let title = format!("{} — {}", report::title(incident), incident.cause.id());
        let chart = crate::report::analyze::svg::Chart {
            title,
            series: &usage.samples,
            analysis: &usage.analysis,
            events: &incident.deploys,
            kills: &kills,
        };
        match crate::report::analyze::svg::draw_chart(&file, &chart) {
            Ok(()) => incident.plot = Plot::Written(file.display().to_string()),
            Err(message) => errors.push(InputError {
                file: file.display().to_string(),
                position: None,
                message,
            }),
        }
    }
}
