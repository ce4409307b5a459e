//! `oom-lint analyze`: offline analysis of exported memory metrics.

use std::io::{IsTerminal, Read};
use std::path::Path;

use miette::miette;
use oom_core::leak::{AnalysisOptions, Classification, analyze};
use oom_core::metrics::{self, Event, InputFormat, ParseOptions};
use oom_core::quantity::Quantity;

use crate::cli::{AnalyzeArgs, AnalyzeFailOn, AnalyzeFormat, InputFormatArg};
use crate::exit::ExitStatus;
use crate::finding::InputError;
use crate::report::analyze::{self as analysis, InputSummary, SeriesResult};
use crate::report::fleet::{Fleet, Row, Seconds};

/// Dumps larger than this are read whole too, but the user is told it may take a moment.
const LARGE_INPUT: usize = 50 << 20;
/// The smallest memory limit the container runtime accepts, bytes: 6 MiB (runc and Docker
/// refuse less); a `--limit` below it is a typo such as `512m` (milli) or a missing suffix.
const MIN_CONTAINER_LIMIT: u64 = 6 << 20;
/// Refuse single dumps beyond this: a week at one-second resolution is far below it.
const MAX_INPUT: u64 = 2 << 30;

pub fn run(args: &AnalyzeArgs) -> miette::Result<ExitStatus> {
    let limit = match &args.limit {
        None => None,
        Some(text) => {
            let bytes =
                Quantity::parse(text).ok().and_then(|q| q.bytes()).filter(|&b| b > 0).ok_or_else(
                    || {
                        miette!(
                            help = "write a quantity such as 512Mi",
                            "--limit: `{text}` is not a positive memory quantity"
                        )
                    },
                )?;
            // `512m` is 0.512 bytes and `512` is 512 bytes: no container runs under a limit that
            // small, so it is a typo rather than a limit to judge kills against.
            if bytes < MIN_CONTAINER_LIMIT {
                return Err(miette!(
                    help = "memory quantities use binary suffixes: 512Mi, 1Gi (`m` is milli)",
                    "--limit: `{text}` is {}, below the {} MiB the container runtime \
                     accepts as a memory limit",
                    oom_core::text::count(bytes, "byte", "bytes"),
                    MIN_CONTAINER_LIMIT >> 20
                ));
            }
            Some(bytes)
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
        InputFormatArg::PromtoolDump => InputFormat::PromtoolDump,
        InputFormatArg::OpenMetrics => InputFormat::OpenMetrics,
        InputFormatArg::PrometheusText => InputFormat::PrometheusText,
        InputFormatArg::VictoriaMetricsJsonl => InputFormat::VictoriaMetricsJsonl,
    });
    let timezone = args.timezone.as_deref().map(time_zone).transpose()?;
    let parse_options = ParseOptions { format, metric: args.live.metric.clone(), timezone };
    let progress = std::io::stderr().is_terminal();
    let mut results = Vec::new();
    let mut input_summaries = Vec::new();
    // Many containers from a live source are a fleet: listed first, fetched in batches.
    if args.files.is_empty()
        && args.live.save.is_none()
        && args.plot.is_none()
        && let Some(source) = crate::live::Source::new(&args.live)?
    {
        let (listing, listing_time) = source.list()?;
        if listing.containers > 0 && (args.fleet || listing.containers > FLEET_MIN_CONTAINERS) {
            let reading =
                Reading { parse_options: &parse_options, options: &options, events: &events };
            return fleet(args, &source, listing, listing_time, &reading, errors);
        }
    }
    // A live source is read as the dump it is assembled into (the one --save writes).
    let live = crate::live::fetch(&args.live)?;
    let inputs = args.files.iter().map(Ok).chain(live.map(Err));
    let reading = Reading { parse_options: &parse_options, options: &options, events: &events };
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
        if let Some((summary, analysed)) = reading.read(&name, &bytes, format, &mut errors) {
            input_summaries.push(summary);
            results.extend(analysed);
        }
    }
    if let Some(dir) = &args.plot {
        std::fs::create_dir_all(dir).map_err(|e| miette!("--plot {}: {e}", dir.display()))?;
        for (index, result) in results.iter().enumerate() {
            let file = dir.join(format!(
                "{:02}-{}.svg",
                index + 1,
                crate::report::analyze::svg::file_stem(&result.series.name())
            ));
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
        AnalyzeFormat::Human => analysis::human(&results, &input_summaries, &errors),
        AnalyzeFormat::Json => analysis::json(&results, &input_summaries, &errors),
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

/// More containers than this from a live source make a fleet scan (a ranked table, fetched in
/// batches): ten verdict blocks still read well, and a handful of containers is what people
/// select by hand; beyond that a table ranked by urgency is what is read.
const FLEET_MIN_CONTAINERS: usize = 10;

/// How every dump of a run is read and analysed: the file path and the fleet's batches share it,
/// so that a container's row in a scan is its single analysis.
struct Reading<'r> {
    parse_options: &'r ParseOptions,
    options: &'r AnalysisOptions,
    events: &'r [Event],
}

impl Reading<'_> {
    /// Parses one dump and analyses each of its series; `None` (with an input error) when the
    /// dump cannot be read.
    fn read(
        &self,
        name: &str,
        bytes: &[u8],
        format: Option<InputFormat>,
        errors: &mut Vec<InputError>,
    ) -> Option<(InputSummary, Vec<SeriesResult>)> {
        let dump = match metrics::parse_with(
            bytes,
            &ParseOptions { format, ..self.parse_options.clone() },
        ) {
            Ok(dump) => dump,
            Err(error) => {
                // The report shows the line itself: the message must not repeat it.
                let (position, message) = match &error {
                    metrics::MetricsError::Json { line, .. } => (
                        Some(crate::engine::source::Position::new(*line as usize, 1)),
                        error.message(),
                    ),
                    _ => (None, error.to_string()),
                };
                errors.push(InputError { file: name.to_owned(), position, message });
                return None;
            }
        };
        crate::observed::dump_problems(name, &dump, errors);
        if dump.series.is_empty() && dump.refused.is_empty() {
            errors.push(InputError {
                file: name.to_owned(),
                position: None,
                message: format!("no memory series found ({})", dump.format.as_str()),
            });
        }
        let summary = InputSummary {
            file: name.to_owned(),
            layout: dump.format.as_str(),
            metric: dump.metric.clone(),
            series: dump.series.len(),
            refused: dump.refused.len(),
            gaps: dump.gaps,
            left_out: dump.left_out,
            notes: dump.notes.clone(),
        };
        let mut results = Vec::with_capacity(dump.series.len());
        for series in dump.series {
            // Restart counters and OOM events in the dump decide what its drops are.
            let known_restarts = metrics::known_restarts(&dump.signals, &series);
            let options = AnalysisOptions { known_restarts, ..self.options.clone() };
            let analysis = analyze(&series, self.events, &options);
            results.push(SeriesResult { file: name.to_owned(), series, analysis });
        }
        Some((summary, results))
    }
}

/// A fleet scan: every listed container analysed batch by batch, only its row kept.
fn fleet(
    args: &AnalyzeArgs,
    source: &crate::live::Source,
    listing: crate::live::fleet::Listing,
    listing_time: std::time::Duration,
    reading: &Reading<'_>,
    mut errors: Vec<InputError>,
) -> miette::Result<ExitStatus> {
    let started = std::time::Instant::now();
    let name = source.display_url().to_owned();
    let bar = if args.quiet || std::env::var_os("CI").is_some() || !std::io::stderr().is_terminal()
    {
        indicatif::ProgressBar::hidden()
    } else {
        let bar = indicatif::ProgressBar::new(listing.containers as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {wide_bar} {pos}/{len} series ({eta} left)",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    };
    let mut rows = Vec::with_capacity(listing.containers);
    let timings = source.scan(
        &listing.batches,
        |_batch, fetched| {
            let mut batch_errors: Vec<InputError> = fetched
                .warnings
                .into_iter()
                .map(|message| InputError { file: name.clone(), position: None, message })
                .collect();
            let rows: Vec<Row> = reading
                .read(&name, &fetched.dump, Some(InputFormat::PrometheusJson), &mut batch_errors)
                .map(|(_, results)| results.iter().map(Row::of).collect())
                .unwrap_or_default();
            (rows, batch_errors)
        },
        |outcome| match outcome {
            Ok((batch_rows, batch_errors)) => {
                bar.inc(batch_rows.len() as u64);
                rows.extend(batch_rows);
                errors.extend(batch_errors);
            }
            Err(failure) => {
                bar.inc(failure.batch.containers as u64);
                errors.push(InputError {
                    file: name.clone(),
                    position: None,
                    message: format!(
                        "namespace {}, pods {}: not scanned: {}",
                        failure.batch.namespace,
                        failure.batch.pods.join(", "),
                        failure.message
                    ),
                });
            }
        },
    );
    bar.finish_and_clear();
    let timings = timings?;
    errors.dedup();
    crate::report::fleet::rank(&mut rows);
    let (start, end) = source.window();
    let fleet = Fleet {
        source: name,
        start,
        end,
        listed: listing.containers,
        rows,
        errors,
        seconds: Seconds {
            listing: listing_time.as_secs_f64(),
            fetch: timings.fetch.as_secs_f64(),
            analysis: timings.work.as_secs_f64(),
            wall: (started.elapsed() + listing_time).as_secs_f64(),
        },
    };
    let text = match args.format {
        AnalyzeFormat::Human => crate::report::fleet::human::render(&fleet, args.top),
        AnalyzeFormat::Json => crate::report::fleet::json::render(&fleet),
    };
    super::write_stdout(text.as_bytes())?;
    let leak = fleet.rows.iter().any(|r| r.classification == Classification::Leak);
    Ok(if !fleet.errors.is_empty() {
        ExitStatus::InputError
    } else if leak && args.fail_on == AnalyzeFailOn::Leak {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}

/// `--timezone`: `UTC`, a fixed offset (`+02:00`, `-0530`, `+2`), or an IANA name looked up in
/// the system's time zone database.
fn time_zone(text: &str) -> miette::Result<jiff::tz::TimeZone> {
    let text = text.trim();
    if matches!(text, "UTC" | "utc" | "Z" | "z") {
        return Ok(jiff::tz::TimeZone::UTC);
    }
    if let Some(sign) = text.chars().next().filter(|c| matches!(c, '+' | '-')) {
        let digits: String = text[1..].chars().filter(|c| *c != ':').collect();
        let (hours, minutes) = match digits.len() {
            1 | 2 => (digits.parse::<i32>().ok(), Some(0)),
            4 => (digits[..2].parse::<i32>().ok(), digits[2..].parse::<i32>().ok()),
            _ => (None, None),
        };
        if let (Some(hours), Some(minutes)) = (hours, minutes)
            && hours <= 18
            && minutes < 60
        {
            let seconds = (hours * 3600 + minutes * 60) * if sign == '-' { -1 } else { 1 };
            if let Ok(offset) = jiff::tz::Offset::from_seconds(seconds) {
                return Ok(jiff::tz::TimeZone::fixed(offset));
            }
        }
    }
    jiff::tz::TimeZone::get(text).map_err(|e| {
        miette!(
            help = "an IANA name such as Europe/Berlin, an offset such as +02:00, or UTC",
            "--timezone: `{text}` is not a time zone ({e})"
        )
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
