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

/// SARIF columns count UTF-16 code units (declared as `columnKind`), base ids are valid, and
/// every finding has its own fingerprint.
#[test]
fn sarif_columns_base_ids_and_fingerprints() {
    let files = [
        "manifests/rules/memory-quantity-suspicious/non-ascii-before.yaml",
        "manifests/rules/memory-quantity-suspicious/non-ascii-utf16.yaml",
        "manifests/rules/memory-quantity-suspicious/fires.yaml",
        "manifests/rules/jvm-heap-exceeds-limit/scalar-styles.yaml",
    ];
    let mut args = vec!["check", "--format", "sarif"];
    args.extend(files);
    let sarif = oom_lint(&args, &testdata(""), None).json();
    let run = &sarif["runs"][0];
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    // SARIF1004: a base id's `uri` must be an absolute URI ending in `/`, when it has one.
    for (_, base) in run["originalUriBaseIds"].as_object().cloned().unwrap_or_default() {
        if let Some(uri) = base["uri"].as_str() {
            assert!(uri.contains("://") && uri.ends_with('/'), "{uri}");
        }
    }
    let results = run["results"].as_array().cloned().unwrap_or_default();
    let region = |file: &str, rule: &str| -> Vec<(u64, u64, u64)> {
        results
            .iter()
            .filter(|r| r["ruleId"] == rule)
            .map(|r| &r["locations"][0]["physicalLocation"])
            .filter(|l| l["artifactLocation"]["uri"].as_str().is_some_and(|u| u.ends_with(file)))
            .map(|l| {
                let region = &l["region"];
                let number = |key: &str| region[key].as_u64().unwrap_or(0);
                (number("startLine"), number("startColumn"), number("endColumn"))
            })
            .collect()
    };
    // `"é😀"`: 2 code points before `512m` count 3 UTF-16 units.
    let line = std::fs::read_to_string(testdata(files[0])).unwrap_or_default();
    let line = line.lines().nth(9).unwrap_or_default();
    let byte = line.find("512m").unwrap_or(0);
    let units = line[..byte].encode_utf16().count() as u64;
    assert_eq!(
        region("non-ascii-before.yaml", "memory-quantity-suspicious"),
        [(10, units + 1, units + 5)]
    );
    let line = std::fs::read_to_string(testdata(files[1])).unwrap_or_default();
    let lines: Vec<&str> = line.lines().collect();
    let units_before = |line: &str, text: &str| {
        line[..line.find(text).unwrap_or(0)].encode_utf16().count() as u64 + 1
    };
    let start = units_before(lines[9], "1Gb");
    assert_eq!(
        region("non-ascii-utf16.yaml", "memory-quantity-suspicious"),
        [(10, start, start + 3)]
    );
    let start = units_before(lines[10], "-Xmx2g");
    assert_eq!(region("non-ascii-utf16.yaml", "jvm-heap-exceeds-limit"), [(11, start, start + 6)]);

    let fingerprints: Vec<&str> = results
        .iter()
        .filter_map(|r| r["partialFingerprints"]["oomLintFinding/v1"].as_str())
        .collect();
    assert_eq!(fingerprints.len(), results.len());
    let unique: std::collections::HashSet<&&str> = fingerprints.iter().collect();
    assert_eq!(unique.len(), fingerprints.len(), "{fingerprints:?}");
}
