//! `check --metrics` and `fix --metrics` join series to the right workload, and `fix` edits a
//! heap flag wherever it sits in its scalar, or says why it did not.

mod common;

use common::{oom_lint, testdata};

fn summary_and_findings(
    dir: &str,
    manifest: &str,
) -> (serde_json::Value, Vec<(String, String, u64)>) {
    let run = oom_lint(
        &["check", "--format", "json", "--fail-on", "never", manifest, "--metrics", "usage.csv"],
        &testdata(dir),
        None,
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let findings = report["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_owned(),
                f["object"]["name"].as_str().unwrap_or_default().to_owned(),
                f["line"].as_u64().or_else(|| f["location"]["line"].as_u64()).unwrap_or(0),
            )
        })
        .collect();
    (report["summary"]["metrics"].clone(), findings)
}

#[test]
fn a_statefulset_pod_is_never_joined_to_a_deployment_whose_name_prefixes_it() {
    let (metrics, findings) =
        summary_and_findings("usage/statefulset-vs-deployment", "web-deployment.yaml");
    assert_eq!(metrics["matched_series"], 0, "{metrics}");
    assert_eq!(metrics["unmatched_series"], serde_json::json!(["shop/web-db-0/app"]));
    assert_eq!(
        metrics["containers_without_metrics"],
        serde_json::json!(["Deployment/web (namespace shop) container app"])
    );
    assert_eq!(findings, []);
}

#[test]
fn each_controller_joins_its_own_pod_names() {
    let (metrics, findings) = summary_and_findings("usage/controller-pod-names", "workloads.yaml");
    assert_eq!(metrics["matched_series"], 5, "{metrics}");
    assert_eq!(metrics["unmatched_series"], serde_json::json!([]));
    assert_eq!(metrics["containers_without_metrics"], serde_json::json!([]));
    // Only web-db's 500 MiB pods exceed their 256Mi limit; the Deployment `web` (300 MiB of
    // 512Mi) is not judged by them.
    assert_eq!(findings, [("memory-limit-below-peak".to_owned(), "web-db".to_owned(), 20)]);
}

#[test]
fn fix_edits_xmx_after_a_comma_in_the_same_scalar() {
    let run = oom_lint(
        &["fix", "--dry-run", "shop.yaml", "--metrics", "usage.csv"],
        &testdata("usage/fix-comma-in-value"),
        None,
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("-              value: -Dlist=a,b -Xmx900m\n"), "{}", run.stdout);
    assert!(run.stdout.contains("+              value: -Dlist=a,b -Xmx864m\n"), "{}", run.stdout);
    assert!(!run.stdout.contains("skipped"), "{}", run.stdout);
}

#[test]
fn fix_says_why_it_leaves_a_heap_flag_alone() {
    let run = oom_lint(
        &["fix", "--dry-run", "shop.yaml", "--metrics", "../fix-comma-in-value/usage.csv"],
        &testdata("usage/fix-xmx-not-editable"),
        None,
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    // The ConfigMap's flag is shared: reported with the value to set, never rewritten.
    assert!(
        run.stdout.contains(
            "skipped shop.yaml:16: Deployment/web (namespace shop) container web: its max heap was \
         not changed: `-Xmx900m` comes from a ConfigMap, which other workloads may share; set \
         -Xmx864m there"
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("-  JAVA_TOOL_OPTIONS"), "{}", run.stdout);
    // A flag built from a variable is reported; the container's resources are still written.
    assert!(run.stdout.contains("`-Xmx$(HEAP)` is built from a variable"), "{}", run.stdout);
    assert!(run.stdout.contains("+            limits: {memory: 768Mi}"), "{}", run.stdout);
    assert!(run.stdout.contains("               value: -Xmx$(HEAP)\n"), "{}", run.stdout);
}

#[test]
fn fix_never_shrinks_a_limit_a_thousandfold_without_asking_about_the_unit() {
    // usage.csv is a 3 GiB JVM's working set in KiB without a unit: read as bytes, 2.1 "MiB".
    let dir = testdata("usage/kib-read-as-bytes");
    let run = oom_lint(&["fix", "--dry-run", "big.yaml", "--metrics", "usage.csv"], &dir, None);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "skipped big.yaml:10: Deployment/big (namespace ns) container app: the observed peak \
             (2.1 MiB) is 1493× below the current 3Gi limit: are the dump's values in KiB"
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("+++"), "nothing is written: {}", run.stdout);
    assert!(!run.stdout.contains("-Xmx2m"), "{}", run.stdout);

    // check says the same instead of recommending 2816Ki.
    let check =
        oom_lint(&["check", "--format", "json", "big.yaml", "--metrics", "usage.csv"], &dir, None);
    let report = check.json();
    let message = report["findings"][0]["message"].as_str().unwrap_or_default().to_owned();
    assert_eq!(report["findings"][0]["rule"], "memory-limit-oversized", "{}", check.stdout);
    assert!(message.contains("are the dump's values in KiB"), "{message}");
    assert!(!message.contains("2816Ki"), "{message}");

    // analyze keeps the series but notes the small peak.
    let analyze = oom_lint(&["analyze", "usage.csv"], &dir, None);
    assert!(
        analyze.stdout.contains("a peak of 2.1 MiB is small for a container")
            && analyze.stdout.contains("KiB"),
        "{}",
        analyze.stdout
    );
}

#[test]
fn a_tiny_sidecar_well_under_the_unit_factor_is_still_resized() {
    // 3 MiB under a 64Mi limit is 21×: oversized, not a unit problem.
    let dir = testdata("usage/kib-read-as-bytes");
    let run = oom_lint(
        &["fix", "--dry-run", "sidecar.yaml", "--metrics", "sidecar-usage.csv"],
        &dir,
        None,
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("skipped"), "{}", run.stdout);
    assert!(run.stdout.contains("limits: {memory: 4Mi}"), "{}", run.stdout);
    let check = oom_lint(
        &["check", "--format", "json", "sidecar.yaml", "--metrics", "sidecar-usage.csv"],
        &dir,
        None,
    );
    let message = check.json()["findings"][0]["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("16.0× the recommended 4Mi"), "{message}");
    assert!(!message.contains("KiB"), "{message}");
}
