//! Metric dumps as people really export them (testdata/metrics/cases/): every layout read right
//! — series, labels, units, values — or refused with a message naming the layout and column.

mod common;

use common::{oom_lint, testdata};
use oom_core::metrics::{InputFormat, MetricsDump, MetricsError, ParseOptions, parse_with};

const MIB: f64 = 1_048_576.0;

fn read_with(case: &str, options: &ParseOptions) -> Result<MetricsDump, MetricsError> {
    let path = testdata(&format!("metrics/cases/{case}"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_with(&bytes, options)
}

fn read(case: &str) -> MetricsDump {
    read_with(case, &ParseOptions::default()).unwrap_or_else(|e| panic!("{case}: {e}"))
}

fn refusal(case: &str) -> String {
    match read_with(case, &ParseOptions::default()) {
        Ok(dump) => panic!("{case} was read: {} series", dump.series.len()),
        Err(error) => error.to_string(),
    }
}

fn label<'a>(dump: &'a MetricsDump, index: usize, key: &str) -> &'a str {
    dump.series[index].labels.get(key).map_or("", String::as_str)
}

fn peak(dump: &MetricsDump, index: usize) -> f64 {
    dump.series[index].samples.iter().map(|s| s.bytes).fold(0.0, f64::max)
}

fn span_hours(dump: &MetricsDump, index: usize) -> f64 {
    let samples = &dump.series[index].samples;
    (samples[samples.len() - 1].time - samples[0].time) / 3600.0
}

// --- 1. ambiguous headers ---

#[test]
fn grafana7_repeated_value_columns_are_separate_series() {
    for (case, columns) in
        [("grafana7-duplicate-value-headers.csv", 2), ("grafana7-three-unnamed-columns.tsv", 3)]
    {
        let dump = read(case);
        assert_eq!(dump.format, InputFormat::GrafanaCsv, "{case}");
        assert_eq!(dump.series.len(), columns, "{case}");
        assert_eq!(label(&dump, 0, "series"), "Value (column 2)");
        assert!(dump.series.iter().all(|s| s.samples.len() > 40), "{case}");
        assert!(dump.notes.iter().any(|n| n.contains("have no legend")), "{case}");
    }
    let dump = read("grafana7-duplicate-value-headers.csv");
    assert_eq!(peak(&dump, 1), 209_715_200.0);
    assert_eq!(dump.series[0].samples[0].bytes, 314_572_800.0);
}

#[test]
fn unknown_or_several_value_columns_are_refused_by_name() {
    let message = refusal("long-csv-unknown-value-column.csv");
    assert!(
        message.starts_with("long-csv:") && message.contains("`mem_used` (column 5)"),
        "{message}"
    );
    let message = refusal("long-csv-two-value-columns.csv");
    assert!(message.contains("`working_set_bytes` (column 4), `rss` (column 5)"), "{message}");
    // --metric chooses the column.
    let options = ParseOptions { metric: Some("mem_used".into()), ..ParseOptions::default() };
    let dump =
        read_with("long-csv-unknown-value-column.csv", &options).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(dump.series.len(), 1);
    assert!((peak(&dump, 0) / MIB - 300.0).abs() < 3.0);
    let options = ParseOptions { metric: Some("rss".into()), ..ParseOptions::default() };
    let dump =
        read_with("long-csv-two-value-columns.csv", &options).unwrap_or_else(|e| panic!("{e}"));
    assert!((peak(&dump, 0) / MIB - 250.0).abs() < 3.0);
}

// --- 2. units ---

#[test]
fn header_units_are_read_and_implausible_bytes_refused() {
    let dump = read("long-csv-memory-mib-header.csv");
    assert_eq!(dump.series.len(), 1);
    assert_eq!(peak(&dump, 0), 302.0 * MIB);
    let dump = read("long-csv-working-set-kb.csv");
    assert_eq!(peak(&dump, 0), 307_260.0 * 1000.0);
    for (case, refused) in
        [("long-csv-values-in-mib.csv", 3), ("long-csv-values-in-kib-unnamed.csv", 1)]
    {
        let dump = read(case);
        assert!(dump.series.is_empty(), "{case}: sized");
        assert_eq!(dump.refused.len(), refused, "{case}");
        assert!(dump.refused[0].reason.contains("implausible as a container's memory in bytes"));
    }
    assert!(read("long-csv-values-in-mib.csv").refused[0].reason.contains("733.9 bytes"));
}

// --- 3. numbers and gaps ---

#[test]
fn separators_and_gaps_alike_in_every_layout() {
    let dump = read("grafana-thousands-separators.csv");
    assert_eq!(dump.series.len(), 3);
    assert!(dump.errors.is_empty(), "{:?}", dump.errors.first());
    assert_eq!(label(&dump, 0, "series"), "api-7d9f8c6b5-x2k4p");
    assert_eq!(dump.series[0].samples[0].bytes, 313_767_870.212);
    let dump = read("grafana-decimal-comma.csv");
    assert_eq!((dump.series[0].samples.len(), dump.gaps), (93, 3));
    assert_eq!(dump.series[0].samples[0].bytes, 313_767_870.25);
    let dump = read("grafana-point-thousands-comma-decimal.csv");
    assert_eq!(dump.series[0].samples[0].bytes, 313_767_870.25);
    for (case, samples, gaps) in
        [("prometheus-plus-inf.json", 59, 1), ("prometheus-minus-inf-and-nan.json", 57, 3)]
    {
        let dump = read(case);
        assert!(dump.errors.is_empty(), "{case}");
        assert_eq!((dump.series[0].samples.len(), dump.gaps), (samples, gaps), "{case}");
    }
}

// --- 4. times ---

#[test]
fn epochs_by_magnitude_and_local_times_in_a_zone() {
    for case in ["nanosecond-timestamps.csv", "microsecond-timestamps.csv"] {
        let dump = read(case);
        let hours = span_hours(&dump, 0);
        assert!(hours > 1.5 && hours < 11.0, "{case}: {hours} h");
    }
    assert_eq!(read("nanosecond-timestamps.csv").series[0].samples[0].time, 1_777_000_000.0);
    let utc = read("grafana-local-time.csv");
    assert_eq!(utc.series[0].samples[0].time, 1_776_902_400.0 + 7200.0);
    let zone = jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(2));
    let options = ParseOptions { timezone: Some(zone), ..ParseOptions::default() };
    let local = read_with("grafana-local-time.csv", &options).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(local.series[0].samples[0].time, 1_776_902_400.0);
}

// --- 5. encodings ---

#[test]
fn utf16_and_tab_separated() {
    for case in ["excel-utf16le-tabs.txt", "long-csv-utf16be.csv"] {
        let dump = read(case);
        assert_eq!(dump.format, InputFormat::LongCsv, "{case}");
        assert_eq!(dump.series.len(), 1, "{case}");
        assert_eq!(label(&dump, 0, "pod"), "api-1");
        assert_eq!(dump.series[0].samples.len(), 48);
        assert_eq!(dump.series[0].samples[0].bytes, 314_572_800.0);
    }
}

// --- 6. export paths ---

#[test]
fn promtool_victoriametrics_openmetrics_and_scrapes() {
    for (case, format) in [
        ("promtool-tsdb-dump.txt", InputFormat::PromtoolDump),
        ("victoriametrics-export.jsonl", InputFormat::VictoriaMetricsJsonl),
    ] {
        let dump = read(case);
        assert_eq!(dump.format, format);
        assert_eq!(dump.series.len(), 3, "{case}");
        assert!(dump.series.iter().all(|s| s.samples.len() == 864), "{case}");
        let api = dump.series.iter().position(|s| s.labels["container"] == "api").unwrap_or(0);
        assert_eq!(label(&dump, api, "pod"), "api-7d9f8c6b5-x2k4p");
        assert!((peak(&dump, api) - 769_562_308.0).abs() < 1000.0, "{case}");
        assert!((span_hours(&dump, api) - 71.9).abs() < 0.1);
    }
    let dump = read("promtool-dump-openmetrics.txt");
    assert_eq!((dump.format, dump.series.len()), (InputFormat::OpenMetrics, 2));
    assert_eq!(dump.series[0].samples[0].time, 1_776_902_400.0);

    let dump = read("prometheus-text-scrapes.prom");
    assert_eq!(dump.format, InputFormat::PrometheusText);
    assert_eq!(dump.series.len(), 1);
    assert_eq!(dump.series[0].limit_bytes(), Some(512 << 20));
    assert_eq!((dump.left_out.pause_containers, dump.left_out.pod_cgroups), (1, 1));
    assert_eq!(dump.left_out.other_metrics, 1);
    let signals: Vec<&str> = dump.signals.iter().map(|s| s.metric.as_str()).collect();
    assert_eq!(
        signals,
        [
            "kube_pod_container_status_last_terminated_reason",
            "kube_pod_container_status_restarts_total"
        ]
    );
    assert_eq!(dump.signals[1].samples.last().map(|s| s.value), Some(1.0));

    let dump = read("victoriametrics-limits-and-ooms.jsonl");
    assert_eq!(dump.series[0].limit_bytes(), Some(768 << 20));
    assert_eq!(dump.signals[0].metric, "container_oom_events_total");
}

#[test]
fn an_instant_vector_is_one_sample_per_series() {
    let dump = read("prometheus-vector.json");
    assert_eq!(dump.format, InputFormat::PrometheusJson);
    assert_eq!(dump.series.len(), 3);
    assert!(dump.series.iter().all(|s| s.samples.len() == 1));
}

// --- 7. series integrity ---

#[test]
fn pseudo_containers_are_left_out_and_counted() {
    let dump = read("prometheus-pause-and-pod-cgroup.json");
    assert_eq!(dump.series.len(), 1);
    assert_eq!(label(&dump, 0, "container"), "api");
    assert_eq!((dump.left_out.pause_containers, dump.left_out.pod_cgroups), (1, 1));
}

#[test]
fn series_mixing_containers_are_refused() {
    let dump = read("two-replicas-no-pod-label.csv");
    assert!(dump.series.is_empty());
    assert!(dump.refused[0].reason.contains("interleaved"), "{}", dump.refused[0].reason);
    let dump = read("two-replicas-same-timestamps.csv");
    assert!(dump.series.is_empty());
    assert!(dump.refused[0].reason.contains("instants carry two or more different values"));
    assert!(dump.refused[0].reason.contains("`pod` label"));
}

// --- the CLI contract ---

fn analyze(args: &[&str]) -> common::Run {
    let mut full = vec!["analyze", "--fail-on", "never"];
    full.extend_from_slice(args);
    oom_lint(&full, &testdata("metrics/cases"), None)
}

#[test]
fn reports_name_the_layout_once_per_file() {
    let run = analyze(&["promtool-tsdb-dump.txt", "prometheus-plus-inf.json", "--format", "json"]);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let report = run.json();
    assert_eq!(report["inputs"][0]["layout"], "promtool-dump");
    assert_eq!(report["inputs"][1]["layout"], "prometheus-json");
    assert_eq!(report["inputs"][1]["gaps"], 1);
    let run = analyze(&["prometheus-pause-and-pod-cgroup.json"]);
    assert_eq!(run.stdout.matches("read as prometheus-json").count(), 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("left out 1 pause container (POD), 1 pod-level cgroup"),
        "{}",
        run.stdout
    );
}

#[test]
fn refusals_are_input_errors_and_nothing_is_sized() {
    let run = analyze(&["long-csv-values-in-mib.csv"]);
    assert_eq!(run.code, Some(2));
    assert!(!run.stdout.contains("-Xmx"), "{}", run.stdout);
    assert!(run.stdout.contains("long-csv: shop/api-7d9f8c6b5-x2k4p/api: a peak of 733.9 bytes"));
    let run = analyze(&["two-replicas-no-pod-label.csv"]);
    assert_eq!(run.code, Some(2));
    assert!(!run.stdout.contains("recommendation"), "{}", run.stdout);
}

#[test]
fn timezone_option_and_errors_with_one_line_number() {
    let run = analyze(&["grafana-local-time.csv", "--timezone", "+02:00", "--format", "json"]);
    let report = run.json();
    assert!(report["series"][0]["samples"] == 120, "{}", run.stdout);
    let run = analyze(&["grafana-local-time.csv", "--timezone", "Mars/Olympus"]);
    assert_eq!(run.code, Some(2));
    let status = r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#;
    let run = oom_lint(&["analyze", "-"], &testdata(""), Some(status));
    assert!(run.stdout.contains("error: <stdin>:1: Prometheus status `error`"), "{}", run.stdout);
    assert!(!run.stdout.contains("line 1"), "{}", run.stdout);
}

#[test]
fn check_metrics_reports_refused_series_instead_of_dropping_them() {
    let run = oom_lint(
        &["check", "manifests", "--metrics", "metrics/cases/two-replicas-no-pod-label.csv"],
        &testdata(""),
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert!(run.stdout.contains("interleaved"), "{}", run.stdout);
}

// --- absurd numbers and times (own/hostile/) ---

#[test]
fn values_above_a_pebibyte_are_broken_rows_not_spikes() {
    // A row of 1e308 (and 1e30) among 300 MiB: read as bytes it was a "SPIKE to 16 EiB".
    let run = analyze(&["own/hostile/huge-neg.csv", "--format", "json"]);
    let report = run.json();
    let series = &report["series"][0];
    assert_eq!(series["classification"], "steady", "{}", run.stdout);
    assert_eq!(series["peak_bytes"], 314_572_800.0, "{}", run.stdout);
    let run = analyze(&["own/hostile/huge-neg.csv"]);
    assert!(!run.stdout.contains("EiB"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "own/hostile/huge-neg.csv:51: memory value 1e308 bytes is above 1 PiB, more than any \
             machine's memory"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("huge-neg.csv:61: memory value 1e30 bytes"), "{}", run.stdout);
}

#[test]
fn times_outside_1990_to_2200_are_broken_rows() {
    // Timestamps 1e300 and -1e20 printed a 300-digit duration.
    let run = analyze(&["own/hostile/prom-huge-ts.json"]);
    assert!(run.stdout.contains("result[0]: time 1e300 is outside 1990..2200"), "{}", run.stdout);
    assert!(run.stdout.contains("result[0]: time -1e20 is outside 1990..2200"), "{}", run.stdout);
    assert!(run.stdout.lines().all(|l| l.chars().count() < 400), "{}", run.stdout);
    // Relative seconds from 0 are not dates of 1970: every row is a broken row, nothing sized.
    let run = analyze(&["own/hostile/epoch-1970.csv"]);
    assert!(
        run.stdout.contains("epoch-1970.csv:2: time 1970-01-01T00:00:00Z is outside 1990..2200"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("recommendation"), "{}", run.stdout);
}

#[test]
fn a_dump_in_kib_without_a_unit_is_noted_not_silently_sized_as_bytes() {
    let run = analyze(&["own/long-kib-bare-deploy.csv"]);
    assert!(run.stdout.contains("a peak of 2.1 MiB is small for a container"), "{}", run.stdout);
    assert!(run.stdout.contains("KiB (or kB)"), "{}", run.stdout);
}

#[test]
fn binary_files_are_refused_without_echoing_them() {
    for file in ["binary.bin", "binary-zip.csv", "nul-in-csv.csv"] {
        let path = format!("own/hostile/{file}");
        let run = analyze(&[&path]);
        assert_eq!(run.code, Some(2), "{file}: {}", run.stdout);
        assert!(
            run.stdout.contains(&format!("{file}: binary file (not a metrics dump)")),
            "{file}: {}",
            run.stdout
        );
        assert!(!run.stdout.contains('\u{1b}') && !run.stdout.contains('\0'), "{file}");
        assert!(run.stdout.len() < 400, "{file}: {}", run.stdout);
    }
}

#[test]
fn ragged_csv_rows_are_broken_rows_with_their_lines() {
    // A row short of the header's fields was counted as a gap, a longer one read silently.
    let run = analyze(&["own/hostile/ragged.csv"]);
    for expected in [
        "own/hostile/ragged.csv:3: broken CSV row: 3 fields where the header has 5",
        "own/hostile/ragged.csv:4: broken CSV row: 6 fields where the header has 5",
    ] {
        assert!(run.stdout.contains(expected), "{expected}\n{}", run.stdout);
    }
    assert!(!run.stdout.contains("gap"), "{}", run.stdout);
    // A trailing delimiter adds only an empty field: that row is read.
    assert!(run.stdout.contains("(3 samples)"), "{}", run.stdout);
    assert!(run.stdout.contains("2 input errors"), "{}", run.stdout);
}
