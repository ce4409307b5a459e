//! Fleet scans and `diagnose --prometheus` against a real Prometheus (the server of
//! `common::prometheus`): a generated fleet of containers with a few leaks, a few limits reached
//! and oversized limits, and kube-state-metrics series of OOM kills.
//!
//! Needs `prometheus` and `promtool` on the PATH (Debian: `apt-get install prometheus`); without
//! them the tests fail, saying how to install them.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::net::TcpListener;

use common::oom_lint;
use common::prometheus::{Prometheus, TempDir, now, read_request};

const MIB: f64 = 1_048_576.0;
const GIB: u64 = 1 << 30;

/// One generated container: where, its memory over hours, its limit (and whether
/// kube-state-metrics or cAdvisor reports it).
struct Container {
    namespace: String,
    pod: String,
    container: String,
    memory: Box<dyn Fn(f64) -> f64>,
    limit: u64,
    limit_from_ksm: bool,
}

/// Leaks, by how fast they grow (the fastest reaches its limit first).
const LEAKS: [(&str, f64); 3] = [("orders", 6.0), ("search", 3.0), ("mailer", 1.5)];
/// At their limit (peaks at 97% of 512 MiB).
const AT_LIMIT: [&str; 2] = ["cache", "thumbs"];
/// Oversized: ~100 MiB used under these limits (the larger wastes more).
const OVERSIZED: [(&str, u64); 2] = [("reports", 8 * GIB), ("audit", 4 * GIB)];
/// Steady containers comfortably sized; some pods have an `istio-proxy` sidecar.
const STEADY: usize = 41;

fn fleet() -> Vec<Container> {
    let mut out = Vec::new();
    let pod = |name: &str, index: usize| format!("{name}-7d9f8b6c{index:02}-x2k4p");
    let namespaces = ["shop", "cart", "batch"];
    for (index, (name, rate)) in LEAKS.iter().enumerate() {
        let rate = *rate;
        out.push(Container {
            namespace: namespaces[index % 3].into(),
            pod: pod(name, index),
            container: (*name).into(),
            memory: Box::new(move |h| 200.0 * MIB + rate * MIB * h + (h * 7.0).sin() * 0.5 * MIB),
            limit: GIB,
            limit_from_ksm: true,
        });
    }
    for (index, name) in AT_LIMIT.iter().enumerate() {
        out.push(Container {
            namespace: "cart".into(),
            pod: pod(name, index),
            container: (*name).into(),
            memory: Box::new(|h| {
                let spike = if (h * 60.0) as i64 % 180 < 5 { 20.0 } else { 0.0 };
                (477.0 + spike + (h * 5.0).sin()) * MIB
            }),
            limit: 512 << 20,
            limit_from_ksm: index == 0,
        });
    }
    for (index, (name, limit)) in OVERSIZED.iter().enumerate() {
        out.push(Container {
            namespace: "batch".into(),
            pod: pod(name, index),
            container: (*name).into(),
            memory: Box::new(|h| (100.0 + (h * 3.0).sin() * 2.0) * MIB),
            limit: *limit,
            limit_from_ksm: true,
        });
    }
    for index in 0..STEADY {
        let base = 300.0 + (index % 10) as f64 * 10.0;
        let name = format!("svc{index:02}");
        let pod = pod(&name, index);
        let namespace = namespaces[index % 3].to_owned();
        if index % 7 == 0 {
            out.push(Container {
                namespace: namespace.clone(),
                pod: pod.clone(),
                container: "istio-proxy".into(),
                memory: Box::new(|h| (60.0 + (h * 2.0).sin()) * MIB),
                limit: 128 << 20,
                limit_from_ksm: true,
            });
        }
        out.push(Container {
            namespace,
            pod,
            container: name,
            memory: Box::new(move |h| (base + (h * 3.0).sin() * 2.0) * MIB),
            limit: GIB,
            limit_from_ksm: index % 2 == 0,
        });
    }
    out
}

/// Two days at one-minute resolution ending ten minutes before `now`, as OpenMetrics text.
fn openmetrics(containers: &[Container], now: i64, extra: &str) -> String {
    let end = now / 60 * 60 - 600;
    let start = end - 2 * 86_400;
    let mut out = String::new();
    let memory = "container_memory_working_set_bytes";
    let _ = writeln!(out, "# TYPE {memory} gauge");
    for c in containers {
        for t in (start..=end).step_by(60) {
            let hours = (t - start) as f64 / 3_600.0;
            let _ = writeln!(
                out,
                "{memory}{{namespace=\"{}\",pod=\"{}\",container=\"{}\",job=\"kubelet\"}} {} {t}",
                c.namespace,
                c.pod,
                c.container,
                (c.memory)(hours).round()
            );
        }
    }
    for (family, from_ksm) in
        [("kube_pod_container_resource_limits", true), ("container_spec_memory_limit_bytes", false)]
    {
        let _ = writeln!(out, "# TYPE {family} gauge");
        for c in containers.iter().filter(|c| c.limit_from_ksm == from_ksm) {
            let extra = if from_ksm { ",resource=\"memory\",unit=\"byte\"" } else { "" };
            for t in (start..=end).step_by(300) {
                let _ = writeln!(
                    out,
                    "{family}{{namespace=\"{}\",pod=\"{}\",container=\"{}\"{extra}}} {} {t}",
                    c.namespace, c.pod, c.container, c.limit
                );
            }
        }
    }
    out.push_str(extra);
    out.push_str("# EOF\n");
    out
}

fn rows(report: &serde_json::Value) -> Vec<serde_json::Value> {
    report["rows"].as_array().cloned().unwrap_or_else(|| panic!("no rows in {report:#}"))
}

#[test]
fn a_fleet_scan_ranks_leaks_then_limits_reached_then_waste() {
    let containers = fleet();
    let server = Prometheus::start(&openmetrics(&containers, now(), ""));
    let dir = TempDir::new("fleet");
    let run = oom_lint(
        &[
            "analyze",
            "--prometheus",
            &server.url,
            "--namespace",
            ".*",
            "--since",
            "3d",
            "--concurrency",
            "3",
            "--format",
            "json",
        ],
        &dir.0,
        None,
    );
    assert_eq!(run.code, Some(1), "leaks are findings:\n{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.is_empty(), "no progress bar without a terminal: {}", run.stderr);
    let report = run.json();
    let rows = rows(&report);
    assert_eq!(report["fleet"]["containers"], containers.len(), "{:#}", report["fleet"]);
    assert_eq!(rows.len(), containers.len());
    assert_eq!(report["errors"].as_array().map(Vec::len), Some(0), "{:#}", report["errors"]);

    let ranks: Vec<&str> = rows.iter().filter_map(|r| r["rank"].as_str()).collect();
    let expected: Vec<&str> = ["leak"; 3]
        .into_iter()
        .chain(["limit-reached"; 2])
        .chain(["oversized"; 2])
        .chain(std::iter::repeat_n("other", containers.len() - 7))
        .collect();
    assert_eq!(ranks, expected, "{rows:#?}");

    // Leaks first, the soonest OOM first, each with its time to OOM.
    let leak_names: Vec<&str> = rows[..3].iter().filter_map(|r| r["container"].as_str()).collect();
    assert_eq!(leak_names, LEAKS.map(|(name, _)| name));
    let hours: Vec<f64> =
        rows[..3].iter().map(|r| r["time_to_oom_hours"].as_f64().unwrap_or(-1.0)).collect();
    assert!(hours.iter().all(|h| *h > 0.0) && hours.windows(2).all(|w| w[0] < w[1]), "{hours:?}");
    // 200 MiB + 6 MiB/h for 48 h is 488 MiB: (1024 − 488) / 6 ≈ 89 h to the 1 GiB limit.
    assert!((hours[0] - 89.0).abs() < 10.0, "{hours:?}");

    let reached: Vec<&str> = rows[3..5].iter().filter_map(|r| r["container"].as_str()).collect();
    assert_eq!(reached, AT_LIMIT);
    assert!(rows[3..5].iter().all(|r| r["limit_reached"] == true));

    // Oversized: the most wasted first, waste = limit − recommended limit.
    let oversized: Vec<&str> = rows[5..7].iter().filter_map(|r| r["container"].as_str()).collect();
    assert_eq!(oversized, OVERSIZED.map(|(name, _)| name));
    for row in &rows[5..7] {
        let limit = row["limit_bytes"].as_u64().unwrap_or(0);
        let recommended = row["recommended_limit_bytes"].as_u64().unwrap_or(0);
        assert!(recommended > 0 && recommended < 512 << 20, "{row:#}");
        assert_eq!(row["wasted_bytes"].as_u64(), Some(limit - recommended));
    }
    let wasted: u64 = rows[5..7].iter().filter_map(|r| r["wasted_bytes"].as_u64()).sum();
    assert_eq!(report["fleet"]["wasted_bytes"].as_u64(), Some(wasted));
    assert!(rows[7..].iter().all(|r| r["classification"] == "steady"), "{rows:#?}");

    rows_match_single_container_analysis(&server, &dir, &rows);
    the_table_reads_in_the_same_order(&server, &dir);
    the_table_stops_at_top_and_json_keeps_every_row(&server, &dir, containers.len());
    a_narrow_selection_keeps_the_per_series_report(&server, &dir);
    diagnose_without_kube_state_metrics_says_what_is_missing(&server, &dir);
}

/// Each fleet row is what `analyze` of that one container says (the same series, the same
/// analysis): verdict, limit, time to OOM, peak, slope, recommendation.
fn rows_match_single_container_analysis(
    server: &Prometheus,
    dir: &TempDir,
    rows: &[serde_json::Value],
) {
    let picked: Vec<&serde_json::Value> =
        rows.iter().take(7).chain(rows.iter().skip(7).step_by(10)).collect();
    for row in picked {
        let (namespace, pod, container) = (
            row["namespace"].as_str().unwrap_or(""),
            row["pod"].as_str().unwrap_or(""),
            row["container"].as_str().unwrap_or(""),
        );
        let selector = format!(r#"{{pod="{pod}", container="{container}"}}"#);
        let run = oom_lint(
            &[
                "analyze",
                "--prometheus",
                &server.url,
                "--namespace",
                namespace,
                "--selector",
                &selector,
                "--since",
                "3d",
                "--format",
                "json",
                "--fail-on",
                "never",
            ],
            &dir.0,
            None,
        );
        assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
        let report = run.json();
        let series = &report["series"][0];
        assert_eq!(report["series"].as_array().map(Vec::len), Some(1), "{report:#}");
        for field in [
            "classification",
            "limit_bytes",
            "limit_reached",
            "time_to_oom_hours",
            "peak_bytes",
            "average_bytes",
            "slope_bytes_per_hour",
            "samples",
            "restarts",
        ] {
            assert_eq!(row[field], series[field], "{field} of {pod}/{container}");
        }
        if series["classification"] == "leak" {
            // A leak's row gives what to set now: the relief limit, or the limit in force when
            // that lasts the day.
            let relief = &series["recommendation"]["relief_limit_bytes"];
            assert_eq!(row["relief_limit_bytes"], *relief, "{pod}");
            let now = if relief.is_null() { &series["limit_bytes"] } else { relief };
            assert_eq!(row["recommended_limit_bytes"], *now, "{pod}");
        } else {
            assert_eq!(row["recommended_limit_bytes"], series["recommendation"]["limit_bytes"]);
        }
        assert_eq!(row["time_to_oom_interval_hours"], series["time_to_oom_interval_hours"]);
    }
}

fn the_table_reads_in_the_same_order(server: &Prometheus, dir: &TempDir) {
    let run = oom_lint(
        &["analyze", "--prometheus", &server.url, "--since", "3d", "--fleet", "--quiet"],
        &dir.0,
        None,
    );
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let header = lines.iter().position(|l| l.contains("CONTAINER")).unwrap_or(usize::MAX);
    assert!(header < lines.len(), "{}", run.stdout);
    let first = lines[header + 1];
    assert!(first.contains("/orders") && first.contains("OOM in ≈"), "{first}");
    assert!(lines[header + 4].contains("/cache") && lines[header + 4].contains("limit reached"));
    let oversized = lines[header + 6];
    assert!(oversized.contains("/reports") && oversized.contains("wastes"), "{oversized}");
    let summary = lines.last().copied().unwrap_or("");
    assert!(summary.contains("3 leak, 2 limit reached, 2 oversized (wasting"), "{}", run.stdout);
}

/// `--top N`: the human table shows the first N rows (the ranked ones to act on) and says how
/// many more there are; `--top 0` shows every row; the JSON report always has every row.
fn the_table_stops_at_top_and_json_keeps_every_row(
    server: &Prometheus,
    dir: &TempDir,
    containers: usize,
) {
    let scan = |extra: &[&str]| {
        let mut args = vec!["analyze", "--prometheus", &server.url, "--since", "3d", "--quiet"];
        args.extend_from_slice(extra);
        oom_lint(&args, &dir.0, None)
    };
    // A row names its container by namespace/pod/container; every pod here ends in `-x2k4p`.
    let table_rows = |text: &str| text.lines().filter(|l| l.contains("-x2k4p/")).count();
    let top = scan(&["--top", "5"]);
    assert_eq!(top.code, Some(1), "{}\n{}", top.stdout, top.stderr);
    assert_eq!(table_rows(&top.stdout), 5, "{}", top.stdout);
    let more =
        format!("… {} more containers, ranked below these: `--top 0` shows all", containers - 5);
    assert!(top.stdout.contains(&more), "{}", top.stdout);
    let summary = format!("{containers} containers: 3 leak, 2 limit reached, 2 oversized");
    assert!(top.stdout.contains(&summary), "the summary counts every row: {}", top.stdout);
    let all = scan(&["--top", "0"]);
    assert_eq!(table_rows(&all.stdout), containers, "{}", all.stdout);
    assert!(!all.stdout.contains(" more container"), "{}", all.stdout);
    let json = scan(&["--top", "5", "--format", "json"]).json();
    assert_eq!(rows(&json).len(), containers, "JSON is always complete");
}

/// Ten containers or fewer stay the per-series report of before.
fn a_narrow_selection_keeps_the_per_series_report(server: &Prometheus, dir: &TempDir) {
    let run = oom_lint(
        &[
            "analyze",
            "--prometheus",
            &server.url,
            "--namespace",
            "batch",
            "--selector",
            r#"{container=~"reports|audit"}"#,
            "--since",
            "3d",
            "--format",
            "json",
        ],
        &dir.0,
        None,
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    assert!(report.get("rows").is_none() && report["series"].as_array().map(Vec::len) == Some(2));
}

/// A server without kube-state-metrics (nor cAdvisor's OOM events): no claim of "no incident".
fn diagnose_without_kube_state_metrics_says_what_is_missing(server: &Prometheus, dir: &TempDir) {
    let run = oom_lint(&["diagnose", "--prometheus", &server.url, "--since", "1d"], &dir.0, None);
    assert_eq!(run.code, Some(2), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("kube_pod_container_status_last_terminated_reason")
            && run.stderr.contains("container_oom_events_total")
            && run.stderr.contains("install kube-state-metrics"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("0 incidents"), "{}", run.stdout);
}

/// Kube-state-metrics' series of containers and their kill times: the restart counter steps at
/// each kill, the last terminated reason is `OOMKilled` after it, with its timestamp. One family
/// after the other, as OpenMetrics wants them.
fn kill_series(containers: &[(&str, &str, &str, &[i64])], start: i64, end: i64) -> String {
    let mut out = String::new();
    type Value<'v> = &'v dyn Fn(&[i64], i64) -> Option<f64>;
    let count: Value<'_> = &|kills, t| Some(kills.iter().filter(|k| **k <= t).count() as f64);
    let reason: Value<'_> = &|kills, t| kills.iter().any(|k| *k <= t).then_some(1.0);
    let time: Value<'_> =
        &|kills, t| kills.iter().copied().filter(|k| *k <= t).max().map(|k| k as f64);
    let families: [(&str, &str, Value<'_>); 3] = [
        ("kube_pod_container_status_restarts_total", "", count),
        ("kube_pod_container_status_last_terminated_reason", ",reason=\"OOMKilled\"", reason),
        ("kube_pod_container_status_last_terminated_timestamp", "", time),
    ];
    for (family, extra, value) in families {
        let _ = writeln!(out, "# TYPE {family} gauge");
        for (namespace, pod, container, kills) in containers {
            for t in (start..=end).step_by(60) {
                if let Some(v) = value(kills, t) {
                    let _ = writeln!(
                        out,
                        "{family}{{namespace=\"{namespace}\",pod=\"{pod}\",\
                         container=\"{container}\"{extra}}} {v} {t}"
                    );
                }
            }
        }
    }
    out
}

#[test]
fn diagnose_finds_the_oom_kills_itself_and_agrees_with_the_files() {
    let end = now() / 60 * 60 - 600;
    let start = end - 2 * 86_400;
    // `api` leaks 8 MiB/h from 200 MiB to its 512 MiB limit, is killed and starts over;
    // `worker` sits near its 256 MiB limit and is killed by a burst; `web` is never killed.
    let api_kill = start + 39 * 3_600;
    let worker_kill = end - 5 * 3_600;
    let at = move |t: i64| (t - start) as f64 / 3_600.0;
    let containers = vec![
        Container {
            namespace: "shop".into(),
            pod: "api-7d9f8b6c5d-x2k4p".into(),
            container: "api".into(),
            memory: Box::new(move |h| {
                let since = if h < at(api_kill) { h } else { h - at(api_kill) };
                (200.0 + 8.0 * since + (h * 7.0).sin() * 0.5) * MIB
            }),
            limit: 512 << 20,
            limit_from_ksm: true,
        },
        Container {
            namespace: "shop".into(),
            pod: "worker-5f6d7c8b9-z8y7x".into(),
            container: "worker".into(),
            memory: Box::new(move |h| {
                let burst = (h - at(worker_kill)).abs() < 0.05;
                (if burst { 256.0 } else { 236.0 + (h * 3.0).sin() * 4.0 }) * MIB
            }),
            limit: 256 << 20,
            limit_from_ksm: true,
        },
        Container {
            namespace: "shop".into(),
            pod: "web-6c8d7f5b4-q9w2e".into(),
            container: "web".into(),
            memory: Box::new(|h| (300.0 + (h * 3.0).sin() * 2.0) * MIB),
            limit: GIB,
            limit_from_ksm: true,
        },
    ];
    let kills = kill_series(
        &[
            ("shop", "api-7d9f8b6c5d-x2k4p", "api", &[api_kill]),
            ("shop", "worker-5f6d7c8b9-z8y7x", "worker", &[worker_kill]),
            ("shop", "web-6c8d7f5b4-q9w2e", "web", &[]),
        ],
        start,
        end,
    );
    let server = Prometheus::start(&openmetrics(&containers, end + 600, &kills));
    let dir = TempDir::new("diagnose-live");

    let live = oom_lint(
        &["diagnose", "--prometheus", &server.url, "--since", "3d", "--format", "json"],
        &dir.0,
        None,
    );
    assert_eq!(live.code, Some(1), "incidents:\n{}\n{}", live.stdout, live.stderr);
    let live_report = live.json();
    let causes = |report: &serde_json::Value| -> BTreeMap<String, String> {
        report["incidents"]
            .as_array()
            .map(|all| {
                all.iter()
                    .map(|i| {
                        (
                            i["container"].as_str().unwrap_or("").to_owned(),
                            i["cause"].as_str().unwrap_or("").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let live_causes = causes(&live_report);
    assert_eq!(
        live_causes.keys().map(String::as_str).collect::<Vec<_>>(),
        ["api", "worker"],
        "{live_report:#}"
    );
    assert_eq!(live_causes["api"], "memory-leak", "{live_report:#}");
    let api = live_report["incidents"]
        .as_array()
        .and_then(|all| all.iter().find(|i| i["container"] == "api"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(api["restart_count"], 1);
    assert_eq!(api["kills"][0]["reason"], "OOMKilled");
    let expected_time = oom_lint_time(api_kill);
    assert_eq!(api["kills"][0]["time"], expected_time.as_str(), "{api:#}");

    // The same facts as files: the pods as kubectl shows them, and the memory dump.
    let saved = dir.0.join("memory.json");
    let save = oom_lint(
        &[
            "analyze",
            "--prometheus",
            &server.url,
            "--namespace",
            "shop",
            "--selector",
            r#"{pod=~"api-.*|worker-.*"}"#,
            "--since",
            "3d",
            "--save",
            &saved.display().to_string(),
            "--fail-on",
            "never",
        ],
        &dir.0,
        None,
    );
    assert_eq!(save.code, Some(0), "{}", save.stderr);
    let pods = dir.0.join("pods.json");
    let pod = |name: &str, container: &str, limit: &str, kill: i64| {
        serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "shop"},
            "spec": {"containers": [{"name": container, "resources": {"limits": {"memory": limit}}}]},
            "status": {"containerStatuses": [{
                "name": container, "restartCount": 1,
                "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137,
                                              "finishedAt": oom_lint_time(kill)}},
            }]},
        })
    };
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": [
        pod("api-7d9f8b6c5d-x2k4p", "api", "512Mi", api_kill),
        pod("worker-5f6d7c8b9-z8y7x", "worker", "256Mi", worker_kill),
    ]});
    std::fs::write(&pods, list.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let files = oom_lint(
        &[
            "diagnose",
            &pods.display().to_string(),
            &saved.display().to_string(),
            "--format",
            "json",
        ],
        &dir.0,
        None,
    );
    assert_eq!(files.code, Some(1), "{}\n{}", files.stdout, files.stderr);
    assert_eq!(causes(&files.json()), live_causes);

    // A namespace without kills: an empty report, said plainly, exit 0.
    let none = oom_lint(
        &["diagnose", "--prometheus", &server.url, "--since", "3d", "--namespace", "nothing-here"],
        &dir.0,
        None,
    );
    assert_eq!(none.code, Some(0), "{}\n{}", none.stdout, none.stderr);
    assert!(none.stderr.contains("no container was OOM-killed"), "{}", none.stderr);
}

/// RFC 3339 as the reports print times.
fn oom_lint_time(seconds: i64) -> String {
    oom_core::metrics::format_time(seconds as f64)
}

/// A server that lists two namespaces and fails every request for the second: the first is
/// still reported, the failure named, exit code 2.
#[test]
fn a_batch_that_keeps_failing_is_reported_and_the_rest_scanned() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let url = format!("http://{}", listener.local_addr().unwrap_or_else(|e| panic!("{e}")));
    let containers: Vec<(&str, String)> =
        (0..12).map(|i| (if i < 6 { "good" } else { "bad" }, format!("app{i:02}-1"))).collect();
    let listing: Vec<serde_json::Value> = containers
        .iter()
        .map(|(ns, pod)| serde_json::json!({"namespace": ns, "pod": pod, "container": "app"}))
        .collect();
    let listing = serde_json::json!({"status": "success", "data": listing}).to_string();
    let good: Vec<serde_json::Value> = containers
        .iter()
        .filter(|(ns, _)| *ns == "good")
        .map(|(ns, pod)| {
            let values: Vec<serde_json::Value> = (0..200)
                .map(|i| serde_json::json!([1_777_000_000 + 60 * i, "104857600"]))
                .collect();
            serde_json::json!({"metric": {"namespace": ns, "pod": pod, "container": "app"}, "values": values})
        })
        .collect();
    let good =
        serde_json::json!({"status": "success", "data": {"resultType": "matrix", "result": good}})
            .to_string();
    let empty = r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#.to_owned();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let request = read_request(&mut stream);
            let (status, body) = if request.starts_with("POST /api/v1/series") {
                (200, listing.clone())
            } else if request.contains("%22bad%22") {
                (503, "overloaded".to_owned())
            } else if request.contains("working_set") {
                (200, good.clone())
            } else {
                (200, empty.clone())
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Retry-After: 0\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let run = oom_lint(
        &[
            "analyze",
            "--prometheus",
            &url,
            "--start",
            "2026-04-24T02:00:00Z",
            "--end",
            "2026-04-24T06:00:00Z",
            "--retries",
            "1",
            "--format",
            "json",
        ],
        &common::workspace_root(),
        None,
    );
    assert_eq!(run.code, Some(2), "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let rows = rows(&report);
    assert_eq!(rows.len(), 6, "{report:#}");
    assert!(rows.iter().all(|r| r["namespace"] == "good"));
    let errors = report["errors"].to_string();
    assert!(errors.contains("namespace bad") && errors.contains("overloaded"), "{errors}");
    assert_eq!(report["fleet"]["containers"], 12);
}

/// cAdvisor's OOM events without kube-state-metrics: the kill is found and diagnosed, and the
/// missing series are reported as input errors (exit 2), not silently skipped.
#[test]
fn oom_events_without_kube_state_metrics_find_the_kill_and_say_what_is_missing() {
    let end = now() / 60 * 60 - 600;
    let start = end - 2 * 86_400;
    let kill = start + 39 * 3_600;
    let at = move |t: i64| (t - start) as f64 / 3_600.0;
    let api = Container {
        namespace: "shop".into(),
        pod: "api-7d9f8b6c5d-x2k4p".into(),
        container: "api".into(),
        memory: Box::new(move |h| {
            let since = if h < at(kill) { h } else { h - at(kill) };
            (200.0 + 8.0 * since + (h * 7.0).sin() * 0.5) * MIB
        }),
        limit: 512 << 20,
        limit_from_ksm: false,
    };
    let mut events = String::from("# TYPE container_oom_events_total gauge\n");
    for t in (start..=end).step_by(60) {
        let _ = writeln!(
            events,
            "container_oom_events_total{{namespace=\"shop\",pod=\"api-7d9f8b6c5d-x2k4p\",\
             container=\"api\"}} {} {t}",
            u8::from(t >= kill)
        );
    }
    let server = Prometheus::start(&openmetrics(&[api], end + 600, &events));
    let dir = TempDir::new("oom-events");
    let run = oom_lint(
        &["diagnose", "--prometheus", &server.url, "--since", "3d", "--format", "json"],
        &dir.0,
        None,
    );
    assert_eq!(
        run.code,
        Some(2),
        "missing evidence is an input error:\n{}\n{}",
        run.stdout,
        run.stderr
    );
    let report = run.json();
    let incidents = report["incidents"].as_array().cloned().unwrap_or_default();
    assert_eq!(incidents.len(), 1, "{report:#}");
    assert_eq!(incidents[0]["container"], "api");
    assert_eq!(incidents[0]["kills"][0]["reason"], "OOMKilled");
    // No termination timestamp: the OOM event counter's step gives the kill time.
    assert_eq!(incidents[0]["kills"][0]["time"], oom_lint_time(kill).as_str(), "{report:#}");
    let errors = report["errors"].to_string();
    assert!(
        errors.contains("kube_pod_container_status_last_terminated_reason")
            && errors.contains("kube_pod_container_status_restarts_total")
            && errors.contains("install kube-state-metrics")
            && errors.contains("counter stepped"),
        "{errors}"
    );
}
