//! `--prometheus` against a real Prometheus: a throwaway TSDB backfilled with generated series
//! (`promtool tsdb create-blocks-from openmetrics`), served on a free loopback port, queried by
//! the real binary; plus the failures no real server shows on demand (down, slow).
//!
//! Needs `prometheus` and `promtool` on the PATH (Debian: `apt-get install prometheus`; `.ci/run`
//! installs it). Without them the tests fail, saying so: they are never skipped silently.

mod common;

use std::fmt::Write as _;
use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use common::prometheus::{Prometheus, TempDir, free_port, now, read_request};
use common::{Run, oom_lint};

const MIB: f64 = 1_048_576.0;

/// Two days at one-minute resolution, ending ten minutes ago, in namespace `shop`:
/// - `api` leaks 4 MiB/h from 200 MiB after a day, limit 512 MiB from kube-state-metrics;
/// - `web` is steady at 300 MiB, limit 1 GiB from cAdvisor only;
/// - the pod sandbox (`container="POD"`), the pod cgroup (`container=""`) and namespace `other`,
///   which must not be read.
fn openmetrics(now: i64) -> String {
    let end = now / 60 * 60 - 600;
    let start = end - 2 * 86_400;
    let mut out = String::new();
    let memory = "container_memory_working_set_bytes";
    let _ = writeln!(out, "# TYPE {memory} gauge");
    type Bytes<'f> = &'f dyn Fn(f64) -> f64;
    let series: [(&str, &str, &str, Bytes<'_>); 5] = [
        ("shop", "api-7d9f8b6c5d-x2k4p", "api", &|h| {
            200.0 * MIB + (h - 24.0).max(0.0) * 4.0 * MIB + (h * 7.0).sin() * 0.5 * MIB
        }),
        ("shop", "web-6c8d7f5b4-q9w2e", "web", &|h| 300.0 * MIB + (h * 3.0).sin() * 2.0 * MIB),
        ("shop", "web-6c8d7f5b4-q9w2e", "POD", &|_| MIB),
        ("shop", "web-6c8d7f5b4-q9w2e", "", &|_| 310.0 * MIB),
        ("other", "batch-5f6d7c8b9-z8y7x", "batch", &|_| 100.0 * MIB),
    ];
    for (namespace, pod, container, bytes) in series {
        for t in (start..=end).step_by(60) {
            let hours = (t - start) as f64 / 3_600.0;
            let _ = writeln!(
                out,
                "{memory}{{namespace=\"{namespace}\",pod=\"{pod}\",container=\"{container}\",\
                 job=\"kubelet\",id=\"/kubepods/{pod}/{container}\"}} {} {t}",
                bytes(hours).round()
            );
        }
    }
    let limit = |out: &mut String, family: &str, labels: &str, bytes: u64| {
        let _ = writeln!(out, "# TYPE {family} gauge");
        for t in (start..=end).step_by(300) {
            let _ = writeln!(out, "{family}{{{labels}}} {bytes} {t}");
        }
    };
    limit(
        &mut out,
        "kube_pod_container_resource_limits",
        "namespace=\"shop\",pod=\"api-7d9f8b6c5d-x2k4p\",container=\"api\",resource=\"memory\",\
         unit=\"byte\",job=\"kube-state-metrics\"",
        512 << 20,
    );
    limit(
        &mut out,
        "container_spec_memory_limit_bytes",
        "namespace=\"shop\",pod=\"web-6c8d7f5b4-q9w2e\",container=\"web\",job=\"kubelet\"",
        1 << 30,
    );
    out.push_str("# EOF\n");
    out
}

fn analyze(args: &[&str], dir: &Path) -> Run {
    let mut full = vec!["analyze"];
    full.extend_from_slice(args);
    oom_lint(&full, dir, None)
}

/// The report without the `file` fields (a URL live, a path offline).
fn without_files(mut report: serde_json::Value) -> serde_json::Value {
    for list in ["inputs", "series", "errors"] {
        if let Some(items) = report[list].as_array_mut() {
            for item in items {
                if let Some(object) = item.as_object_mut() {
                    object.remove("file");
                }
            }
        }
    }
    report
}

fn series<'r>(report: &'r serde_json::Value, container: &str) -> &'r serde_json::Value {
    report["series"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["labels"]["container"] == container))
        .unwrap_or_else(|| panic!("no series of container `{container}` in {report:#}"))
}

#[test]
fn live_and_saved_results_are_the_same_against_a_real_prometheus() {
    let server = Prometheus::start(&openmetrics(now()));
    let dir = TempDir::new("saved");
    let saved = dir.0.join("shop.json");
    let saved_arg = saved.display().to_string();
    let common = ["--namespace", "shop", "--since", "3d", "--format", "json"];

    let mut live_args = vec!["--prometheus", server.url.as_str(), "--save", saved_arg.as_str()];
    live_args.extend(common);
    let live = analyze(&live_args, &dir.0);
    assert_eq!(live.code, Some(1), "a leak is a finding:\n{}\n{}", live.stdout, live.stderr);
    let offline = analyze(&[saved_arg.as_str(), "--format", "json"], &dir.0);
    assert_eq!(offline.code, live.code, "{}", offline.stderr);

    let live_report = live.json();
    assert_eq!(without_files(live_report.clone()), without_files(offline.json()));
    assert_eq!(live_report["series"].as_array().map(Vec::len), Some(2), "{live_report:#}");
    let api = series(&live_report, "api");
    assert_eq!(api["file"], server.url.as_str());
    assert_eq!(api["classification"], "leak");
    assert_eq!(api["limit_bytes"], 512u64 << 20);
    let slope = api["slope_bytes_per_hour"].as_f64().unwrap_or(0.0) / MIB;
    assert!((slope - 4.0).abs() < 0.5, "{slope}");
    assert!(api["time_to_oom_hours"].as_f64().is_some_and(|h| h > 0.0), "{api:#}");
    assert!(!api["recommendation"]["limit_bytes"].is_null());
    let web = series(&live_report, "web");
    assert_eq!(web["classification"], "steady");
    assert_eq!(web["limit_bytes"], 1u64 << 30);

    // The human report reads the same live and offline, but for the source's name.
    let human_live =
        analyze(&["--prometheus", &server.url, "--namespace", "shop", "--since", "3d"], &dir.0);
    let human_saved = analyze(&[saved_arg.as_str()], &dir.0);
    assert_eq!(
        human_live.stdout.replace(&server.url, "SOURCE"),
        human_saved.stdout.replace(&saved_arg, "SOURCE")
    );

    windows_split_long_ranges(&server, &dir);
    check_joins_live_usage_to_manifests(&server, &dir);
    error_paths(&server, &dir);
}

/// `check --prometheus` joins the live series to the manifest's containers, as `--metrics` does.
fn check_joins_live_usage_to_manifests(server: &Prometheus, dir: &TempDir) {
    let manifest = dir.0.join("api.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop\n\
         spec:\n  template:\n    spec:\n      containers:\n        - name: api\n\
         \x20         image: shop/api:1.4\n          resources:\n            requests:\n\
         \x20             memory: 256Mi\n            limits:\n              memory: 512Mi\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let manifest_arg = manifest.display().to_string();
    let run = oom_lint(
        &[
            "check",
            &manifest_arg,
            "--prometheus",
            &server.url,
            "--namespace",
            "shop",
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
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .map(|f| f.iter().filter_map(|f| f["rule"].as_str()).collect())
        .unwrap_or_default();
    assert!(rules.contains(&"memory-leak-suspected"), "{rules:?}\n{report:#}");
}

/// A 3-day range at 10 s is 25,921 points: three requests, whose points follow each other
/// without a gap or a repeat.
fn windows_split_long_ranges(server: &Prometheus, dir: &TempDir) {
    let saved = dir.0.join("fine.json");
    let saved_arg = saved.display().to_string();
    let run = analyze(
        &[
            "--prometheus",
            &server.url,
            "--namespace",
            "shop",
            "--selector",
            r#"{container="web"}"#,
            "--since",
            "3d",
            "--step",
            "10s",
            "--save",
            &saved_arg,
            "--format",
            "json",
        ],
        &dir.0,
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let text = std::fs::read_to_string(&saved).unwrap_or_else(|e| panic!("{e}"));
    let dump: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let result = dump["data"]["result"].as_array().cloned().unwrap_or_default();
    let memory = result
        .iter()
        .find(|s| s["metric"]["__name__"] == "container_memory_working_set_bytes")
        .unwrap_or_else(|| panic!("no memory series in {text:.500}"));
    let times: Vec<f64> = memory["values"]
        .as_array()
        .map(|v| v.iter().filter_map(|p| p[0].as_f64()).collect())
        .unwrap_or_default();
    // Two days of data: more points than one request may return.
    assert!(times.len() > 11_000, "{} points", times.len());
    assert!(times.windows(2).all(|w| w[1] - w[0] == 10.0), "a gap or a repeat between windows");
    assert_eq!(result.len(), 2, "web and its limit only");
}

fn error_paths(server: &Prometheus, dir: &TempDir) {
    let bad = analyze(&["--prometheus", &server.url, "--selector", r#"{app=="api"}"#], &dir.0);
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert!(bad.stderr.contains("HTTP 400") && bad.stderr.contains("bad_data"), "{}", bad.stderr);
    assert!(bad.stderr.contains("parse error"), "the server's own message: {}", bad.stderr);

    let unknown =
        analyze(&["--prometheus", &server.url, "--metric", "no_such_metric_bytes"], &dir.0);
    assert_eq!(unknown.code, Some(2), "{}", unknown.stderr);
    assert!(unknown.stderr.contains("no series"), "{}", unknown.stderr);
    assert!(unknown.stderr.contains("no_such_metric_bytes"), "{}", unknown.stderr);

    let past = analyze(
        &[
            "--prometheus",
            &server.url,
            "--start",
            "2001-01-01T00:00:00Z",
            "--end",
            "2001-01-08T00:00:00Z",
        ],
        &dir.0,
    );
    assert_eq!(past.code, Some(2), "{}", past.stderr);
    assert!(
        past.stderr.contains("no series") && past.stderr.contains("retention"),
        "{}",
        past.stderr
    );
}

#[test]
fn a_server_that_is_down_is_an_input_error_naming_the_url() {
    let url = format!("http://127.0.0.1:{}", free_port());
    let run = analyze(&["--prometheus", &url], &common::workspace_root());
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains(&url) && run.stderr.contains("connection refused"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_server_that_never_answers_times_out_after_the_retries() {
    // Connections are accepted by the kernel, and nothing ever answers them.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let url = format!("http://{}", listener.local_addr().unwrap_or_else(|e| panic!("{e}")));
    let started = Instant::now();
    let run = analyze(
        &["--prometheus", &url, "--timeout", "1s", "--retries", "1"],
        &common::workspace_root(),
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("no answer within 1 s"), "{}", run.stderr);
    assert!(run.stderr.contains("after 2 attempts"), "{}", run.stderr);
    assert!(started.elapsed() < Duration::from_secs(30));
    drop(listener);
}

/// A one-connection-at-a-time HTTP server answering with `responses` in turn, recording the
/// requests it got. The listing a run asks first (`/api/v1/series`, to tell one container from a
/// fleet) is answered with [`LISTING`], neither recorded nor taking a response.
fn scripted_server(
    responses: Vec<(u16, &'static str)>,
) -> (String, std::sync::mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let url = format!("http://{}", listener.local_addr().unwrap_or_else(|e| panic!("{e}")));
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut responses = responses.into_iter();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let request = read_request(&mut stream);
            let (status, body) = if request.starts_with("POST /api/v1/series") {
                (200, LISTING)
            } else {
                let _ = sender.send(request);
                responses.next().unwrap_or((500, "no more responses"))
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Retry-After: 0\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, receiver)
}

const ONE_SERIES: &str = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"namespace":"shop","pod":"api-1","container":"api"},"values":[[1777040580,"104857600"],[1777040640,"104857600"],[1777040700,"104857600"]]}]}}"#;
const LISTING: &str = r#"{"status":"success","data":[{"__name__":"container_memory_working_set_bytes","namespace":"shop","pod":"api-1","container":"api"}]}"#;
const NO_SERIES: &str = r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;

#[test]
fn credentials_and_tenant_headers_are_sent_never_shown_and_5xx_retried() {
    let (url, requests) = scripted_server(vec![
        (503, "overloaded"),
        (200, ONE_SERIES),
        (200, NO_SERIES),
        (200, NO_SERIES),
    ]);
    let dir = TempDir::new("auth");
    let token = dir.0.join("token");
    std::fs::write(&token, "s3cr3t-token\n").unwrap_or_else(|e| panic!("{e}"));
    let run = analyze(
        &[
            "--prometheus",
            &url,
            "--bearer-token-file",
            &token.display().to_string(),
            "--header",
            "X-Scope-OrgID: tenant-a",
            "--concurrency",
            "1",
            "--since",
            "10m",
            "--start",
            "2026-04-24T14:00:00Z",
        ],
        &dir.0,
    );
    // --since and --start conflict: a usage error, before any request.
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let run = analyze(
        &[
            "--prometheus",
            &url,
            "--bearer-token-file",
            &token.display().to_string(),
            "--header",
            "X-Scope-OrgID: tenant-a",
            "--concurrency",
            "1",
            "--start",
            "2026-04-24T14:00:00Z",
            "--end",
            "2026-04-24T16:00:00Z",
        ],
        &dir.0,
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("shop/api-1/api"), "{}", run.stdout);
    let first = requests.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
    let retried = requests.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
    for request in [&first, &retried] {
        assert!(request.starts_with("POST /api/v1/query_range"), "{request}");
        assert!(request.contains("Bearer s3cr3t-token"), "{request}");
        assert!(request.to_ascii_lowercase().contains("x-scope-orgid: tenant-a"), "{request}");
        assert!(request.contains("container_memory_working_set_bytes"), "{request}");
    }
    assert!(!run.stdout.contains("s3cr3t") && !run.stderr.contains("s3cr3t"));
}

#[test]
fn a_window_that_keeps_failing_is_reported_as_a_partial_result() {
    // 1 s steps over 4 hours: two windows per query; the second memory window fails.
    let (url, _requests) = scripted_server(vec![
        (200, ONE_SERIES),
        (500, "storage unavailable"),
        (200, NO_SERIES),
        (200, NO_SERIES),
        (200, NO_SERIES),
        (200, NO_SERIES),
    ]);
    let run = analyze(
        &[
            "--prometheus",
            &url,
            "--concurrency",
            "1",
            "--retries",
            "0",
            "--step",
            "1s",
            "--start",
            "2026-04-24T14:00:00Z",
            "--end",
            "2026-04-24T18:00:00Z",
        ],
        &common::workspace_root(),
    );
    assert_eq!(run.code, Some(2), "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("shop/api-1/api"), "the windows read are kept: {}", run.stdout);
    assert!(run.stdout.contains("partial result"), "{}", run.stdout);
    assert!(run.stdout.contains("storage unavailable"), "{}", run.stdout);
}
