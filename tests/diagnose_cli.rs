//! The `oom-lint diagnose` contract on the incidents of `testdata/incidents/`: one folder per
//! case, with the cause and the fix values it must give, through the real binary.

mod common;

use common::{oom_lint, testdata};
use serde_json::{Value, json};

fn run(args: &[&str]) -> common::Run {
    let mut full = vec!["diagnose"];
    full.extend_from_slice(args);
    oom_lint(&full, &testdata(""), None)
}

/// The JSON report of a case folder, and its incident for `container`.
fn incident(case: &str, container: &str) -> (Value, Value) {
    let run = run(&[&format!("incidents/{case}"), "--format", "json"]);
    let report = run.json();
    assert_eq!(report["version"], 1);
    assert_eq!(report["errors"], Value::Array(vec![]), "{case}: {}", run.stdout);
    assert_eq!(run.code, Some(1), "{case}: incidents found: {}", run.stderr);
    let found = report["incidents"]
        .as_array()
        .and_then(|all| all.iter().find(|i| i["container"] == container).cloned())
        .unwrap_or_else(|| panic!("{case}: no incident for {container}:\n{}", run.stdout));
    (report, found)
}

fn steps(incident: &Value) -> String {
    incident["fix"]["steps"]
        .as_array()
        .map(|s| s.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n"))
        .unwrap_or_default()
}

fn evidence(incident: &Value) -> String {
    incident["evidence"]
        .as_array()
        .map(|s| {
            s.iter()
                .map(|e| {
                    format!(
                        "{} @ {}:{}",
                        e["text"].as_str().unwrap_or(""),
                        e["file"].as_str().unwrap_or(""),
                        e["line"]
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

#[test]
fn seed_leak_after_a_deploy_names_the_deploy_and_a_relief_limit() {
    let (_, api) = incident("memory-leak-after-deploy", "api");
    assert_eq!(api["cause"], "memory-leak");
    assert_eq!(api["confidence"], "high");
    assert_eq!(api["workload"]["kind"], "Deployment");
    assert_eq!(api["workload"]["name"], "api");
    assert_eq!(api["role"], "app");
    assert_eq!(api["kills"][0]["reason"], "OOMKilled");
    assert_eq!(api["kills"][0]["exit_code"], 137);
    let slope = api["analysis"]["slope_bytes_per_hour"].as_f64().unwrap_or(0.0) / 1e6;
    assert!((7.0..9.5).contains(&slope), "≈ 8 MB/h: {slope}");
    let summary = api["fix"]["summary"].as_str().unwrap_or("");
    assert!(summary.contains("ReplicaSet api-7d9f8c6b5 (revision 7"), "{summary}");
    assert_eq!(api["fix"]["limit"], "896Mi", "the relief limit");
    assert!(api["fix"]["resources"].as_str().is_some_and(|r| r.contains("memory: 896Mi")));
    assert!(steps(&api).contains("kubectl rollout undo deployment/api -n shop --to-revision=6"));
    assert!(evidence(&api).contains("replicasets.json"), "{}", evidence(&api));
}

#[test]
fn a_long_uptime_without_a_series_is_never_a_leak() {
    let (_, cart) = incident("memory-leak-no-metrics", "cart");
    assert_eq!(cart["cause"], "unknown");
    assert_eq!(cart["confidence"], "low");
    let steps = steps(&cart);
    assert!(steps.contains("container_memory_working_set_bytes{namespace=\"shop\",pod=~\"cart-.*\",container=\"cart\"}"), "{steps}");
    assert!(steps.contains("start=2026-04-22T04:37:12Z"), "{steps}");
    assert!(steps.contains("kubectl get replicasets -n shop -o json"), "{steps}");
}

#[test]
fn traffic_spike_sizes_for_the_peak() {
    let (_, checkout) = incident("traffic-spike", "checkout");
    assert_eq!(checkout["cause"], "traffic-spike");
    assert_eq!(checkout["confidence"], "high");
    assert_eq!(checkout["fix"]["limit"], "1280Mi");
    assert_eq!(checkout["fix"]["request"], "448Mi");
    assert!(evidence(&checkout).contains("describe.txt:25"), "{}", evidence(&checkout));
}

#[test]
fn limit_too_low_from_ordinary_peaks() {
    let (_, indexer) = incident("limit-too-low", "indexer");
    assert_eq!(indexer["cause"], "limit-too-low");
    assert_eq!(indexer["confidence"], "high");
    assert_eq!(indexer["fix"]["request"], "640Mi");
    assert_eq!(indexer["fix"]["limit"], "960Mi");
    assert_eq!(indexer["analysis"]["classification"], "steady");
}

/// The reference case: killed 15 s after start at 384Mi, 6 restarts, no series.
#[test]
fn oomkilled_at_startup_is_limit_too_low_never_a_leak() {
    let (report, operator) = incident("limit-too-low-at-startup", "stream-operator");
    assert_eq!(report["incidents"].as_array().map(Vec::len), Some(1));
    assert_eq!(operator["cause"], "limit-too-low");
    assert_eq!(operator["namespace"], "streams");
    assert_eq!(operator["restart_count"], 6);
    assert_eq!(operator["limit"], "384Mi");
    assert_eq!(operator["kills"][0]["time"], "2026-11-30T01:49:02Z");
    assert_eq!(operator["kills"][0]["started"], "2026-11-30T01:48:47Z");
    assert_eq!(operator["fix"]["limit"], "768Mi");
    assert!(steps(&operator).contains("query_range"));
    let others: Vec<&str> = operator["other_causes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["cause"].as_str())
        .collect();
    assert!(!others.contains(&"memory-leak"), "{others:?}");
}

/// The reference case: exit code 137 with reason Error after failed liveness probes.
#[test]
fn liveness_kill_with_exit_137_is_not_oom() {
    let (_, inventory) = incident("not-oom-liveness", "inventory");
    assert_eq!(inventory["cause"], "not-oom");
    assert_eq!(inventory["confidence"], "high");
    assert_eq!(inventory["kills"][0]["reason"], "Error");
    assert_eq!(inventory["kills"][0]["exit_code"], 137);
    assert!(
        inventory["fix"]["summary"]
            .as_str()
            .is_some_and(|s| s.starts_with("Memory is not the problem"))
    );
    assert!(inventory["fix"]["resources"].is_null());
    assert!(evidence(&inventory).contains("Liveness probe failed"), "{}", evidence(&inventory));
}

#[test]
fn not_oom_from_json_events_of_both_api_versions() {
    let (_, token) = incident("not-oom-liveness-json", "token-svc");
    assert_eq!(token["cause"], "not-oom");
    assert_eq!(token["confidence"], "high");
    let evidence = evidence(&token);
    assert!(evidence.contains("failed liveness probe"), "events.k8s.io/v1 `note`: {evidence}");
    assert!(evidence.contains("Liveness probe failed"), "v1 `message`: {evidence}");
    assert!(evidence.contains("of the 512Mi limit (38 %)"), "{evidence}");
}

#[test]
fn jvm_heap_at_the_limit() {
    let (_, billing) = incident("jvm-native-memory", "billing");
    assert_eq!(billing["cause"], "jvm-native-memory");
    assert_eq!(billing["confidence"], "high");
    assert_eq!(billing["fix"]["flags"][0], "-Xmx768m");
    assert!(billing["fix"]["summary"].as_str().is_some_and(|s| s.contains("1366Mi")));
}

#[test]
fn jvm_native_memory_from_heap_series() {
    let (_, ledger) = incident("jvm-native-memory-heap-series", "ledger");
    assert_eq!(ledger["cause"], "jvm-native-memory");
    assert_eq!(ledger["confidence"], "high");
    assert_eq!(ledger["fix"]["flags"][0], "-Xmx1536m");
    assert!(evidence(&ledger).contains("the rest is native memory"), "{}", evidence(&ledger));
    assert_eq!(ledger["other_causes"][0]["cause"], "limit-too-low");
}

#[test]
fn a_killed_sidecar_gets_its_own_limit() {
    let (_, proxy) = incident("sidecar-memory", "istio-proxy");
    assert_eq!(proxy["cause"], "sidecar-memory");
    assert_eq!(proxy["role"], "sidecar");
    assert_eq!(proxy["fix"]["limit"], "512Mi");
    assert!(proxy["fix"]["summary"].as_str().is_some_and(|s| s.contains("`istio-proxy`")));
}

#[test]
fn a_sidecar_growing_under_a_pod_level_limit() {
    let (_, app) = incident("sidecar-memory-pod-level-limit", "thumbnailer");
    assert_eq!(app["cause"], "sidecar-memory");
    assert_eq!(app["role"], "app");
    assert!(app["fix"]["summary"].as_str().is_some_and(|s| s.contains("`log-shipper`")));
    assert_eq!(app["fix"]["limit"], "640Mi");
}

#[test]
fn an_evicted_best_effort_pod_is_node_pressure() {
    let (_, builder) = incident("node-memory-pressure-evicted", "report-builder");
    assert_eq!(builder["cause"], "node-memory-pressure");
    assert_eq!(builder["confidence"], "high");
    assert_eq!(builder["fix"]["request"], "3Gi");
    assert_eq!(builder["fix"]["limit"], "3840Mi");
    assert!(evidence(&builder).contains("QoS class BestEffort"));
}

/// QoS evidence points at what decides the class: a Pod object's container `resources` (the
/// `"resources": {}` of a BestEffort container), a describe text's `QoS Class:` line; never
/// the first line of the file.
#[test]
fn qos_evidence_cites_the_resources_or_the_qos_class_line() {
    let qos_line = |incident: &Value| {
        incident["evidence"]
            .as_array()
            .and_then(|all| {
                all.iter().find(|e| e["text"].as_str().unwrap_or("").starts_with("QoS"))
            })
            .map(|e| (e["text"].as_str().unwrap_or("").to_owned(), e["line"].as_u64()))
    };
    let (_, json_pod) = incident("node-memory-pressure-evicted", "report-builder");
    assert_eq!(qos_line(&json_pod), Some(("QoS class BestEffort".into(), Some(32))));
    let (_, burstable) = incident("node-memory-pressure-system-oom", "tiles");
    assert_eq!(qos_line(&burstable), Some(("QoS class Burstable".into(), Some(35))));
    let (_, described) = incident("node-memory-pressure-evicted-describe", "report-builder");
    assert_eq!(qos_line(&described), Some(("QoS class BestEffort".into(), Some(49))));
    assert_eq!(described["cause"], "node-memory-pressure");
    // `Started: Mon, 01 Jan 0001` is kubectl's "unknown", not a time 2025 years ago.
    assert_eq!(described["kills"][0]["time"], Value::Null, "{described}");
}

/// Describe text pasted with an indent (4 spaces from a ticket; a tab from a Markdown list,
/// with a note under it) is still describe text, never a CSV, and its lines are the file's.
#[test]
fn indented_describe_text_is_read_as_describe() {
    let run = run(&["incidents/describe-pasted-indented", "--format", "json"]);
    let report = run.json();
    assert_eq!(report["errors"], json!([]), "{}", run.stdout);
    assert_eq!(run.code, Some(1));
    let causes: Vec<(&str, &str)> = report["incidents"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| (i["container"].as_str().unwrap_or(""), i["cause"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(causes, [("stream-operator", "limit-too-low"), ("inventory", "not-oom")]);
    let operator = &report["incidents"][0];
    assert!(
        evidence(operator).contains("6 restarts, now CrashLoopBackOff @ incidents/describe-pasted-indented/describe-ticket-4-spaces.txt:33"),
        "{}",
        evidence(operator)
    );
    let inventory = &report["incidents"][1];
    assert!(
        evidence(inventory).contains("describe-markdown-tab.txt:93"),
        "the Killing event, two blank lines down: {}",
        evidence(inventory)
    );
}

/// PowerShell's `>` writes UTF-16LE with a byte-order mark (and CRLF): read like UTF-8, with
/// the same lines; a UTF-16BE Pod JSON too.
#[test]
fn utf16_inputs_are_decoded() {
    let run = run(&["incidents/describe-utf16", "--format", "json"]);
    let report = run.json();
    assert_eq!(report["errors"], json!([]), "{}", run.stdout);
    let (_, utf8) = incident("limit-too-low-at-startup", "stream-operator");
    let found = |container: &str| {
        report["incidents"]
            .as_array()
            .and_then(|all| all.iter().find(|i| i["container"] == container).cloned())
            .unwrap_or_default()
    };
    let utf16 = found("stream-operator");
    assert_eq!(utf16["cause"], utf8["cause"]);
    assert_eq!(utf16["fix"], utf8["fix"]);
    let lines = |i: &Value| -> Vec<Value> {
        i["evidence"].as_array().into_iter().flatten().map(|e| e["line"].clone()).collect()
    };
    assert_eq!(lines(&utf16), lines(&utf8));
    assert_eq!(found("report-builder")["cause"], "node-memory-pressure");
}

#[test]
fn a_system_oom_on_the_node_is_node_pressure() {
    let (_, tiles) = incident("node-memory-pressure-system-oom", "tiles");
    assert_eq!(tiles["cause"], "node-memory-pressure");
    assert_eq!(tiles["confidence"], "high");
    assert!(evidence(&tiles).contains("SystemOOM"), "{}", evidence(&tiles));
}

#[test]
fn hostile_inputs_are_errors_with_lines_and_the_rest_is_diagnosed() {
    let run = run(&["incidents/hostile", "--format", "json"]);
    assert_eq!(run.code, Some(2), "input errors: {}", run.stderr);
    assert!(run.stderr.is_empty(), "no panic: {}", run.stderr);
    let report = run.json();
    let errors: Vec<(String, u64)> = report["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| (e["file"].as_str().unwrap_or("").to_owned(), e["line"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(
        errors,
        vec![
            ("incidents/hostile/describe-unknown-kubectl.txt".to_owned(), 27),
            ("incidents/hostile/events-without-involved-object.json".to_owned(), 4),
            // The last line, where the text stops.
            ("incidents/hostile/truncated-podlist.json".to_owned(), 198),
        ]
    );
    let cut = report["errors"][2]["message"].as_str().unwrap_or("");
    assert!(cut.contains("(cut short?)"), "{cut}");
    assert!(cut.contains("the 1 complete item before the cut was read"), "{cut}");
    let incidents = report["incidents"].as_array().cloned().unwrap_or_default();
    assert_eq!(incidents.len(), 2, "{}", run.stdout);
    assert_eq!(incidents[0]["cause"], "limit-too-low");
    assert_eq!(incidents[0]["pod"], "stream-operator-6f7b9c8d54-k2vqz");
    // The pod complete before the cut is diagnosed, its evidence at the file's own lines.
    let salvaged = &incidents[1];
    assert_eq!(salvaged["pod"], "recommender-79b6c5d8f4-m8t3v");
    assert_eq!(salvaged["cause"], "node-memory-pressure");
    assert_eq!(salvaged["kills"][0]["reason"], "OOMKilled");
    assert!(
        evidence(salvaged).contains("incidents/hostile/truncated-podlist.json:114"),
        "{}",
        evidence(salvaged)
    );
    // The pod cut in the middle is not guessed at.
    assert!(!run.stdout.contains("cart-6c9d7f5b8-h4k2m"), "{}", run.stdout);
}

#[test]
fn human_report_of_the_seed_case() {
    let run = run(&["incidents/memory-leak-after-deploy"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stdout.starts_with("shop/api-7d9f8c6b5-x2k4p/api  MEMORY-LEAK (high confidence)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.ends_with("1 incident: 1 memory-leak\n"), "{}", run.stdout);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn human_report_of_every_case_orders_incidents_to_act_on() {
    let run = run(&[
        "incidents/limit-too-low-at-startup",
        "incidents/not-oom-liveness",
        "incidents/memory-leak-no-metrics",
        "incidents/traffic-spike",
    ]);
    assert_eq!(run.code, Some(1));
    let titles: Vec<&str> =
        run.stdout.lines().filter(|l| !l.starts_with(' ') && l.contains("  ")).collect();
    assert_eq!(titles.len(), 4, "{}", run.stdout);
    assert!(titles[0].contains("TRAFFIC-SPIKE (high"), "{titles:?}");
    assert!(titles[2].contains("UNKNOWN"), "{titles:?}");
    assert!(titles[3].contains("NOT-OOM"), "{titles:?}");
    assert!(
        run.stdout
            .ends_with("4 incidents: 1 traffic-spike, 1 limit-too-low, 1 not-oom, 1 unknown\n"),
        "{}",
        run.stdout
    );
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn markdown_for_a_ticket() {
    let run = run(&["incidents/jvm-native-memory", "--format", "markdown"]);
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.starts_with("# OOM diagnosis\n\n1 incident: 1 jvm-native-memory\n"));
    assert!(run.stdout.contains(
        "## `finance/billing-7c5f9d8b6-zr4tw/billing`: jvm-native-memory (high confidence)"
    ));
    assert!(run.stdout.contains("Flags: `-Xmx768m` or `-XX:MaxRAMPercentage=75.0`"));
}

#[test]
fn no_incident_exits_zero() {
    let run = run(&["incidents/memory-leak-after-deploy/replicasets.json"]);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(run.stdout.ends_with("0 incidents\n"), "{}", run.stdout);
}

#[test]
fn drops_near_the_limit_beyond_the_restart_count_are_not_kills_and_never_a_leak() {
    // A 6-hour GC sawtooth peaking at 94 % of the limit: read alone, its 11 drops look like OOM
    // kills of a growing container; the pod restarted once, so they are not.
    let (_, x) = incident("gc-sawtooth-one-restart", "x");
    assert_eq!(x["cause"], "limit-too-low", "{x}");
    assert!(!x["other_causes"].to_string().contains("memory-leak"), "{}", x["other_causes"]);
    assert_eq!(x["fix"]["limit"], "384Mi", "{x}");
    assert!(evidence(&x).contains("11 drops near the limit, but the pod restarted only 1"));
    // A StatefulSet keeps no ReplicaSet history: nothing asks for one.
    assert!(!steps(&x).contains("replicasets"), "{}", steps(&x));
}

/// The same JVM seen through `kubectl describe pod` text: its `Environment:` block gives the heap
/// the JSON's `env` would, and every piece of evidence points at the line of its fact.
#[test]
fn jvm_heap_from_a_describe_environment_block() {
    let (_, kafka) = incident("jvm-native-memory-describe", "kafka");
    assert_eq!(kafka["cause"], "jvm-native-memory");
    assert_eq!(kafka["confidence"], "high");
    let evidence = evidence(&kafka);
    let file = "incidents/jvm-native-memory-describe/describe.txt";
    for line in [
        format!("1 restart @ {file}:44"),
        format!("JVM max heap 1.9 GiB (-Xmx1900m) is 93 % of the limit @ {file}:51"),
        format!("memory limit 2Gi @ {file}:46"),
    ] {
        assert!(evidence.contains(&line), "{line} in:\n{evidence}");
    }
}

/// Heap settings from a describe text: multi-line values, `sh -c` scripts and plain arguments
/// are read; values the text does not hold (Secrets, ConfigMap keys, `envFrom`) are never
/// guessed.
#[test]
fn describe_heap_settings_read_or_left_unknown() {
    let file = "incidents/describe-env-variations/describe-pods.txt";
    let run = run(&["incidents/describe-env-variations", "--format", "json"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["errors"], Value::Array(vec![]), "{}", run.stdout);
    let incidents = report["incidents"].as_array().cloned().unwrap_or_default();
    let of = |pod: &str| {
        incidents
            .iter()
            .find(|i| i["pod"].as_str().is_some_and(|p| p.starts_with(pod)))
            .cloned()
            .unwrap_or_else(|| panic!("no incident of {pod}: {}", run.stdout))
    };
    for (pod, cause, confidence, heap_line) in [
        ("ledger-multiline-", "jvm-native-memory", "high", Some(152)),
        ("ledger-script-", "jvm-native-memory", "high", Some(182)),
        ("ledger-args-", "jvm-native-memory", "medium", Some(224)),
        ("ledger-secret-", "unknown", "low", None),
        ("ledger-configmapkey-", "unknown", "low", None),
        ("ledger-envfrom-", "unknown", "low", None),
    ] {
        let incident = of(pod);
        assert_eq!(incident["cause"], cause, "{pod}: {}", evidence(&incident));
        assert_eq!(incident["confidence"], confidence, "{pod}");
        if let Some(line) = heap_line {
            assert!(
                evidence(&incident).contains(&format!("of the limit @ {file}:{line}")),
                "{pod}: {}",
                evidence(&incident)
            );
        }
    }
}

/// Restart counts point at `Restart Count:` (describe) and `restartCount` (JSON), not at the
/// container's name.
#[test]
fn restart_evidence_points_at_the_restart_count() {
    let (_, inventory) = incident("not-oom-liveness", "inventory");
    let file = "incidents/not-oom-liveness/describe-liveness-kill-exit137.txt";
    assert!(
        evidence(&inventory).contains(&format!("9 restarts, now CrashLoopBackOff @ {file}:33"))
    );
    let (_, operator) = incident("limit-too-low-at-startup", "stream-operator");
    let file = "incidents/limit-too-low-at-startup/describe-oomkilled-at-startup.txt";
    assert!(evidence(&operator).contains(&format!("6 restarts, now CrashLoopBackOff @ {file}:33")));
    let (_, billing) = incident("jvm-native-memory", "billing");
    let pods = std::fs::read_to_string(testdata("incidents/jvm-native-memory/pods.yaml"))
        .unwrap_or_default();
    let line =
        pods.lines().position(|l| l.trim_start().starts_with("restartCount:")).map(|i| i + 1);
    let cited = evidence(&billing);
    let cited = cited.lines().find(|l| l.contains(" restart")).unwrap_or("");
    assert!(
        line.is_some_and(|l| cited.ends_with(&format!("pods.yaml:{l}"))),
        "{cited} vs restartCount at {line:?}"
    );
}

/// A text that starts as describe output but is none (cut short, or never printed by kubectl)
/// is a describe text missing its `Containers:` section, at its line: never a metric dump.
#[test]
fn a_describe_text_cut_short_says_what_was_expected() {
    let run = run(&["incidents/describe-cut-short", "--format", "json"]);
    assert_eq!(run.code, Some(2), "input errors: {}", run.stderr);
    let report = run.json();
    let errors = report["errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 2, "{}", run.stdout);
    for (error, file) in errors.iter().zip(["describe-header-only.txt", "describe-junk.txt"]) {
        assert_eq!(error["file"], format!("incidents/describe-cut-short/{file}"));
        assert_eq!(error["line"], 1);
        let message = error["message"].as_str().unwrap_or("");
        assert!(message.contains("`kubectl describe pod`"), "{message}");
        assert!(message.contains("no `Containers:` section"), "{message}");
        assert!(!message.contains("CSV"), "{message}");
    }
}

/// A series that stops hours before the kill decides nothing, and the report says so.
#[test]
fn a_series_that_ends_before_the_kill_is_unknown() {
    let (_, transcoder) = incident("unknown-series-ends-before-kill", "transcoder");
    assert_eq!(transcoder["cause"], "unknown");
    assert_eq!(transcoder["analysis"]["classification"], "steady");
    let summary = transcoder["fix"]["summary"].as_str().unwrap_or("");
    assert!(
        summary.contains("its memory series up to the kill (the one given ends 3.0 h before it)"),
        "{summary}"
    );
    assert!(steps(&transcoder).contains("query_range"));
}

/// A JVM that leaks since a deploy and whose `-Xmx` is also above 75 % of the limit: the leak
/// is the cause to act on, the heap is listed too, and the fix carries both the relief limit
/// and the heap flag (which fits the current limit and the relief one).
#[test]
fn a_leaking_jvm_that_is_also_mis_sized() {
    let (_, api) = incident("memory-leak-jvm-mis-sized", "orders-api");
    assert_eq!(api["cause"], "memory-leak");
    assert_eq!(api["confidence"], "high");
    assert_eq!(api["runtime"], "jvm");
    assert_eq!(api["other_causes"][0]["cause"], "jvm-native-memory");
    assert_eq!(api["fix"]["limit"], "832Mi", "the relief limit");
    assert_eq!(api["fix"]["flags"][0], "-Xmx384m", "75 % of the current 512Mi limit");
    let summary = api["fix"]["summary"].as_str().unwrap_or("");
    assert!(summary.contains("after the deploy of ReplicaSet orders-api-7f8e9d6c4 (revision 12"));
    let steps = steps(&api);
    assert!(
        steps.contains("kubectl rollout undo deployment/orders-api -n payments --to-revision=11")
    );
    assert!(steps.contains("set `-Xmx384m`, which fits the relief limit too"), "{steps}");
    assert!(evidence(&api).contains("no growth before that deploy"), "{}", evidence(&api));
}

/// Node.js, Go and .NET heap settings at the limit are the same mis-sizing as a JVM's, with the
/// runtime's own flag as the fix.
#[test]
fn node_go_and_dotnet_heap_settings_at_the_limit() {
    let (_, web) = incident("node-heap-at-limit", "storefront");
    assert_eq!(web["cause"], "jvm-native-memory");
    assert_eq!(web["runtime"], "node");
    assert_eq!(web["confidence"], "high");
    assert_eq!(web["fix"]["flags"], json!(["--max-old-space-size=768"]));
    assert!(evidence(&web).contains("`--max-old-space-size=1024`) is 100 % of the limit @ incidents/node-heap-at-limit/pods.json:42"), "{}", evidence(&web));
    let (_, gateway) = incident("go-memlimit-at-limit", "ingest-gateway");
    assert_eq!(gateway["cause"], "jvm-native-memory");
    assert_eq!(gateway["runtime"], "go");
    assert_eq!(gateway["fix"]["flags"], json!(["GOMEMLIMIT=921MiB"]), "90 % of 1Gi");
    let (_, renderer) = incident("dotnet-heap-hard-limit", "invoice-renderer");
    assert_eq!(renderer["cause"], "jvm-native-memory");
    assert_eq!(renderer["runtime"], "dotnet");
    assert_eq!(renderer["confidence"], "high", "960 MiB is 94 % of 1Gi");
    assert_eq!(renderer["fix"]["flags"], json!(["DOTNET_GCHeapHardLimit=0x30000000"]), "768 MiB");
}

/// The human report of the mixed case, as an on-call note.
#[test]
fn human_report_of_a_leaking_mis_sized_jvm() {
    let run = run(&["incidents/memory-leak-jvm-mis-sized"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stdout.contains("  flags: -Xmx384m or -XX:MaxRAMPercentage=75.0\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("  also: jvm-native-memory (medium): the JVM heap takes 84 % of the limit\n")
    );
    insta::assert_snapshot!(run.stdout);
}

/// Load without a memory series (autoscaler events) is no evidence of a memory spike: the
/// answer is `unknown`, with the series to export.
#[test]
fn a_spike_is_never_guessed_without_a_series() {
    let (_, search) = incident("traffic-spike-no-metrics", "search-api");
    assert_eq!(search["cause"], "unknown");
    assert_eq!(search["confidence"], "low");
    assert!(search["other_causes"].as_array().is_some_and(Vec::is_empty));
    let steps = steps(&search);
    assert!(steps.contains("query=container_memory_working_set_bytes{namespace=\"search\",pod=~\"search-api-.*\",container=\"search-api\"}"), "{steps}");
}

/// `--config`: the settings `check` and `fix` read also size the heap a diagnosis recommends.
#[test]
fn the_heap_ratio_setting_sizes_the_jvm_flag() {
    let configured = run(&[
        "incidents/jvm-native-memory",
        "--config",
        "config/heap-ratio-0.6.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(configured.code, Some(1), "{}", configured.stderr);
    let billing = &configured.json()["incidents"][0];
    assert_eq!(billing["cause"], "jvm-native-memory");
    // 60 % of the 1Gi limit: 614.4 MiB, rounded down.
    assert_eq!(billing["fix"]["flags"], json!(["-Xmx614m", "-XX:MaxRAMPercentage=60.0"]));
    assert!(billing["fix"]["summary"].as_str().is_some_and(|s| s.contains("(60 % of the limit)")));
    // A heap at 70 % of the limit passes the default 75 % and fails 60 %: the ratio decides.
    let default = run_in(&["incidents/jvm-native-memory", "--format", "json"]);
    assert_eq!(default["incidents"][0]["fix"]["flags"][0], "-Xmx768m");
    let broken = run(&["incidents/jvm-native-memory", "--config", "config/missing.yaml"]);
    assert_eq!(broken.code, Some(2), "a config that cannot be read is an input error");
}

fn run_in(args: &[&str]) -> Value {
    run(args).json()
}

/// `--plot DIR`: an SVG per incident with a series, with the kill marked and the limit drawn;
/// none for an incident without a series, and the report says so.
#[test]
fn plots_mark_the_kills_and_the_limit() {
    let dir = std::env::temp_dir().join(format!("oom-lint-diagnose-plot-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let plot_dir = dir.display().to_string();
    let plotted = run(&[
        "incidents/memory-leak-jvm-mis-sized",
        "incidents/memory-leak-no-metrics",
        "--plot",
        &plot_dir,
        "--format",
        "json",
    ]);
    assert_eq!(plotted.code, Some(1), "{}", plotted.stderr);
    let report = plotted.json();
    let leak = &report["incidents"][0];
    assert_eq!(leak["cause"], "memory-leak");
    let file = dir.join("01-payments_orders-api-7f8e9d6c4-k7p2q_orders-api.svg");
    assert_eq!(leak["plot"], file.display().to_string());
    let svg = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(200)]);
    // plotters writes each text's content on a line of its own.
    let texts: Vec<&str> = svg.lines().map(str::trim).collect();
    assert!(texts.contains(&"OOMKilled"), "the kill's marker is labelled");
    assert!(texts.contains(&"kill"), "the kill marker's legend");
    assert!(texts.contains(&"limit"), "the limit line's legend");
    assert!(svg.contains("revision 12"), "the deploy");
    assert!(svg.contains("trend of the floor +5.9 MiB/h"), "the verdict's trend");
    // The incident without a series has no file, and says so.
    let cart = &report["incidents"][1];
    assert_eq!(cart["pod"], "cart-6c9d7f5b8-h4k2m");
    assert!(cart["plot"].is_null());
    let files: Vec<_> = std::fs::read_dir(&dir).into_iter().flatten().flatten().collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let human = run(&["incidents/memory-leak-no-metrics", "--plot", &plot_dir]);
    assert!(human.stdout.contains("  plot: none (no memory series of this container)\n"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn nothing_to_diagnose_is_an_input_error_not_all_clear() {
    let dir = std::env::temp_dir().join(format!("oom-lint-empty-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let run = oom_lint(&["diagnose", "."], &dir, None);
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("nothing to diagnose"), "{}", run.stdout);
    assert!(!run.stdout.contains("0 incidents;") || run.stdout.contains("1 input error"));
}

/// `diagnose --format json` output (or another oom-lint JSON report) given back as an input is
/// named as what it is, never skipped silently: alone, it is an input error (exit 2) naming
/// the file; beside real inputs, a note, and the rest is diagnosed.
#[test]
fn an_oom_lint_report_given_as_input_is_named_not_read() {
    let dir = std::env::temp_dir().join(format!("oom-lint-report-in-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let saved = run(&["incidents/limit-too-low-at-startup", "--format", "json"]);
    std::fs::write(dir.join("report.json"), &saved.stdout).unwrap_or_else(|e| panic!("{e}"));
    // The same report as PowerShell's `>` saves it: UTF-16LE with a byte-order mark.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(saved.stdout.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(dir.join("report-utf16.json"), utf16).unwrap_or_else(|e| panic!("{e}"));
    // Own input of the class: `check`'s JSON report.
    let check = oom_lint(
        &["check", "--format", "json", "manifests/rules/memory-limit-missing/fires.yaml"],
        &testdata(""),
        None,
    );
    std::fs::write(dir.join("findings.json"), &check.stdout).unwrap_or_else(|e| panic!("{e}"));

    for (file, command) in [
        ("report.json", "oom-lint diagnose --format json"),
        ("report-utf16.json", "oom-lint diagnose --format json"),
        ("findings.json", "oom-lint check --format json"),
    ] {
        let alone = oom_lint(&["diagnose", file], &dir, None);
        assert_eq!(alone.code, Some(2), "{file}: {}", alone.stdout);
        let expected = format!(
            "error: {file}: an oom-lint report (the JSON `{command}` writes), not an input"
        );
        assert!(alone.stdout.contains(&expected), "{file}: {}", alone.stdout);
        assert!(!alone.stdout.contains("nothing to diagnose"), "{}", alone.stdout);
    }

    let describe = testdata("incidents/limit-too-low-at-startup/describe-oomkilled-at-startup.txt");
    let describe = describe.to_string_lossy();
    let beside = oom_lint(&["diagnose", "report.json", &describe], &dir, None);
    assert_eq!(beside.code, Some(1), "the describe text is diagnosed: {}", beside.stdout);
    assert!(
        beside.stdout.contains("note: report.json: an oom-lint report (the JSON `oom-lint diagnose --format json` writes), not an input: not read\n"),
        "{}",
        beside.stdout
    );
    let json = oom_lint(&["diagnose", "--format", "json", "report.json", &describe], &dir, None);
    let report = json.json();
    assert_eq!(report["errors"], json!([]));
    assert_eq!(report["skipped"][0]["file"], "report.json");
    assert_eq!(report["incidents"].as_array().map(Vec::len), Some(1));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A heap setting too large for the limit keeps its stable JSON cause id for every runtime,
/// but every human-facing label names the runtime's own setting: a Go, Node.js or .NET service
/// is never sent to look at a JVM.
#[test]
fn heap_causes_are_labelled_by_the_runtimes_setting() {
    for (case, runtime, label) in [
        ("go-memlimit-at-limit", "go", "gomemlimit-too-high"),
        ("node-heap-at-limit", "node", "node-max-old-space-size-too-high"),
        ("dotnet-heap-hard-limit", "dotnet", "dotnet-gcheaphardlimit-too-high"),
        ("jvm-native-memory", "jvm", "jvm-native-memory"),
    ] {
        let json = run(&[&format!("incidents/{case}"), "--format", "json"]).json();
        let incident = &json["incidents"][0];
        assert_eq!(incident["cause"], "jvm-native-memory", "{case}: the id is stable");
        assert_eq!(incident["runtime"], runtime, "{case}");
        assert_eq!(incident["label"], label, "{case}");
        let human = run(&[&format!("incidents/{case}")]).stdout;
        let header = human.lines().next().unwrap_or("");
        assert!(header.contains(&format!("  {} (", label.to_uppercase())), "{case}: {header}");
        assert!(human.contains(&format!("1 incident: 1 {label}\n")), "{case}: {human}");
        let markdown = run(&[&format!("incidents/{case}"), "--format", "markdown"]).stdout;
        assert!(markdown.contains(&format!("`: {label} (")), "{case}: {markdown}");
        if runtime != "jvm" {
            for text in [&human, &markdown] {
                assert!(!text.to_lowercase().contains("jvm"), "{case}: {text}");
            }
        }
    }
}
