//! Hostile and broken input: each case ends in a clear error naming the file (and line where
//! there is one), exit code 2, no panic — and the other inputs are still linted.

mod common;

use std::path::{Path, PathBuf};

use common::{oom_lint, testdata};

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("oom-lint-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(
        testdata("manifests/rules/memory-limit-missing/fires.yaml"),
        dir.join("good-input.yaml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    dir
}

/// Runs `check` on the directory and returns the error about `file`.
fn check_reports(dir: &Path, args: &[&str], file: &str) -> serde_json::Value {
    let mut full = vec!["check", "--format", "json"];
    full.extend_from_slice(args);
    let run = oom_lint(&full, dir, None);
    assert_eq!(run.code, Some(2), "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let report = run.json();
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    assert!(
        findings.iter().any(|f| f["file"] == "good-input.yaml"),
        "the other input was not linted"
    );
    let errors = report["errors"].as_array().cloned().unwrap_or_default();
    errors
        .into_iter()
        .find(|e| e["file"].as_str().is_some_and(|f| f.ends_with(file)))
        .unwrap_or_else(|| panic!("no error for {file}: {}", report["errors"]))
}

#[test]
fn billion_laughs() {
    let dir = workdir("bomb");
    std::fs::copy(testdata("manifests/broken/billion-laughs.yaml"), dir.join("bomb.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let error = check_reports(&dir, &["."], "bomb.yaml");
    assert!(error["message"].as_str().is_some_and(|m| m.contains("billion laughs")));
    assert!(error["line"].as_u64().is_some());
}

#[test]
fn ten_thousand_levels_of_nesting() {
    let dir = workdir("deep");
    let block: String = (0..10_000).map(|depth| format!("{}k:\n", " ".repeat(depth))).collect();
    std::fs::write(dir.join("deep.yaml"), block).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.join("deep-flow.yaml"),
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for file in ["deep.yaml", "deep-flow.yaml"] {
        let error = check_reports(&dir, &["."], file);
        assert!(
            error["message"]
                .as_str()
                .is_some_and(|m| m.contains("nesting") || m.contains("recursion"))
        );
        assert!(error["line"].as_u64().is_some());
    }
}

#[test]
fn a_200_mb_single_line() {
    let dir = workdir("long-line");
    let mut file =
        std::fs::File::create(dir.join("one-line.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..200 {
        std::io::Write::write_all(&mut file, &chunk).unwrap_or_else(|e| panic!("{e}"));
    }
    drop(file);
    let error = check_reports(&dir, &["."], "one-line.yaml");
    assert_eq!(error["line"], 1);
    assert!(error["message"].as_str().is_some_and(|m| m.contains("200 MiB long")), "{error}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn binary_file_and_invalid_utf8() {
    let dir = workdir("binary");
    std::fs::copy(testdata("manifests/broken/binary.yaml"), dir.join("binary.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(testdata("manifests/broken/latin1.yaml"), dir.join("latin1.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        check_reports(&dir, &["."], "binary.yaml")["message"]
            .as_str()
            .is_some_and(|m| m.contains("binary"))
    );
    let latin1 = check_reports(&dir, &["."], "latin1.yaml");
    assert_eq!(latin1["line"], 4);
}

#[cfg(unix)]
#[test]
fn directory_symlink_loop() {
    let dir = workdir("loop");
    std::fs::create_dir_all(dir.join("sub")).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(&dir, dir.join("sub/back")).unwrap_or_else(|e| panic!("{e}"));
    let error = check_reports(&dir, &["."], "sub/back");
    assert!(error["message"].as_str().is_some_and(|m| m.contains("loop")));
}

#[cfg(unix)]
#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = workdir("unreadable");
    let path = dir.join("secret.yaml");
    std::fs::write(&path, "kind: Pod\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000))
        .unwrap_or_else(|e| panic!("{e}"));
    if std::fs::read(&path).is_ok() {
        eprintln!("skipping: this user (root?) can read a mode-000 file");
        return;
    }
    let error = check_reports(&dir, &["."], "secret.yaml");
    assert!(error["message"].as_str().is_some_and(|m| m.contains("cannot read")));
}

#[cfg(unix)]
#[test]
fn fifo_and_device_paths() {
    let dir = workdir("fifo");
    let fifo = dir.join("pipe.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipping: mkfifo unavailable");
        return;
    }
    // Walked: the FIFO is reported, never opened (which would block).
    let error = check_reports(&dir, &["."], "pipe.yaml");
    assert!(error["message"].as_str().is_some_and(|m| m.contains("not a regular file")));
    // Named explicitly, and a device.
    let error = check_reports(&dir, &["pipe.yaml", "/dev/null", "good-input.yaml"], "pipe.yaml");
    assert!(error["message"].as_str().is_some_and(|m| m.contains("not a regular file")));
}

#[test]
fn a_million_broken_csv_rows() {
    let dir = workdir("csv");
    let mut text = String::from("timestamp,namespace,pod,container,value\n");
    for i in 0..1_000_000u64 {
        text.push_str(&format!("{},shop,api-1,api,not-a-number\n", 1_777_000_000 + i));
    }
    for i in 0..100u64 {
        text.push_str(&format!("{},shop,api-1,api,{}\n", 1_778_000_000 + 60 * i, 300_000_000 + i));
    }
    std::fs::write(dir.join("broken.csv"), text).unwrap_or_else(|e| panic!("{e}"));
    let run = oom_lint(&["analyze", "--format", "json", "broken.csv"], &dir, None);
    assert_eq!(run.code, Some(2));
    let report = run.json();
    let errors = report["errors"].as_array().cloned().unwrap_or_default();
    // The first rows are listed with their lines; the rest are counted, not listed.
    assert!(errors.len() <= 1001, "{}", errors.len());
    assert_eq!(errors[0]["line"], 2);
    assert!(
        errors
            .iter()
            .any(|e| e["message"].as_str().is_some_and(|m| m.contains("999000 more broken rows")))
    );
    assert_eq!(report["series"][0]["samples"], 100);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_json_dump_with_a_truncated_end() {
    let run = oom_lint(
        &["analyze", "--format", "json", "metrics/truncated.json", "metrics/shop-memory.csv"],
        &testdata(""),
        None,
    );
    assert_eq!(run.code, Some(2));
    let report = run.json();
    assert_eq!(report["errors"][0]["file"], "metrics/truncated.json");
    assert_eq!(report["errors"][0]["line"], 2);
    assert_eq!(report["series"].as_array().map(Vec::len), Some(2));
}
