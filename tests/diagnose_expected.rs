//! Every folder of `testdata/incidents/` is one case with its `expected.json`: the fields of
//! each incident that matter (who was killed, the cause, its confidence, the other causes and
//! the fix values), the input errors (file and line) and the exit code. The real binary runs on
//! each folder and must give exactly that. A folder without `expected.json` fails: no case
//! passes because its expectation is missing. `UPDATE_EXPECTED=1` writes the files from the
//! current output (review them with `git diff` before committing).

mod common;

use common::{oom_lint, testdata};
use serde_json::{Value, json};

/// The fields of an incident that an expectation pins.
fn essentials(incident: &Value) -> Value {
    let other_causes: Vec<Value> = incident["other_causes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| o["cause"].clone())
        .collect();
    let fix = &incident["fix"];
    json!({
        "namespace": incident["namespace"],
        "pod": incident["pod"],
        "container": incident["container"],
        "role": incident["role"],
        "cause": incident["cause"],
        "confidence": incident["confidence"],
        "other_causes": other_causes,
        "fix": {
            "request": fix["request"],
            "limit": fix["limit"],
            "resources": fix["resources"],
            "flags": fix["flags"],
        },
    })
}

fn actual(case: &str) -> Value {
    let run = oom_lint(
        &["diagnose", &format!("incidents/{case}"), "--format", "json"],
        &testdata(""),
        None,
    );
    assert!(run.stderr.is_empty(), "{case}: nothing on stderr (no panic): {}", run.stderr);
    let report = run.json();
    assert_eq!(report["version"], 1, "{case}");
    let incidents: Vec<Value> =
        report["incidents"].as_array().into_iter().flatten().map(essentials).collect();
    let errors: Vec<Value> = report["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| json!({"file": e["file"], "line": e["line"]}))
        .collect();
    // Shaped as a diagnose report (`version`, `incidents`), so that `diagnose` never reads it as
    // evidence of the folder it sits in.
    json!({"version": 1, "exit_code": run.code, "incidents": incidents, "errors": errors})
}

#[test]
fn every_incident_folder_gives_its_expected_json() {
    let update = std::env::var_os("UPDATE_EXPECTED").is_some();
    let mut cases: Vec<String> = std::fs::read_dir(testdata("incidents"))
        .unwrap_or_else(|e| panic!("testdata/incidents: {e}"))
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    assert!(cases.len() >= 20, "the incident cases: {cases:?}");
    let mut failures = Vec::new();
    for case in &cases {
        let path = testdata(&format!("incidents/{case}/expected.json"));
        let actual = actual(case);
        if update {
            let text = serde_json::to_string_pretty(&actual).unwrap_or_default() + "\n";
            std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            failures.push(format!("{case}: no expected.json (UPDATE_EXPECTED=1 writes it)"));
            continue;
        };
        let expected: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
        if expected != actual {
            failures.push(format!(
                "{case}:\nexpected {}\nactual   {}",
                serde_json::to_string_pretty(&expected).unwrap_or_default(),
                serde_json::to_string_pretty(&actual).unwrap_or_default()
            ));
        }
        // Every folder is a case with something to diagnose or to refuse.
        let empty = expected["incidents"].as_array().is_none_or(Vec::is_empty)
            && expected["errors"].as_array().is_none_or(Vec::is_empty);
        assert!(!empty, "{case}: expects neither an incident nor an error");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every cause has a case with a memory series and one without (or, for the causes that need
/// a series by design, a case without one that says `unknown` and what to export).
#[test]
fn every_cause_has_a_case_with_and_without_metrics() {
    let mut with_series = std::collections::BTreeSet::new();
    let mut without_series = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(testdata("incidents")).into_iter().flatten().flatten() {
        let case = entry.file_name().to_string_lossy().into_owned();
        let run = oom_lint(
            &["diagnose", &format!("incidents/{case}"), "--format", "json"],
            &testdata(""),
            None,
        );
        for incident in run.json()["incidents"].as_array().into_iter().flatten() {
            let cause = incident["cause"].as_str().unwrap_or("").to_owned();
            if incident["analysis"].is_null() {
                without_series.insert(cause);
            } else {
                with_series.insert(cause);
            }
        }
    }
    for cause in [
        "memory-leak",
        "traffic-spike",
        "limit-too-low",
        "jvm-native-memory",
        "sidecar-memory",
        "node-memory-pressure",
        "not-oom",
        "unknown",
    ] {
        assert!(with_series.contains(cause), "{cause}: no case with a memory series");
        // A leak or a spike is never decided without a series: their cases without one are
        // `unknown` (memory-leak-no-metrics, traffic-spike-no-metrics).
        if !matches!(cause, "memory-leak" | "traffic-spike") {
            assert!(without_series.contains(cause), "{cause}: no case without a memory series");
        }
    }
}
