//! The `oom-lint analyze` contract on the bundled dumps.

mod common;

use common::{oom_lint, testdata};

fn run(args: &[&str]) -> common::Run {
    let mut full = vec!["analyze"];
    full.extend_from_slice(args);
    oom_lint(&full, &testdata(""), None)
}

const README_EXAMPLE: [&str; 3] = ["metrics/shop-memory.csv", "--events", "metrics/deploys.csv"];

#[test]
fn human_report_of_the_readme_example() {
    let run = run(&README_EXAMPLE);
    assert_eq!(run.code, Some(1), "a leak is a finding: {}", run.stderr);
    assert!(run.stdout.contains("LEAK  +6.0 MiB/h"), "{}", run.stdout);
    assert!(run.stdout.contains("after deploy 3e4f891"), "{}", run.stdout);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn json_report_has_the_documented_fields() {
    let mut args = README_EXAMPLE.to_vec();
    args.extend(["--format", "json", "--limit", "1Gi"]);
    let run = run(&args);
    let report = run.json();
    assert_eq!(report["version"], 1);
    let series = report["series"].as_array().cloned().unwrap_or_default();
    assert_eq!(series.len(), 2);
    let api =
        series.iter().find(|s| s["labels"]["container"] == "api").cloned().unwrap_or_default();
    assert_eq!(api["classification"], "leak");
    let slope = api["slope_bytes_per_hour"].as_f64().unwrap_or(0.0) / 1_048_576.0;
    assert!((slope - 6.0).abs() < 0.6, "{slope}");
    assert!(api["slope_ci"].as_array().is_some_and(|ci| ci.len() == 2));
    assert!(api["leak_start"].as_str().is_some_and(|t| t.starts_with("2026-04-24T14:")));
    assert_eq!(api["event"], "deploy 3e4f891");
    assert!(api["time_to_oom_hours"].as_f64().is_some_and(|h| h > 0.0));
    assert_eq!(api["restarts"], 0);
    for key in ["request_bytes", "limit_bytes", "xmx", "alert_bytes"] {
        assert!(!api["recommendation"][key].is_null(), "{key}");
    }
    let worker =
        series.iter().find(|s| s["labels"]["container"] == "worker").cloned().unwrap_or_default();
    assert_eq!(worker["classification"], "steady");
    assert!(worker["leak_start"].is_null() && worker["time_to_oom_hours"].is_null());
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn prometheus_oom_sawtooth_across_pods() {
    let report = run(&["metrics/cache-oom.json", "--format", "json"]).json();
    let series = &report["series"][0];
    assert_eq!(series["classification"], "leak");
    assert_eq!(series["restarts"], 2);
    assert_eq!(series["limit_bytes"], 512u64 << 20);
    let slope = series["slope_bytes_per_hour"].as_f64().unwrap_or(0.0) / 1_048_576.0;
    assert!((slope - 14.0).abs() < 1.4, "{slope}");
}

#[test]
fn grafana_export_with_a_spike() {
    let report = run(&["metrics/search-grafana.csv", "--format", "json"]).json();
    assert_eq!(report["series"][0]["classification"], "spike");
    assert_eq!(report["series"][0]["labels"]["pod"], "search-0");
    assert_eq!(report["errors"], serde_json::json!([]));
}

#[test]
fn broken_rows_are_reported_and_the_rest_analysed() {
    let run = run(&[
        "metrics/broken-rows.csv",
        "metrics/truncated.json",
        "metrics/missing.csv",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, Some(2));
    let report = run.json();
    let errors: Vec<(String, Option<u64>)> = report["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|e| (e["file"].as_str().unwrap_or("").to_owned(), e["line"].as_u64()))
                .collect()
        })
        .unwrap_or_default();
    assert!(errors.contains(&("metrics/broken-rows.csv".into(), Some(3))), "{errors:?}");
    assert!(errors.contains(&("metrics/broken-rows.csv".into(), Some(4))), "{errors:?}");
    assert!(errors.contains(&("metrics/broken-rows.csv".into(), Some(5))), "{errors:?}");
    assert!(errors.contains(&("metrics/truncated.json".into(), Some(2))), "{errors:?}");
    assert!(errors.iter().any(|(f, _)| f == "metrics/missing.csv"));
    assert_eq!(report["series"][0]["samples"], 2);
}

#[test]
fn plots_are_svg_charts() {
    let dir = std::env::temp_dir().join(format!("oom-lint-plots-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let dir_text = dir.to_string_lossy().into_owned();
    let mut args = README_EXAMPLE.to_vec();
    args.extend(["--plot", &dir_text, "--limit", "1Gi"]);
    let run = run(&args);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    assert_eq!(files.len(), 2);
    let svg = std::fs::read_to_string(&files[0]).unwrap_or_default();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    for text in ["leak starts", "deploy 3e4f891", "projected OOM", "limit", "alert (80% of limit)"]
    {
        assert!(svg.contains(text), "missing {text}");
    }
}

#[test]
fn a_raised_limit_is_plotted_as_a_step() {
    // 512Mi for the first 48 h, then 1Gi: the chart drew one flat line at the last limit.
    let dir = std::env::temp_dir().join(format!("oom-lint-plot-steps-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let dir_text = dir.to_string_lossy().into_owned();
    let run = run(&[
        "metrics/cases/oom-restarts-then-limit-raised.csv",
        "--fail-on",
        "never",
        "--plot",
        &dir_text,
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    assert_eq!(files.len(), 1, "{files:?}");
    let svg = std::fs::read_to_string(&files[0]).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    // The limit is the wide red polyline; its points are "x,y x,y ...".
    let limit = svg
        .lines()
        .find(|l| l.contains("<polyline") && l.contains("stroke=\"#FF0000\" stroke-width=\"2\""))
        .unwrap_or_default();
    let points = limit.split("points=\"").nth(1).and_then(|p| p.split('"').next());
    let points: Vec<(f64, f64)> = points
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.split_once(','))
        .filter_map(|(x, y)| Some((x.parse().ok()?, y.parse().ok()?)))
        .collect();
    let mut levels: Vec<f64> = points.iter().map(|p| p.1).collect();
    levels.dedup();
    assert_eq!(levels.len(), 2, "two limit levels: {limit}");
    // The later level is higher: SVG y grows downwards.
    assert!(levels[1] < levels[0], "{limit}");
}

#[test]
fn bad_limit_is_a_usage_error() {
    let run = run(&["metrics/shop-memory.csv", "--limit", "lots"]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("--limit"));
}

#[test]
fn closed_stdout_and_stderr_end_every_command_quietly_with_its_exit_code() {
    use std::process::{Command, Stdio};
    let runs: [(&[&str], i32); 4] = [
        // A leak (exit 1) and an unreadable file (exit 2) whose message goes to a closed stderr.
        (&["analyze", "metrics/shop-memory.csv", "metrics/nope.csv"], 2),
        (&["analyze", "metrics/shop-memory.csv"], 1),
        (&["rules"], 0),
        (&["size", "--peak", "400Mi", "--average", "256Mi"], 0),
    ];
    for (args, expected) in runs {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("oom-lint"))
            .args(args)
            .current_dir(testdata(""))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        // Both readers go away before anything is written.
        drop(child.stdout.take());
        drop(child.stderr.take());
        let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(status.code(), Some(expected), "{args:?}");
    }
}

#[test]
fn a_limit_too_small_for_any_container_is_refused() {
    // `512m` is milli: half a byte, rounded up — a typo for 512Mi, not a limit to judge by.
    for (limit, bytes) in [("512m", "1 byte,"), ("512", "512 bytes")] {
        let run = oom_lint(
            &["analyze", "verdicts/leak.csv", "--limit", limit],
            &testdata("metrics"),
            None,
        );
        assert_eq!(run.code, Some(2), "{limit}: {}", run.stderr);
        assert!(run.stderr.contains(&format!("`{limit}` is {bytes}")), "{}", run.stderr);
        assert!(run.stderr.contains("512Mi"), "{}", run.stderr);
        assert!(run.stdout.is_empty());
    }
    let run =
        oom_lint(&["analyze", "verdicts/leak.csv", "--limit", "6Mi"], &testdata("metrics"), None);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
}
