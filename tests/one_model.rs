//! `check`, `check --metrics` and `fix` build one model: the same configuration, the same
//! context, and the manifest's limit reaches the analysis of the observed usage.

mod common;

use common::{oom_lint, testdata};

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("oom-lint-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

#[test]
fn fix_honours_the_heap_ratio_of_the_config_and_check_accepts_what_it_wrote() {
    let dir = temp_dir("fix-config");
    std::fs::copy(testdata("manifests/fix/shop.yaml"), dir.join("shop.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(testdata("metrics/shop-usage.csv"), dir.join("usage.csv"))
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join(".oom-lint.yaml"), "settings:\n  heap-ratio: 0.6\n")
        .unwrap_or_else(|e| panic!("{e}"));

    let run = oom_lint(&["fix", "shop.yaml", "--metrics", "usage.csv"], &dir, None);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let after = std::fs::read_to_string(dir.join("shop.yaml")).unwrap_or_default();
    // 60 % of the 1152Mi limit it writes, not the default 75 % (-Xmx864m).
    assert!(after.contains("1152Mi"), "{after}");
    assert!(!after.contains("-Xmx864m"), "{after}");
    assert!(after.contains("-Xmx691m"), "{after}");

    let check =
        oom_lint(&["check", "--format", "json", "--metrics", "usage.csv", "shop.yaml"], &dir, None);
    assert_eq!(check.json()["findings"], serde_json::json!([]), "{}", check.stdout);
    assert_eq!(check.code, Some(0));

    // An explicit --config is read too, and a broken one stops fix before it writes anything.
    std::fs::write(dir.join("broken.yaml"), "settings:\n  heap-ratoi: 0.6\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let broken = oom_lint(
        &["fix", "shop.yaml", "--metrics", "usage.csv", "--config", "broken.yaml"],
        &dir,
        None,
    );
    assert_eq!(broken.code, Some(2), "{}", broken.stdout);
    assert!(broken.stderr.contains("heap-ratoi"), "{}", broken.stderr);
    assert_eq!(std::fs::read_to_string(dir.join("shop.yaml")).unwrap_or_default(), after);
}

/// The cache StatefulSet of `manifests/usage/shop.yaml`, whose series leaks, with its memory
/// limit set on the container or at the pod level.
fn cache_manifest(container_limit: Option<&str>, pod_limit: Option<&str>) -> String {
    let pod_resources = pod_limit
        .map(|l| format!("      resources:\n        limits:\n          memory: {l}\n"))
        .unwrap_or_default();
    let container_resources = container_limit
        .map(|l| format!("          resources:\n            limits:\n              memory: {l}\n"))
        .unwrap_or_default();
    format!(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: cache\n  namespace: shop\n\
         spec:\n  serviceName: cache\n  template:\n    spec:\n{pod_resources}      containers:\n\
         \x20       - name: cache\n          image: example/cache:3.0\n{container_resources}"
    )
}

#[test]
fn check_metrics_forecasts_with_the_manifest_limit_as_analyze_limit_does() {
    let dir = temp_dir("check-metrics-limit");
    let usage = testdata("metrics/shop-usage.csv").to_string_lossy().into_owned();
    for (container_limit, pod_limit, limit) in [
        (Some("2Gi"), None, "2Gi"),
        (Some("1Gi"), None, "1Gi"),
        (Some("768Mi"), Some("2Gi"), "768Mi"),
        (None, Some("1Gi"), "1Gi"),
    ] {
        let analyze =
            oom_lint(&["analyze", &usage, "--limit", limit, "--format", "json"], &dir, None);
        let report = analyze.json();
        let Some(series) = report["series"]
            .as_array()
            .and_then(|all| all.iter().find(|s| s["labels"]["container"] == "cache"))
        else {
            panic!("no cache series: {}", analyze.stdout)
        };
        assert_eq!(series["classification"], "leak");
        let hours = series["time_to_oom_hours"]
            .as_f64()
            .unwrap_or_else(|| panic!("no time to OOM: {series}"));

        std::fs::write(dir.join("cache.yaml"), cache_manifest(container_limit, pod_limit))
            .unwrap_or_else(|e| panic!("{e}"));
        let check = oom_lint(
            &["check", "--format", "json", "--fail-on", "never", "--metrics", &usage, "cache.yaml"],
            &dir,
            None,
        );
        assert_eq!(check.code, Some(0), "{}\n{}", check.stdout, check.stderr);
        let findings = check.json()["findings"].as_array().cloned().unwrap_or_default();
        let leak: Vec<_> =
            findings.iter().filter(|f| f["rule"] == "memory-leak-suspected").collect();
        assert_eq!(leak.len(), 1, "{findings:?}");
        let message = leak[0]["message"].as_str().unwrap_or_default();
        let expected = format!("limit is reached in ≈ {hours:.0} h");
        assert!(message.contains(&expected), "limit {limit}: `{message}` lacks `{expected}`");
    }
}
