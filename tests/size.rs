//! CLI contract of `oom-lint size`: the real binary, its output and exit codes.

use assert_cmd::Command;

fn oom_lint() -> Command {
    let mut command = Command::cargo_bin("oom-lint").unwrap_or_else(|e| panic!("{e}"));
    command.env("NO_COLOR", "1");
    command
}

fn run(args: &[&str]) -> (String, String, Option<i32>) {
    let output = oom_lint().args(args).output().unwrap_or_else(|e| panic!("{e}"));
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        output.status.code(),
    )
}

#[test]
fn human_output_for_the_readme_example() {
    let (stdout, stderr, code) = run(&["size", "--peak", "400Mi", "--average", "256Mi"]);
    assert_eq!(code, Some(0), "{stderr}");
    insta::assert_snapshot!(stdout);
}

#[test]
fn json_output_has_the_documented_fields() {
    let (stdout, stderr, code) =
        run(&["size", "--peak", "400Mi", "--average", "256Mi", "--format", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json["request"], "256Mi");
    assert_eq!(json["limit"], "512Mi");
    assert_eq!(json["request_bytes"], 268_435_456);
    assert_eq!(json["limit_bytes"], 536_870_912);
    assert_eq!(json["xmx"], "-Xmx384m");
    assert_eq!(json["xmx_bytes"], 402_653_184);
    assert_eq!(json["alert_bytes"], 429_496_729);
    insta::assert_snapshot!(stdout);
}

#[test]
fn custom_ratios() {
    let (stdout, _, code) = run(&[
        "size",
        "--peak",
        "1Gi",
        "--average",
        "300M",
        "--headroom",
        "1.5",
        "--heap-ratio",
        "0.6",
        "--alert-ratio",
        "0.9",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0));
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json["limit"], "1536Mi");
    assert_eq!(json["xmx"], "-Xmx921m");
    assert!(json["alert_promql"].as_str().is_some_and(|q| q.ends_with("> 0.90")));
}

#[test]
fn bad_quantity_is_a_usage_error_with_a_reason() {
    let (stdout, stderr, code) = run(&["size", "--peak", "400Gb", "--average", "256Mi"]);
    assert_eq!(code, Some(2));
    assert!(stdout.is_empty());
    assert!(stderr.contains("--peak"), "{stderr}");
    assert!(stderr.contains("did you mean `Gi`"), "{stderr}");
}

#[test]
fn inconsistent_numbers_are_rejected() {
    let (_, stderr, code) = run(&["size", "--peak", "100Mi", "--average", "256Mi"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("above the peak"), "{stderr}");

    let (_, stderr, code) = run(&["size", "--peak", "-1Gi", "--average", "256Mi"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("negative"), "{stderr}");

    let (_, stderr, code) =
        run(&["size", "--peak", "1Gi", "--average", "256Mi", "--headroom", "3"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("headroom"), "{stderr}");
}

#[test]
fn missing_arguments_exit_two() {
    let (_, stderr, code) = run(&["size", "--peak", "1Gi"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--average"), "{stderr}");
}

#[test]
fn help_and_version() {
    let (stdout, _, code) = run(&["--help"]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("Examples:"));
    let (stdout, _, code) = run(&["--version"]);
    assert_eq!(code, Some(0));
    assert!(stdout.starts_with("oom-lint "));
}

#[test]
fn unit_typos_are_refused_or_warned_and_huge_values_exact() {
    let (_, stderr, code) = run(&["size", "--peak", "512m", "--average", "256Mi"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("`512m` uses `m` (milli): that is 0.512 bytes"), "{stderr}");
    assert!(stderr.contains("512Mi"), "{stderr}");
    let (_, stderr, code) = run(&["size", "--peak", "1e3", "--average", "1e3"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("1000 bytes, less than 1Mi"), "{stderr}");
    let (_, stderr, code) = run(&["size", "--peak", "400Mi", "--average", "512m"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--average: `512m` uses `m` (milli)"), "{stderr}");
    let (_, stderr, code) = run(&["size", "--peak", "8Ei", "--average", "1Gi"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("9223372036854775808 bytes"), "{stderr}");
    let (stdout, _, _) = run(&["size", "--peak", "6500Mi", "--average", "1Gi"]);
    assert!(stdout.contains("-Xmx6g"), "{stdout}");
}

/// Byte-scale figures are refused, peak and average alike, naming the value; messages carry
/// no internal diagnostic code.
#[test]
fn byte_scale_figures_are_refused_naming_the_value() {
    for (peak, average, named) in [
        ("1Ki", "1", "--peak: `1Ki` is 1024 bytes"),
        ("400Mi", "1", "--average: `1` is 1 bytes"),
        ("400Mi", "1000Ki", "--average: `1000Ki` is 1024000 bytes"),
        ("1048575", "1Mi", "--peak: `1048575` is 1048575 bytes"),
    ] {
        let (stdout, stderr, code) = run(&["size", "--peak", peak, "--average", average]);
        assert_eq!(code, Some(2), "{peak} {average}: {stdout}");
        assert!(stderr.contains(named), "{stderr}");
        assert!(!stderr.contains("oom_lint::"), "no internal code: {stderr}");
    }
    let (_, stderr, code) = run(&["size", "--peak", "100Mi", "--average", "256Mi"]);
    assert_eq!(code, Some(2));
    assert!(!stderr.contains("oom_lint::"), "no internal code: {stderr}");
}

/// From the smallest accepted peak up, the JVM heap stays below the limit and the alert is
/// a real figure.
#[test]
fn the_heap_is_never_above_the_limit() {
    for peak in ["1Mi", "1025Ki", "2Mi", "3Mi", "7Mi", "10Mi", "33Mi", "100Mi", "1000Mi", "3Gi"] {
        let (stdout, stderr, code) =
            run(&["size", "--peak", peak, "--average", "1Mi", "--format", "json"]);
        assert_eq!(code, Some(0), "{peak}: {stderr}");
        let json: serde_json::Value =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}"));
        let limit = json["limit_bytes"].as_u64().unwrap_or(0);
        let heap = json["xmx_bytes"].as_u64().unwrap_or(u64::MAX);
        let alert = json["alert_bytes"].as_u64().unwrap_or(0);
        assert!(heap < limit, "{peak}: heap {heap} above the limit {limit}");
        assert!(alert >= 1 << 20 && alert < limit, "{peak}: alert {alert}");
    }
}
