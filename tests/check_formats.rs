//! Snapshots of every output format on the Helm-rendered fixture.

mod common;

use common::{oom_lint, testdata};

const FIXTURE: &str = "manifests/helm/shop-rendered.yaml";

fn render(format: &str) -> String {
    let run = oom_lint(&["check", "--format", format, FIXTURE], &testdata(""), None);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    run.stdout
}

#[test]
fn human() {
    insta::assert_snapshot!(render("human"));
}

#[test]
fn json() {
    insta::assert_snapshot!(render("json"));
}

#[test]
fn github() {
    insta::assert_snapshot!(render("github"));
}

#[test]
fn sarif() {
    let text = render("sarif");
    let sarif: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().cloned().unwrap_or_default();
    assert!(rules.iter().all(|r| r["id"].is_string()
        && r["shortDescription"]["text"].is_string()
        && r["help"]["text"].is_string()
        && r["helpUri"].is_string()
        && r["defaultConfiguration"]["level"].is_string()));
    for result in run["results"].as_array().cloned().unwrap_or_default() {
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], FIXTURE);
        assert!(location["region"]["startLine"].as_u64().is_some_and(|l| l > 0));
        assert!(location["region"]["startColumn"].as_u64().is_some_and(|c| c > 0));
        assert!(result["partialFingerprints"]["oomLintFinding/v1"].is_string());
        let index = result["ruleIndex"].as_u64().unwrap_or(u64::MAX) as usize;
        assert_eq!(rules.get(index).map(|r| &r["id"]), Some(&result["ruleId"]));
    }
    insta::assert_snapshot!(text);
}

#[test]
fn sarif_passes_the_official_schema() {
    let schema_text = std::fs::read_to_string(testdata("schemas/sarif-schema-2.1.0.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    // The official schema's `language` pattern has a stray `]` that ECMAScript reads as a
    // literal (Annex B) and Rust's regex rejects; escaping it keeps the same meaning.
    let schema_text =
        schema_text.replace(r#"^[a-zA-Z]{2}-[a-zA-Z]{2}]?$"#, r#"^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$"#);
    let schema: serde_json::Value =
        serde_json::from_str(&schema_text).unwrap_or_else(|e| panic!("{e}"));
    let validator = jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{e}"));
    let broken =
        serde_json::json!({"version": "2.1.0", "runs": [{"results": [{"level": "fatal"}]}]});
    assert!(validator.iter_errors(&broken).next().is_some(), "the validator must reject nonsense");
    // Findings, plus input errors reported as tool notifications.
    for paths in [
        vec![FIXTURE],
        vec!["manifests/broken/invalid-then-valid.yaml", "manifests/broken/binary.yaml"],
        vec!["manifests/rules/memory-limit-missing/passes.yaml"],
    ] {
        let mut args = vec!["check", "--format", "sarif"];
        args.extend(paths.iter().copied());
        let run = oom_lint(&args, &testdata(""), None);
        let instance = run.json();
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{paths:?}: {errors:#?}");
    }
}
