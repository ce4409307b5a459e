//! `--ca-file` against a real Prometheus served over HTTPS (`--web.config.file` with
//! `tls_server_config`) with the test certificate of `testdata/tls/` (valid 2000–2100, signed
//! by a test CA whose key was thrown away; see its README).
//!
//! Needs `prometheus` and `promtool` on the PATH (Debian: `apt-get install prometheus`); without
//! them the test fails, saying how to install them.

mod common;

use std::fmt::Write as _;

use common::prometheus::{Prometheus, TempDir, now};
use common::{oom_lint, testdata};

/// A day of one steady container at one-minute resolution, with its limit.
fn openmetrics(now: i64) -> String {
    let end = now / 60 * 60 - 600;
    let start = end - 86_400;
    let mut out = String::from("# TYPE container_memory_working_set_bytes gauge\n");
    for t in (start..=end).step_by(60) {
        let _ = writeln!(
            out,
            "container_memory_working_set_bytes{{namespace=\"shop\",pod=\"web-1\",container=\"web\"}} \
             {} {t}",
            300 * 1_048_576 + (t % 7) * 1_048_576
        );
    }
    out.push_str("# TYPE container_spec_memory_limit_bytes gauge\n");
    for t in (start..=end).step_by(300) {
        let _ = writeln!(
            out,
            "container_spec_memory_limit_bytes{{namespace=\"shop\",pod=\"web-1\",container=\"web\"}} \
             1073741824 {t}"
        );
    }
    out.push_str("# EOF\n");
    out
}

#[test]
fn https_with_a_private_ca_needs_ca_file() {
    let tls = testdata("tls");
    let server = Prometheus::start_tls(&openmetrics(now()), &tls);
    assert!(server.url.starts_with("https://"));
    let dir = TempDir::new("tls");
    let ca = tls.join("ca.pem").display().to_string();

    let trusted = oom_lint(
        &[
            "analyze",
            "--prometheus",
            &server.url,
            "--ca-file",
            &ca,
            "--since",
            "2d",
            "--format",
            "json",
        ],
        &dir.0,
        None,
    );
    assert_eq!(trusted.code, Some(0), "{}\n{}", trusted.stdout, trusted.stderr);
    let report = trusted.json();
    assert_eq!(report["series"][0]["labels"]["container"], "web", "{report:#}");
    assert_eq!(report["series"][0]["limit_bytes"], 1u64 << 30);

    // The bundled web roots do not know the test CA: refused, with the reason and the way out.
    let untrusted =
        oom_lint(&["analyze", "--prometheus", &server.url, "--since", "2d"], &dir.0, None);
    assert_eq!(untrusted.code, Some(2), "{}\n{}", untrusted.stdout, untrusted.stderr);
    assert!(untrusted.stderr.contains(&server.url), "{}", untrusted.stderr);
    assert!(untrusted.stderr.contains("certificate"), "{}", untrusted.stderr);
    assert!(untrusted.stderr.contains("--ca-file"), "{}", untrusted.stderr);

    // A file without a certificate is a usage error before any request.
    let key = tls.join("server.key").display().to_string();
    let no_ca =
        oom_lint(&["analyze", "--prometheus", &server.url, "--ca-file", &key], &dir.0, None);
    assert_eq!(no_ca.code, Some(2), "{}", no_ca.stderr);
    assert!(no_ca.stderr.contains("no PEM certificate"), "{}", no_ca.stderr);
}
