//! `oom-lint analyze`: offline analysis of exported memory metrics.

use std::io::{IsTerminal, Read};
use std::path::Path;

use miette::miette;
use oom_core::leak::{AnalysisOptions, Classification, analyze};
use oom_core::metrics::{self, Event, InputFormat};
use oom_core::quantity::Quantity;

use crate::cli::{AnalyzeArgs, AnalyzeFailOn, AnalyzeFormat, InputFormatArg};
use crate::exit::ExitStatus;
use crate::finding::InputError;
use crate::report::analyze::{self as analysis, SeriesResult};

/// Dumps larger than this are read whole too, but the user is told it may take a moment.
const LARGE_INPUT: usize = 50 << 20;
/// Refuse single dumps beyond this: a week at one-second resolution is far below it.
const MAX_INPUT: u64 = 2 << 30;

pub fn run(args: &AnalyzeArgs) -> miette::Result<ExitStatus> {
    let limit = match &args.limit {
        None => None,
        Some(text) => {
            Some(Quantity::parse(text).ok().and_then(|q| q.bytes()).filter(|&b| b > 0).ok_or_else(
                || {
                    miette!(
                        help = "write a quantity such as 512Mi",
                        "--limit: `{text}` is not a positive memory quantity"
                    )
                },
            )?)
        }
    };
    let mut errors: Vec<InputError> = Vec::new();
    let events = match &args.events {
        None => Vec::new(),
        Some(path) => read_events(path, &mut errors)?,
    };
    let options = AnalysisOptions { limit_bytes: limit, ..AnalysisOptions::default() };
    let format = args.input_format.map(|f| match f {
        InputFormatArg::LongCsv => InputFormat::LongCsv,
        InputFormatArg::GrafanaCsv => InputFormat::GrafanaCsv,
        InputFormatArg::PrometheusJson => InputFormat::PrometheusJson,
    });
    let progress = std::io::stderr().is_terminal();
    let mut results = Vec::new();
    // A live source is read as the dump it is assembled into (the one --save writes).
    let live = crate::live::fetch(&args.live)?;
    let inputs = args.files.iter().map(Ok).chain(live.map(Err));
    for input in inputs {
        let (name, read, format) = match input {
            Ok(path) if path.as_os_str() == "-" => ("<stdin>".to_owned(), read_input(path), format),
            Ok(path) => (path.display().to_string(), read_input(path), format),
            Err(fetched) => {
                errors.extend(fetched.warnings.into_iter().map(|message| InputError {
                    file: fetched.source.clone(),
                    position: None,
                    message,
                }));
                (fetched.source, Ok(fetched.dump), Some(InputFormat::PrometheusJson))
            }
        };
        let bytes = match read {
            Ok(bytes) => bytes,
            Err(message) => {
                errors.push(InputError { file: name, position: None, message });
                continue;
            }
        };
        if progress && bytes.len() > LARGE_INPUT {
            super::write_stderr(&format!("analysing {name} ({} MiB)…", bytes.len() >> 20));
        }
        let dump = match metrics::parse_slice(&bytes, format) {
            Ok(dump) => dump,
            Err(error) => {
                let position = match &error {
                    metrics::MetricsError::Json { line, .. } => {
                        Some(crate::engine::source::Position::new(*line as usize, 1))
                    }
                    _ => None,
                };
                errors.push(InputError { file: name, position, message: error.to_string() });
                continue;
            }
        };
        for row in &dump.errors {
            errors.push(InputError {
                file: name.clone(),
                position: row
                    .line
                    .map(|line| crate::engine::source::Position::new(line as usize, 1)),
                message: row.message.clone(),
            });
        }
        if dump.errors_omitted > 0 {
            errors.push(InputError {
                file: name.clone(),
                position: None,
                message: format!("{} more broken rows (not listed)", dump.errors_omitted),
            });
        }
        if dump.series.is_empty() {
            errors.push(InputError {
                file: name.clone(),
                position: None,
                message: "no memory series found".into(),
            });
        }
        for series in dump.series {
            let result = analyze(&series, &events, &options);
            results.push(SeriesResult { file: name.clone(), series, analysis: result });
        }
    }
    if let Some(dir) = &args.plot {
        std::fs::create_dir_all(dir).map_err(|e| miette!("--plot {}: {e}", dir.display()))?;
        for (index, result) in results.iter().enumerate() {
            let file =
                dir.join(format!("{:02}-{}.svg", index + 1, file_stem(&result.series.name())));
            if let Err(message) = crate::report::analyze::svg::render(&file, result, &events) {
                errors.push(InputError {
                    file: file.display().to_string(),
                    position: None,
                    message,
                });
            }
        }
    }
    let text = match args.format {
        AnalyzeFormat::Human => analysis::human(&results, &errors),
        AnalyzeFormat::Json => analysis::json(&results, &errors),
    };
    super::write_stdout(text.as_bytes())?;
    let leak = results.iter().any(|r| r.analysis.classification == Classification::Leak);
    Ok(if !errors.is_empty() {
        ExitStatus::InputError
    } else if leak && args.fail_on == AnalyzeFailOn::Leak {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}

fn read_input(path: &Path) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    let result = if path.as_os_str() == "-" {
        std::io::stdin().lock().take(MAX_INPUT + 1).read_to_end(&mut bytes)
    } else {
        let metadata = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
        if !metadata.is_file() {
            return Err("cannot read: not a regular file".into());
        }
        // Sized up front: growing by doubling would briefly hold a large dump twice.
        bytes.reserve_exact(usize::try_from(metadata.len().min(MAX_INPUT) + 1).unwrap_or(0));
        std::fs::File::open(path).and_then(|f| f.take(MAX_INPUT + 1).read_to_end(&mut bytes))
    };
    result.map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(format!("larger than {} GiB; not read", MAX_INPUT >> 30));
    }
    Ok(bytes)
}

fn read_events(path: &Path, errors: &mut Vec<InputError>) -> miette::Result<Vec<Event>> {
    let file =
        std::fs::File::open(path).map_err(|e| miette!("--events {}: {e}", path.display()))?;
    let (events, row_errors) =
        metrics::parse_events(file).map_err(|e| miette!("--events {}: {e}", path.display()))?;
    for row in row_errors {
        errors.push(InputError {
            file: path.display().to_string(),
            position: row.line.map(|line| crate::engine::source::Position::new(line as usize, 1)),
            message: row.message,
        });
    }
    Ok(events)
}

fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .take(80)
        .collect();
    if stem.is_empty() { "series".into() } else { stem }
}
