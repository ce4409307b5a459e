//! The `oom-lint check` contract: exit codes, inputs, errors, config and rendered formats.

mod common;

use common::{oom_lint, testdata};

fn run_check(args: &[&str]) -> common::Run {
    let mut full = vec!["check"];
    full.extend_from_slice(args);
    oom_lint(&full, &testdata(""), None)
}

#[test]
fn exit_codes_follow_fail_on() {
    let clean = run_check(&["manifests/rules/memory-limit-missing/passes.yaml"]);
    assert_eq!(clean.code, Some(0), "{}", clean.stdout);

    let findings = run_check(&["manifests/rules/memory-limit-missing/fires.yaml"]);
    assert_eq!(findings.code, Some(1));

    // Only a warning: fails with --fail-on warning, passes with the default (error).
    let warning = "manifests/rules/emptydir-memory-unbounded/fires.yaml";
    assert_eq!(run_check(&[warning]).code, Some(0));
    assert_eq!(run_check(&["--fail-on", "warning", warning]).code, Some(1));
    // Only a note.
    let note = "manifests/rules/memory-request-missing/fires.yaml";
    assert_eq!(run_check(&["--fail-on", "warning", note]).code, Some(0));
    assert_eq!(run_check(&["--fail-on", "note", note]).code, Some(1));
    let never =
        run_check(&["--fail-on", "never", "manifests/rules/memory-limit-missing/fires.yaml"]);
    assert_eq!(never.code, Some(0));
}

#[test]
fn input_errors_exit_two_after_reporting_everything_else() {
    let run = run_check(&[
        "--format",
        "json",
        "manifests/broken/invalid-then-valid.yaml",
        "manifests/broken/binary.yaml",
        "manifests/broken/latin1.yaml",
        "manifests/broken/billion-laughs.yaml",
        "manifests/does-not-exist.yaml",
        "manifests/rules/memory-limit-missing/fires.yaml",
    ]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let report = run.json();
    let errors = report["errors"].as_array().cloned().unwrap_or_default();
    let find = |needle: &str| {
        errors
            .iter()
            .find(|e| e["file"].as_str().is_some_and(|f| f.ends_with(needle)))
            .unwrap_or_else(|| panic!("no error for {needle}: {errors:?}"))
            .clone()
    };
    assert!(find("invalid-then-valid.yaml")["line"].as_u64().is_some_and(|l| (6..=8).contains(&l)));
    assert!(find("binary.yaml")["message"].as_str().is_some_and(|m| m.contains("binary")));
    assert_eq!(find("latin1.yaml")["line"], 4);
    assert!(find("latin1.yaml")["message"].as_str().is_some_and(|m| m.contains("UTF-8")));
    assert!(
        find("billion-laughs.yaml")["message"]
            .as_str()
            .is_some_and(|m| m.contains("billion laughs"))
    );
    assert!(
        find("does-not-exist.yaml")["message"].as_str().is_some_and(|m| m.contains("cannot read"))
    );
    // The valid document after the broken one, and the other files, are still linted.
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    assert!(findings.iter().any(|f| f["object"]["name"] == "after-the-broken-one"));
    assert!(findings.iter().any(|f| f["object"]["name"] == "api"));
}

#[test]
fn structural_errors_point_at_their_lines() {
    let run = run_check(&["--format", "json", "manifests/broken/structure.yaml"]);
    assert_eq!(run.code, Some(2));
    let report = run.json();
    let errors: Vec<(u64, String)> = report["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["line"].as_u64().unwrap_or(0),
                        e["message"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let lines: Vec<u64> = errors.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [11, 23, 33, 44], "{errors:?}");
    assert!(errors[0].1.contains("`resources` must be a mapping, found a list"));
    assert!(errors[1].1.contains("`resources.limits.memory` must be a quantity"));
    assert!(errors[2].1.contains("`containers` must be a list"));
    assert!(errors[3].1.contains("`resources.requests` must be a mapping"));
    // Malformed containers are not also reported as missing a limit.
    assert_eq!(report["findings"], serde_json::json!([]));
}

#[test]
fn stdin_is_read_with_dash() {
    let text = std::fs::read_to_string(testdata("manifests/helm/shop-rendered.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let run = oom_lint(&["check", "--format", "json", "-"], &testdata(""), Some(&text));
    assert_eq!(run.code, Some(1));
    let report = run.json();
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| f["file"] == "<stdin>"));
    assert!(findings.iter().any(|f| f["template"] == "shop/templates/web/deployment.yaml"));
}

#[test]
fn directories_are_walked_with_excludes_and_hidden_folders_skipped() {
    let dir = tempdir();
    let bad = std::fs::read_to_string(testdata("manifests/kinds/pod.yaml")).unwrap_or_default();
    for name in [
        "a/app.yaml",
        "a/b/app.yml",
        "a/c.json",
        ".hidden/app.yaml",
        "vendor/app.yaml",
        "a/notes.txt",
    ] {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap_or(&dir)).unwrap_or_else(|e| panic!("{e}"));
        let content = if name.ends_with(".json") {
            r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j"},"spec":{"containers":[{"name":"x"}]}}"#.to_owned()
        } else {
            bad.clone()
        };
        std::fs::write(&path, content).unwrap_or_else(|e| panic!("{e}"));
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink(&dir, dir.join("a/loop")).unwrap_or_else(|e| panic!("{e}"));
    // A chart's Go templates are not YAML; other YAML (a playbook) is not a Kubernetes object.
    std::fs::create_dir_all(dir.join("chart/templates")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("chart/Chart.yaml"), "apiVersion: v2\nname: chart\nversion: 1.0.0\n")
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.join("chart/templates/deploy.yaml"),
        "{{- if .Values.enabled }}\nkind: Deployment\n  {{ .Values.broken }}: [\n{{- end }}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("a/playbook.yml"), "- hosts: all\n  tasks: []\n")
        .unwrap_or_else(|e| panic!("{e}"));

    let run = oom_lint(&["check", "--format", "json", "--exclude", "vendor/**"], &dir, None);
    let report = run.json();
    let mut files: Vec<String> = report["findings"]
        .as_array()
        .map(|f| f.iter().filter_map(|f| f["file"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    files.sort();
    files.dedup();
    assert_eq!(files, ["a/app.yaml", "a/b/app.yml", "a/c.json"], "{}", run.stdout);
    // The symlink loop is not followed, and said: the only input error.
    let errors = report["errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["file"], "a/loop");
    assert!(errors[0]["message"].as_str().is_some_and(|m| m.contains("loop")));
    assert_eq!(report["summary"]["excluded"], 1);
    assert_eq!(
        report["summary"]["skipped_chart_templates"],
        serde_json::json!(["chart/templates"])
    );
    assert_eq!(run.code, Some(2));

    let human = oom_lint(&["check", "--exclude", "vendor/**"], &dir, None);
    assert!(
        human.stdout.contains("skipped Helm chart templates in chart/templates"),
        "{}",
        human.stdout
    );
}

#[test]
fn config_file_is_found_upwards_and_validated() {
    let dir = tempdir();
    std::fs::create_dir_all(dir.join("k8s")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(testdata("manifests/helm/shop-rendered.yaml"), dir.join("k8s/shop.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.join(".oom-lint.yaml"),
        "rules:\n  memory-request-missing: off\n  sidecar-memory-limit-missing: warning\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let run = oom_lint(&["check", "--format", "json", "shop.yaml"], &dir.join("k8s"), None);
    let report = run.json();
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    assert!(!findings.iter().any(|f| f["rule"] == "memory-request-missing"));
    assert!(
        findings
            .iter()
            .filter(|f| f["rule"] == "sidecar-memory-limit-missing")
            .all(|f| f["severity"] == "warning")
    );
    assert!(findings.iter().any(|f| f["rule"] == "sidecar-memory-limit-missing"));

    std::fs::write(dir.join(".oom-lint.yaml"), "rules:\n  memory-limit-missin: off\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let run = oom_lint(&["check", "shop.yaml"], &dir.join("k8s"), None);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains(".oom-lint.yaml:2:3"), "{}", run.stderr);
    assert!(run.stderr.contains("memory-limit-missin"), "{}", run.stderr);
}

#[test]
fn settings_change_runtime_thresholds_and_severity_overrides_apply_to_every_hit() {
    let dir = tempdir();
    std::fs::copy(
        testdata("manifests/rules/jvm-heap-headroom-low/passes.yaml"),
        dir.join("passes.yaml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(
        testdata("manifests/rules/go-memlimit-exceeds-limit/fires.yaml"),
        dir.join("go.yaml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.join(".oom-lint.yaml"),
        "settings:\n  heap-ratio: 0.6\n  go-memlimit-ratio: 0.99\nrules:\n  go-memlimit-exceeds-limit: note\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let report = oom_lint(&["check", "--format", "json", "--fail-on", "never"], &dir, None).json();
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    let containers = |rule: &str| -> Vec<String> {
        findings
            .iter()
            .filter(|f| f["rule"] == rule)
            .filter_map(|f| f["container"].as_str().map(str::to_owned))
            .collect()
    };
    // 768m of 1Gi (75 %) and 400M of 600Mi (66.7 %) are above 60 %.
    assert_eq!(containers("jvm-heap-headroom-low"), ["xmx", "percentage", "kafka"]);
    // 1000MiB is 97.7 %, under 99 %: only the 100 % and the invalid value remain, both as notes.
    assert_eq!(containers("go-memlimit-exceeds-limit"), ["at-limit", "invalid"]);
    assert!(
        findings
            .iter()
            .filter(|f| f["rule"] == "go-memlimit-exceeds-limit")
            .all(|f| f["severity"] == "note")
    );
    assert!(
        findings.iter().any(|f| f["message"].as_str().is_some_and(|m| m.contains("above 60%")))
    );
}

#[test]
fn a_flag_in_a_config_map_of_another_file_points_at_that_file() {
    let dir = tempdir();
    std::fs::write(
        dir.join("configmap.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: jvm}\ndata:\n  JAVA_OPTS: -Xmx1g\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.join("deployment.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          envFrom: [{configMapRef: {name: jvm}}]\n          resources: {requests: {memory: 1Gi}, limits: {memory: 1Gi}}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let report = oom_lint(&["check", "--format", "json", "."], &dir, None).json();
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], "jvm-heap-exceeds-limit");
    assert_eq!(finding["file"], "configmap.yaml");
    assert_eq!(finding["line"], 5);
    assert_eq!(finding["object"]["name"], "app");
}

#[test]
fn metrics_join_is_summarised() {
    let run = run_check(&[
        "--format",
        "json",
        "--metrics",
        "metrics/shop-usage.csv",
        "manifests/usage/shop.yaml",
    ]);
    assert_eq!(run.code, Some(1));
    let summary = &run.json()["summary"]["metrics"];
    assert_eq!(summary["matched_series"], 5);
    assert_eq!(summary["unmatched_series"], serde_json::json!(["shop/legacy-7f6d5c4b3-z9x8w/app"]));
    assert_eq!(
        summary["containers_without_metrics"],
        serde_json::json!(["Deployment/api-gateway (namespace shop) container envoy"])
    );
    let missing = run_check(&["--metrics", "metrics/nope.csv", "manifests/usage/shop.yaml"]);
    assert_eq!(missing.code, Some(2));
    assert!(missing.stdout.contains("metrics/nope.csv"));
}

#[test]
fn rules_command_lists_and_documents() {
    let list = oom_lint(&["rules"], &testdata(""), None);
    assert_eq!(list.code, Some(0));
    assert!(list.stdout.lines().any(|l| l.starts_with("memory-limit-missing")));
    let one = oom_lint(&["rules", "sidecar-memory-limit-missing"], &testdata(""), None);
    assert_eq!(one.code, Some(0));
    assert!(one.stdout.contains("Bad:") && one.stdout.contains("Good:"));
    let unknown = oom_lint(&["rules", "nope"], &testdata(""), None);
    assert_eq!(unknown.code, Some(2));
}

#[test]
fn real_world_corpus_matches_a_careful_reading() {
    // Kept in the repository (sources and licences in testdata/corpus/SOURCES.md): a missing
    // corpus is a failure, never a silent skip.
    let corpus = testdata("corpus");
    assert!(corpus.is_dir(), "{} is missing", corpus.display());
    let count = |file: &str, rule: &str, container_filter: &dyn Fn(&serde_json::Value) -> bool| {
        let path = corpus.join(file).to_string_lossy().into_owned();
        let run = oom_lint(&["check", "--format", "json", &path], &corpus, None);
        let report = run.json();
        assert_eq!(report["errors"], serde_json::json!([]), "{file}");
        report["findings"]
            .as_array()
            .map(|f| f.iter().filter(|f| f["rule"] == rule && container_filter(f)).count())
            .unwrap_or(0)
    };
    let any = |_: &serde_json::Value| true;
    // microservices-demo: only loadgenerator's init container frontend-check lacks a limit.
    assert_eq!(count("microservices-demo.yaml", "memory-limit-missing", &any), 1);
    assert_eq!(
        count("microservices-demo.yaml", "memory-limit-missing", &|f| f["container"]
            == "frontend-check"),
        1
    );
    // opentelemetry-demo: 6 init containers without limits; 28 containers with a limit and no request.
    assert_eq!(count("opentelemetry-demo.yaml", "memory-limit-missing", &any), 6);
    assert_eq!(
        count("opentelemetry-demo.yaml", "memory-request-missing", &|f| f["message"]
            .as_str()
            .is_some_and(|m| m.contains("copies the limit"))),
        28
    );
    // argo-cd: 7 containers and 3 init containers, none with a memory limit.
    assert_eq!(count("argo-cd-install.yaml", "memory-limit-missing", &any), 10);
    // kube-prometheus: grafana's memory-backed emptyDir; Prometheus/Alertmanager CRs are not pods.
    assert_eq!(count("kube-prometheus", "emptydir-memory-unbounded", &any), 1);
    assert_eq!(
        count("kube-prometheus/prometheus-prometheus.yaml", "memory-limit-missing", &any),
        0
    );
}

#[test]
fn threads_do_not_change_the_report() {
    // Every fixture at once: many files, broken ones among them, and findings across files.
    let all = |threads: &str| run_check(&["--format", "json", "--threads", threads, "manifests"]);
    let one = all("1");
    assert_eq!(one.code, Some(2), "{}", one.stderr);
    assert!(one.json()["findings"].as_array().is_some_and(|f| f.len() > 50));
    for threads in ["2", "3", "8"] {
        let many = all(threads);
        assert_eq!((many.code, &many.stdout), (one.code, &one.stdout), "--threads {threads}");
    }
    let zero = run_check(&["--threads", "0", "manifests"]);
    assert_eq!(zero.code, Some(2));
    assert!(zero.stderr.contains("--threads"), "{}", zero.stderr);
}

#[test]
fn a_reader_that_stops_early_gets_no_error() {
    use std::io::Read;
    use std::process::{Command, Stdio};

    let dir = tempdir();
    let workload =
        std::fs::read_to_string(testdata("manifests/rules/memory-limit-missing/fires.yaml"))
            .unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("large.yaml");
    std::fs::write(&path, format!("---\n{workload}").repeat(5000))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("oom-lint"))
        .args(["check", "--format", "json"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut first = [0u8; 100];
    child
        .stdout
        .take()
        .map(|mut out| out.read_exact(&mut first))
        .transpose()
        .unwrap_or_else(|e| panic!("{e}"));
    let output = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(String::from_utf8_lossy(&first).starts_with("{"));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "oom-lint-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

/// The text a JSON finding covers, sliced out of its file by line and character columns.
fn covered(finding: &serde_json::Value) -> String {
    let file = finding["file"].as_str().unwrap_or_default();
    let text = std::fs::read_to_string(testdata("").join(file)).unwrap_or_default();
    let number = |key: &str| finding[key].as_u64().unwrap_or(0) as usize;
    let lines: Vec<&str> = text.split('\n').collect();
    let line = lines.get(number("line").saturating_sub(1)).copied().unwrap_or_default();
    assert_eq!(number("line"), number("end_line"), "{finding}");
    line.chars()
        .skip(number("column").saturating_sub(1))
        .take(number("end_column").saturating_sub(number("column")))
        .collect()
}

#[test]
fn findings_inside_scalars_cover_exactly_the_flag_in_every_style() {
    let files = [
        "manifests/rules/jvm-heap-exceeds-limit/scalar-styles.yaml",
        "manifests/rules/jvm-heap-exceeds-limit/crlf-block.yaml",
        "manifests/rules/jvm-heap-exceeds-limit/line-continuations.yaml",
        "manifests/rules/memory-quantity-suspicious/non-ascii-utf16.yaml",
    ];
    let mut args = vec!["--format", "json", "--fail-on", "never"];
    args.extend(files);
    let report = run_check(&args).json();
    let heap: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .map(|f| f.iter().filter(|f| f["rule"] == "jvm-heap-exceeds-limit").collect())
        .unwrap_or_default();
    assert_eq!(heap.len(), 11, "{report}");
    for finding in heap {
        assert_eq!(covered(finding), "-Xmx2g", "{finding}");
    }
    // A whole quoted value is covered without its quotes.
    let quantities: Vec<String> = report["findings"]
        .as_array()
        .map(|f| {
            f.iter().filter(|f| f["rule"] == "memory-quantity-suspicious").map(covered).collect()
        })
        .unwrap_or_default();
    assert_eq!(quantities, ["1Gb"]);
}

#[test]
fn configuring_or_suppressing_a_rule_covers_the_rules_that_refine_it() {
    let dir = tempdir();
    std::fs::copy(testdata("manifests/helm/shop-rendered.yaml"), dir.join("shop.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let rules = |config: &str| -> Vec<(String, String)> {
        std::fs::write(dir.join(".oom-lint.yaml"), config).unwrap_or_else(|e| panic!("{e}"));
        let report =
            oom_lint(&["check", "--format", "json", "--fail-on", "never", "shop.yaml"], &dir, None)
                .json();
        report["findings"]
            .as_array()
            .map(|findings| {
                findings
                    .iter()
                    .filter(|f| f["rule"].as_str().is_some_and(|r| r.contains("limit-missing")))
                    .map(|f| {
                        (
                            f["rule"].as_str().unwrap_or("").into(),
                            f["severity"].as_str().unwrap_or("").into(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let default = rules("rules: {}\n");
    assert!(default.iter().any(|(rule, _)| rule == "sidecar-memory-limit-missing"), "{default:?}");
    assert_eq!(rules("rules:\n  memory-limit-missing: off\n"), []);
    let as_notes = rules("rules:\n  memory-limit-missing: note\n");
    assert!(!as_notes.is_empty() && as_notes.iter().all(|(_, severity)| severity == "note"));
    // The refinement's own setting wins over its family's.
    let own =
        rules("rules:\n  memory-limit-missing: off\n  sidecar-memory-limit-missing: warning\n");
    assert!(!own.is_empty());
    assert!(own.iter().all(|(rule, severity)| rule == "sidecar-memory-limit-missing" && severity == "warning"));
}

fn findings_of(report: &serde_json::Value) -> Vec<(String, u64, String)> {
    report["findings"]
        .as_array()
        .map(|findings| {
            findings
                .iter()
                .map(|f| {
                    let file = f["file"].as_str().unwrap_or_default();
                    let file = file.rsplit('/').next().unwrap_or_default().to_owned();
                    let rule = f["rule"].as_str().unwrap_or_default().to_owned();
                    (file, f["line"].as_u64().unwrap_or_default(), rule)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_limit_range_in_another_file_is_admitted_with_its_provenance() {
    let run = run_check(&[
        "--format",
        "json",
        "--fail-on",
        "never",
        "manifests/admission/workload.yaml",
        "manifests/admission/limitrange.yaml",
    ]);
    let report = run.json();
    assert_eq!(report["errors"], serde_json::json!([]));
    let found = findings_of(&report);
    let expected = [
        // The heap is compared with the admitted limit: the LimitRange default 512Mi.
        ("workload.yaml", 18, "jvm-heap-exceeds-limit"),
        ("workload.yaml", 21, "memory-limit-below-request"),
        ("workload.yaml", 26, "memory-outside-limitrange"),
    ];
    let expected: Vec<_> =
        expected.iter().map(|(f, l, r)| ((*f).to_owned(), *l, (*r).to_owned())).collect();
    assert_eq!(found, expected, "{}", run.stdout);
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(
        messages[1].contains("the LimitRange `mem-defaults` default limit 512Mi"),
        "{messages:?}"
    );
    assert!(messages[2].contains("the LimitRange `mem-defaults` maximum 1Gi"), "{messages:?}");
}

#[test]
fn a_workload_without_containers_is_an_input_error_at_its_line() {
    let run = run_check(&["--format", "json", "manifests/broken/missing-containers.yaml"]);
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    let report = run.json();
    let errors: Vec<(u64, String)> = report["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["line"].as_u64().unwrap_or_default(),
                e["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    // The typo `container:` is named and pointed at; the kustomize patch is not an error.
    assert_eq!(errors[0].0, 14);
    assert!(
        errors[0].1.contains("Deployment `typo`")
            && errors[0].1.contains("did you mean `containers`")
    );
    assert_eq!(errors[1].0, 25);
    assert!(errors[1].1.contains("Job `empty`"));
}

/// A quantity typo in a LimitRange is a `memory-quantity-suspicious` finding at its exact text,
/// as in a container (not an input error); a LimitRange the API server rejects for its default
/// request above its default limit stays an input error. Neither applies to the pod.
#[test]
fn invalid_limit_range_values_are_findings_or_errors_and_ignored() {
    let run = run_check(&["--format", "json", "manifests/broken/limitrange-invalid.yaml"]);
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    let report = run.json();
    let lines: Vec<u64> = report["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["line"].as_u64())
        .collect();
    assert_eq!(lines, [22], "{}", run.stdout);
    let typo = report["findings"]
        .as_array()
        .and_then(|all| all.iter().find(|f| f["rule"] == "memory-quantity-suspicious"))
        .cloned()
        .unwrap_or_default();
    let span = ["line", "column", "end_line", "end_column"].map(|k| typo[k].as_u64());
    assert_eq!(span, [Some(11), Some(25), Some(11), Some(30)], "`512MB` exactly: {typo}");
    assert_eq!(typo["severity"], "error");
    assert_eq!(typo["object"]["kind"], "LimitRange");
    assert_eq!(
        typo["help"],
        "write `512Mi`: memory units are Ki, Mi, Gi (powers of 1024) or k, M, G"
    );
    // Neither LimitRange applies: the container has no limit.
    let rules: Vec<String> = findings_of(&report).into_iter().map(|(_, _, r)| r).collect();
    assert!(rules.iter().any(|r| r == "memory-limit-missing"), "{rules:?}");
}

/// A `.json` file cut short is invalid JSON at its last line, for `check` and `diagnose` alike;
/// a YAML file keeps the YAML wording.
#[test]
fn a_json_file_cut_short_is_invalid_json() {
    let dir = std::env::temp_dir().join(format!("oom-lint-cut-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let text = "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[\n{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\"},\n \"spec\":{\"containers\":[{\"name\":\"web\"}]";
    std::fs::write(dir.join("cut.json"), text).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("cut.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n")
        .unwrap_or_else(|e| panic!("{e}"));
    for command in ["check", "diagnose"] {
        let run = oom_lint(&[command, "cut.json", "cut.yaml", "--format", "json"], &dir, None);
        assert_eq!(run.code, Some(2), "{command}: {}", run.stderr);
        let report = run.json();
        let errors = report["errors"].as_array().cloned().unwrap_or_default();
        let of = |file: &str| errors.iter().find(|e| e["file"] == file).cloned();
        let json = of("cut.json").unwrap_or_else(|| panic!("{command}: {}", run.stdout));
        let message = json["message"].as_str().unwrap_or("");
        assert!(
            message.starts_with("invalid JSON: ") && message.ends_with("(cut short?)"),
            "{message}"
        );
        assert_eq!(json["line"], 3, "{command}: the last line");
        let yaml = of("cut.yaml").unwrap_or_else(|| panic!("{command}: {}", run.stdout));
        assert!(yaml["message"].as_str().is_some_and(|m| m.starts_with("invalid YAML")), "{yaml}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn flags_built_by_expansion_cover_the_word_that_builds_them() {
    let file = "manifests/rules/jvm-heap-exceeds-limit/expanded-variables.yaml";
    let report = run_check(&["--format", "json", "--fail-on", "never", file]).json();
    let covered: Vec<String> = report["findings"]
        .as_array()
        .map(|f| f.iter().filter(|f| f["rule"] == "jvm-heap-exceeds-limit").map(covered).collect())
        .unwrap_or_default();
    assert_eq!(covered, ["-Xmx$(HEAP)"; 3], "{report}");
}

#[test]
fn an_empty_quoted_quantity_is_covered_by_its_quotes() {
    let file = "manifests/rules/memory-quantity-suspicious/empty-quantities.yaml";
    let report = run_check(&["--format", "json", "--fail-on", "never", file]).json();
    let covered: Vec<String> =
        report["findings"].as_array().map(|f| f.iter().map(covered).collect()).unwrap_or_default();
    assert_eq!(covered, ["\"\"", "''"], "{report}");
}

/// A manifest saved by PowerShell (`helm template … > out.yaml` writes UTF-16LE with a
/// byte-order mark) or in UTF-16BE reads like its UTF-8 original: the same findings at the
/// same lines and columns, non-ASCII text included.
#[test]
fn utf16_manifests_are_decoded() {
    let dir = std::env::temp_dir().join(format!("oom-lint-utf16-check-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let findings = |report: &serde_json::Value| -> Vec<(String, u64, u64)> {
        report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap_or("").to_owned(),
                    f["line"].as_u64().unwrap_or(0),
                    f["column"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    };
    for fixture in [
        "manifests/rules/memory-quantity-suspicious/non-ascii-before.yaml",
        "manifests/rules/memory-limit-missing/fires.yaml",
    ] {
        let text = std::fs::read_to_string(testdata(fixture)).unwrap_or_else(|e| panic!("{e}"));
        let utf8 = run_check(&["--format", "json", fixture]);
        let expected = findings(&utf8.json());
        assert!(!expected.is_empty(), "{fixture}");
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.replace('\n', "\r\n").encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        for (name, bytes) in [("le.yaml", le), ("be.yaml", be)] {
            std::fs::write(dir.join(name), bytes).unwrap_or_else(|e| panic!("{e}"));
            let run = oom_lint(&["check", "--format", "json", name], &dir, None);
            assert_eq!(run.code, utf8.code, "{fixture} {name}: {}{}", run.stdout, run.stderr);
            let report = run.json();
            assert_eq!(report["errors"], serde_json::json!([]), "{fixture} {name}");
            assert_eq!(findings(&report), expected, "{fixture} {name}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A LimitRange typo (`max: {memory: 2Gb}`) no longer stops the run with exit 2: it is a
/// finding at `2Gb` (exit 1), and the workloads of the same file are still linted.
#[test]
fn a_limit_range_typo_is_a_finding_and_the_rest_is_linted() {
    let run = run_check(&[
        "--format",
        "json",
        "manifests/rules/memory-quantity-suspicious/limitrange-typos.yaml",
    ]);
    assert_eq!(run.code, Some(1), "findings, no input error: {}", run.stdout);
    let report = run.json();
    assert_eq!(report["errors"], serde_json::json!([]));
    let spans: Vec<(String, [Option<u64>; 4])> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_owned(),
                ["line", "column", "end_line", "end_column"].map(|k| f[k].as_u64()),
            )
        })
        .collect();
    let typo = |line, column, end| {
        ("memory-quantity-suspicious".to_owned(), [Some(line), Some(column), Some(line), Some(end)])
    };
    assert_eq!(
        spans[..5],
        [
            typo(12, 21, 24), // max: {memory: 2Gb}
            typo(13, 25, 30), // default: {memory: 512MB}
            typo(17, 18, 22), // "4GiB", inside its quotes
            typo(28, 18, 23), // '-64Mi'
            typo(30, 17, 21), // 128m: a valid quantity, 0.128 bytes
        ]
    );
    let rules: Vec<&str> = spans.iter().map(|(r, _)| r.as_str()).collect();
    assert!(rules.contains(&"memory-limit-missing"), "the pod is still linted: {rules:?}");
}

/// A .NET percent written in decimal and read as hexadecimal out of range: the help writes the
/// container's own percent in hexadecimal, not another container's example.
#[test]
fn dotnet_percent_help_uses_the_containers_own_value() {
    let run = run_check(&[
        "--format",
        "json",
        "manifests/rules/dotnet-heap-exceeds-limit/runtime-reading.yaml",
    ]);
    let report = run.json();
    let finding = |container: &str| {
        report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["container"] == container && f["rule"] == "dotnet-heap-exceeds-limit")
            .cloned()
            .unwrap_or_default()
    };
    let sixty_four = finding("pct-64-hex-100");
    assert!(
        sixty_four["message"].as_str().unwrap_or("").contains("; for 64%, write 0x40"),
        "{sixty_four}"
    );
    assert_eq!(sixty_four["help"], "write the percent in hexadecimal: 0x40 is 64%");
    let seventy_five = finding("pct-75-hex-117");
    assert_eq!(seventy_five["help"], "write the percent in hexadecimal: 0x4B is 75%");
}
