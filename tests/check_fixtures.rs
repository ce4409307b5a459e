//! Every fixture under testdata/manifests declares its findings with `# expect:` comments on the
//! lines they must point at; the real binary must report exactly those, and nothing else.

mod common;

use std::path::{Path, PathBuf};

use common::{actual, expectations, oom_lint, testdata};

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml" || e == "json") {
            out.push(path);
        }
    }
}

/// A fixture may ask for more arguments with a `# args: --metrics metrics/x.csv` line (paths
/// relative to testdata/).
fn fixture_args(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.strip_prefix("# args:"))
        .flat_map(|args| args.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

fn check_dir(relative: &str) {
    let mut files = Vec::new();
    yaml_files(&testdata(relative), &mut files);
    assert!(!files.is_empty(), "no fixtures under {relative}");
    let mut failures = Vec::new();
    for file in &files {
        let path = file.to_string_lossy().into_owned();
        let extra = fixture_args(file);
        let mut args = vec!["check", "--format", "json", "--fail-on", "never", &path];
        args.extend(extra.iter().map(String::as_str));
        let run = oom_lint(&args, &testdata(""), None);
        let report = run.json();
        assert_eq!(report["errors"], serde_json::json!([]), "{path}: {}", run.stdout);
        assert_eq!(run.code, Some(0), "{path}: {}", run.stderr);
        let expected = expectations(file);
        let found = actual(&report, &path);
        if expected != found {
            failures.push(format!(
                "{path}\n  missing: {:?}\n  unexpected: {:?}",
                expected.difference(&found).collect::<Vec<_>>(),
                found.difference(&expected).collect::<Vec<_>>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_a_firing_and_a_passing_fixture() {
    for rule in rules_listed() {
        let dir = testdata(&format!("manifests/rules/{rule}"));
        let fires = dir.join("fires.yaml");
        let passes = dir.join("passes.yaml");
        assert!(!expectations(&fires).is_empty(), "{rule}: fires.yaml expects nothing");
        assert!(
            expectations(&fires).iter().any(|(_, r)| r == &rule),
            "{rule}: fires.yaml never expects {rule}"
        );
        assert!(passes.is_file(), "{rule}: passes.yaml is missing");
        assert!(
            !expectations(&passes).iter().any(|(_, r)| r == &rule),
            "{rule}: passes.yaml must not expect {rule}"
        );
    }
}

fn rules_listed() -> Vec<String> {
    let run = oom_lint(&["rules"], &testdata(""), None);
    assert_eq!(run.code, Some(0));
    run.stdout.lines().filter_map(|l| l.split_whitespace().next()).map(str::to_owned).collect()
}

#[test]
fn rule_fixtures() {
    check_dir("manifests/rules");
}

#[test]
fn workload_kind_fixtures() {
    check_dir("manifests/kinds");
}

#[test]
fn helm_fixtures() {
    check_dir("manifests/helm");
}

#[test]
fn suppression_fixtures() {
    check_dir("manifests/suppress");
}

#[test]
fn usage_fixtures_with_metrics() {
    check_dir("manifests/usage");
}

#[test]
fn usage_rules_are_silent_without_metrics() {
    let path = testdata("manifests/usage/shop.yaml").to_string_lossy().into_owned();
    let report = oom_lint(&["check", "--format", "json", &path], &testdata(""), None).json();
    assert_eq!(report["findings"], serde_json::json!([]));
    assert!(report["summary"].get("metrics").is_none());
}
