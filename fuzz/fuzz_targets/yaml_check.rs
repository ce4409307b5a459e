//! Any bytes as a manifest: parse, find pod specs, run every rule, render every format.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oom_lint::config::Config;
use oom_lint::lint::check;
use oom_lint::report::check::{self as report, Report};
use oom_lint::engine::source::SourceFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let sources = [SourceFile::new("fuzz.yaml".into(), text.to_owned())];
    let outcome = check(&sources, &Config::default(), None);
    let report = Report {
        sources: &sources,
        findings: &outcome.findings,
        errors: &outcome.errors,
        counts: &outcome.counts,
        skipped_chart_templates: &[],
        usage: None,
    };
    let mut out = std::io::sink();
    let _ = report::human::write(&report, false, &mut out);
    let _ = report::json::write(&report, &mut out);
    let _ = report::sarif::write(&report, &mut out);
    let _ = report::github::write(&report, &mut out);
});
