//! Any bytes as a `diagnose` input (describe text, kubectl JSON/YAML, events CSV or metric dump,
//! detected from the content as the command does): read, join, decide, render every format.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oom_lint::engine::source::SourceFile;
use oom_lint::incidents::{describe, read};
use oom_lint::report::diagnose as report;
use oom_lint::settings::Settings;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The spec written back from a describe text maps every line to a describe line.
    let mut errors = Vec::new();
    for pod in describe::read_describe("fuzz.txt", text, &mut errors) {
        assert_eq!(pod.spec.lines.len(), pod.spec.yaml.lines().count());
    }
    let settings = Settings::default();
    let files = vec![
        SourceFile::new("fuzz.txt".into(), text.to_owned()),
        SourceFile::new("fuzz.json".into(), text.to_owned()),
    ];
    let collected = read::collect(files, &settings, Vec::new());
    let incidents = oom_lint::diagnose::diagnose(&collected, &settings);
    let _ = report::human::render(&incidents, &collected.errors, &collected.skipped);
    let _ = report::json::render(&incidents, &collected.errors, &collected.skipped);
    let _ = report::markdown::render(&incidents, &collected.errors, &collected.skipped);
});
