//! `oom-lint diagnose`: read the incident's files (or find the OOM kills on a Prometheus-
//! compatible server), decide each kill's cause, report.

use miette::miette;

use crate::cli::{DiagnoseArgs, DiagnoseFormat};
use crate::diagnose::{self, Incident, Plot};
use crate::engine::source::SourceFile;
use crate::exit::ExitStatus;
use crate::incidents::{InputError, read};
use crate::report::diagnose as report;

pub fn run(args: &DiagnoseArgs) -> miette::Result<ExitStatus> {
    let Some(config) = super::check::config_or_report(args.config.as_deref()) else {
        return Ok(ExitStatus::InputError);
    };
    let settings = config.settings;
    let mut errors = Vec::new();
    let mut files = read::files(&args.files, &mut errors);
    if args.live.save.is_some() {
        return Err(miette!(
            help = "save the dump with `oom-lint analyze --prometheus … --save FILE`",
            "diagnose does not write --save"
        ));
    }
    let live = crate::live::Source::new(&args.live)?;
    if let Some(source) = &live {
        files.extend(live_inputs(source, &mut errors)?);
    }
    let mut collected = read::collect(files, &settings, errors);
    let nothing_read = collected.pods.is_empty()
        && collected.events.is_empty()
        && collected.series.is_empty()
        && collected.deploys.is_empty()
        && collected.manifests.is_empty();
    // Nothing read is not "no incident": say so, and exit as for unreadable input. When the
    // only files were oom-lint's own reports, each is the error: it names what was given.
    let only_reports = collected.errors.is_empty() && !collected.skipped.is_empty();
    if live.is_none() && nothing_read && only_reports {
        for skipped in std::mem::take(&mut collected.skipped) {
            collected.errors.push(InputError {
                file: skipped.file,
                position: None,
                message: format!(
                    "{}; give diagnose what it was made from (kubectl get pods -o json, kubectl \
                     describe pod, kubectl get events -o json, a metric dump)",
                    skipped.message
                ),
            });
        }
    } else if live.is_none() && collected.errors.is_empty() && nothing_read {
        collected.errors.push(InputError {
            file: args.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", "),
            position: None,
            message: "no pod status, describe text, event, deploy, manifest or memory series in \
                      the input: nothing \
                      to diagnose (kubectl get pods -o json, kubectl describe pod, kubectl get \
                      events -o json, or a metric dump)"
                .to_owned(),
        });
    }
    let mut incidents = diagnose::diagnose(&collected, &settings);
    if let Some(dir) = &args.plot {
        plot(dir, &mut incidents, &mut collected.errors);
    }
    let text = match args.format {
        DiagnoseFormat::Human => {
            report::human::render(&incidents, &collected.errors, &collected.skipped)
        }
        DiagnoseFormat::Json => {
            report::json::render(&incidents, &collected.errors, &collected.skipped)
        }
        DiagnoseFormat::Markdown => {
            report::markdown::render(&incidents, &collected.errors, &collected.skipped)
        }
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
        let title = format!("{} — {}", report::title(incident), incident.label());
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
