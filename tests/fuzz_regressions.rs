//! Replays the fuzz corpus kept under testdata/fuzz/<target>/ (seeds, and every input that once
//! crashed a target) through the same code the fuzz targets drive.

mod common;

use common::testdata;
use oom_core::leak::{AnalysisOptions, analyze};
use oom_core::quantity::{Quantity, format_bytes};
use oom_core::runtime::{JvmOptions, parse_dotnet_hex, parse_gomemlimit};
use oom_lint::config::Config;
use oom_lint::engine::source::SourceFile;

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = testdata(&format!("fuzz/{target}"));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus for {target}");
    files
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap_or_else(|e| panic!("{e}"))))
        .collect()
}

#[test]
fn yaml_check() {
    for (name, data) in corpus("yaml_check") {
        let text = String::from_utf8_lossy(&data).into_owned();
        let outcome =
            oom_lint::lint::check(&[SourceFile::new(name, text)], &Config::default(), None);
        let _ = outcome.findings.len();
    }
}

#[test]
fn quantity() {
    for (name, data) in corpus("quantity") {
        let text = String::from_utf8_lossy(&data);
        if let Some(bytes) = Quantity::parse(&text).ok().and_then(|q| q.bytes()) {
            let formatted = format_bytes(bytes);
            assert_eq!(
                Quantity::parse(&formatted).ok().and_then(|q| q.bytes()),
                Some(bytes),
                "{name}"
            );
        }
    }
}

#[test]
fn runtime_options() {
    for (_, data) in corpus("runtime_options") {
        let text = String::from_utf8_lossy(&data);
        let mut jvm = JvmOptions::default();
        jvm.apply_text(&text, 0);
        let _ = jvm.effective_max_heap(1 << 30);
        let _ = parse_gomemlimit(&text);
        let _ = parse_dotnet_hex(&text);
    }
}

#[test]
fn metrics() {
    for (_, data) in corpus("metrics") {
        if let Ok(dump) = oom_core::metrics::parse(data.as_slice(), None) {
            for series in &dump.series {
                let _ = analyze(series, &[], &AnalysisOptions::default());
            }
        }
    }
}

#[test]
fn metrics_text() {
    use oom_core::metrics::{InputFormat, ParseOptions, parse_with};
    for (_, data) in corpus("metrics_text") {
        for format in
            [InputFormat::PromtoolDump, InputFormat::OpenMetrics, InputFormat::PrometheusText]
        {
            let options = ParseOptions { format: Some(format), ..ParseOptions::default() };
            let _ = parse_with(&data, &options);
        }
    }
}

#[test]
fn metrics_jsonl() {
    use oom_core::metrics::{InputFormat, ParseOptions, parse_with};
    for (_, data) in corpus("metrics_jsonl") {
        let options = ParseOptions {
            format: Some(InputFormat::VictoriaMetricsJsonl),
            ..ParseOptions::default()
        };
        let _ = parse_with(&data, &options);
        let chosen = ParseOptions { metric: Some("m".into()), ..options };
        let _ = parse_with(&data, &chosen);
    }
}

#[test]
fn metrics_values() {
    use oom_core::metrics::{parse_bytes, parse_time};
    for (name, data) in corpus("metrics_values") {
        let text = String::from_utf8_lossy(&data);
        if let Ok(Some(bytes)) = parse_bytes(&text) {
            assert!(bytes.is_finite() && bytes >= 0.0, "{name}: {bytes}");
        }
        if let Ok(time) = parse_time(&text) {
            assert!(time.is_finite(), "{name}: {time}");
        }
    }
}

#[test]
fn diagnose_inputs() {
    use oom_lint::incidents::{describe, read};
    use oom_lint::report::diagnose as report;
    use oom_lint::settings::Settings;
    let settings = Settings::default();
    for (name, data) in corpus("diagnose_inputs") {
        let text = String::from_utf8_lossy(&data).into_owned();
        let mut errors = Vec::new();
        for pod in describe::read_describe(&name, &text, &mut errors) {
            assert_eq!(pod.spec.lines.len(), pod.spec.yaml.lines().count(), "{name}");
        }
        let files = vec![
            SourceFile::new(format!("{name}.txt"), text.clone()),
            SourceFile::new(format!("{name}.json"), text),
        ];
        let collected = read::collect(files, &settings, Vec::new());
        let incidents = oom_lint::diagnose::diagnose(&collected, &settings);
        let _ = report::human::render(&incidents, &collected.errors, &collected.skipped);
        let _ = report::json::render(&incidents, &collected.errors, &collected.skipped);
        let _ = report::markdown::render(&incidents, &collected.errors, &collected.skipped);
    }
}
