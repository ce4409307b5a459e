//! `oom-lint check`: lint manifests and report in the chosen format.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use miette::{IntoDiagnostic, miette};
use oom_core::quantity::Quantity;

use crate::cli::{CheckArgs, CheckFormat, FailOn};
use crate::config::{self, Config};
use crate::engine::{ingest, parallel};
use crate::exit::ExitStatus;
use crate::finding::{InputError, Severity};
use crate::lint;
use crate::observed;
use crate::report::check::{self as report, Report};

pub fn run(args: &CheckArgs) -> miette::Result<ExitStatus> {
    let Some(config) = config_or_report(args.config.as_deref()) else {
        return Ok(ExitStatus::InputError);
    };
    let exclude = exclude_set(config.exclude.iter().chain(&args.exclude))?;
    let max_file_size = Quantity::parse(&args.max_file_size)
        .ok()
        .and_then(|q| q.bytes())
        .filter(|&bytes| bytes > 0)
        .ok_or_else(|| {
            miette!("--max-file-size: `{}` is not a positive quantity", args.max_file_size)
        })?;
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };

    if let Some(threads) = args.threads {
        parallel::set_threads(usize::from(threads));
    }
    let inputs = ingest::collect(&paths, &ingest::Options { exclude: &exclude, max_file_size });
    let mut metric_errors = Vec::new();
    let mut usage =
        (!args.metrics.is_empty()).then(|| observed::read_dumps(&args.metrics, &mut metric_errors));
    if let Some(fetched) = crate::live::fetch(&args.live)? {
        let live = super::live_usage(fetched, &mut metric_errors);
        usage.get_or_insert_with(Vec::new).extend(live);
    }
    let mut outcome = lint::check(&inputs.sources, &config, usage.as_deref());
    outcome.counts.excluded = inputs.excluded;
    let mut errors = inputs.errors;
    errors.append(&mut outcome.errors);
    errors.append(&mut metric_errors);

    let report = Report {
        sources: &inputs.sources,
        findings: &outcome.findings,
        errors: &errors,
        counts: &outcome.counts,
        skipped_chart_templates: &inputs.skipped_chart_templates,
        usage: outcome.usage.as_ref(),
    };
    // Written as it is rendered: the report of a large input can be larger than the input.
    let mut out = std::io::BufWriter::with_capacity(64 << 10, std::io::stdout().lock());
    let written = match args.format {
        CheckFormat::Human => report::human::write(&report, use_color(), &mut out),
        CheckFormat::Json => report::json::write(&report, &mut out),
        CheckFormat::Sarif => report::sarif::write(&report, &mut out),
        CheckFormat::Github => report::github::write(&report, &mut out),
    }
    .and_then(|()| out.flush());
    match written {
        // The reader went away (`oom-lint check . | head`): what it read is what it wanted, and
        // the exit code still says what was found.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {}
        written => written.into_diagnostic()?,
    }

    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Note => Some(Severity::Note),
        FailOn::Never => None,
    };
    let status = if !errors.is_empty() {
        ExitStatus::InputError
    } else if threshold.is_some_and(|t| outcome.findings.iter().any(|f| f.severity >= t)) {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    };
    // The process ends next: freeing a large input's text and findings piece by piece would
    // only delay the exit (by a third of a second on a 100 MB stream).
    std::mem::forget((inputs.sources, outcome));
    Ok(status)
}

fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

pub(super) fn load_config(explicit: Option<&std::path::Path>) -> Result<Config, Vec<InputError>> {
    let start = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let Some(path) = config::discover(explicit, &start) else {
        return Ok(Config::default());
    };
    config::load(&path)
}

/// The configuration (`--config`, else `.oom-lint.yaml` found upwards), or `None` after its
/// errors were written to stderr, one line per problem, unwrapped, so editors and CI logs can
/// jump to them. `check`, `fix` and `diagnose` read it alike: the heap a fix sets is the one
/// `check` accepts.
pub(super) fn config_or_report(explicit: Option<&std::path::Path>) -> Option<Config> {
    match load_config(explicit) {
        Ok(config) => Some(config),
        Err(errors) => {
            super::write_stderr("error: invalid configuration");
            for line in describe_errors(&errors) {
                super::write_stderr(&format!("  {line}"));
            }
            None
        }
    }
}

pub(super) fn describe_errors(errors: &[InputError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| match e.position {
            Some(p) => format!("{}:{}:{}: {}", e.file, p.line, p.column, e.message),
            None => format!("{}: {}", e.file, e.message),
        })
        .collect()
}

fn exclude_set<'a>(globs: impl Iterator<Item = &'a String>) -> miette::Result<GlobSet> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let glob = GlobBuilder::new(glob)
            .literal_separator(false)
            .build()
            .map_err(|e| miette!("--exclude `{glob}`: {e}"))?;
        builder.add(glob);
    }
    builder.build().into_diagnostic()
}
