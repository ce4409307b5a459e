//! Helpers shared by the CLI tests: run the real binary, read fixtures.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub mod prometheus;

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

pub fn testdata(relative: &str) -> PathBuf {
    workspace_root().join("testdata").join(relative)
}

pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: Option<i32>,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", self.stdout, self.stderr))
    }
}

pub fn oom_lint(args: &[&str], dir: &Path, stdin: Option<&str>) -> Run {
    let mut command = Command::cargo_bin("oom-lint").unwrap_or_else(|e| panic!("{e}"));
    command.env("NO_COLOR", "1").current_dir(dir).args(args);
    if let Some(input) = stdin {
        command.write_stdin(input);
    }
    let output = command.output().unwrap_or_else(|e| panic!("{e}"));
    Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code(),
    }
}

/// `(line, rule)` pairs declared by `# expect: rule-a, rule-b` comments in a fixture, or for
/// JSON (which has no comments) by `line: rule` lines in a sibling `<file>.expect`.
pub fn expectations(path: &Path) -> BTreeSet<(u64, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut expected = BTreeSet::new();
    if path.extension().is_some_and(|e| e == "json") {
        let sidecar = format!("{}.expect", path.display());
        let listed = std::fs::read_to_string(&sidecar).unwrap_or_default();
        for line in listed.lines().filter(|l| !l.starts_with('#')) {
            if let Some((number, rule)) = line.split_once(':') {
                let number = number.trim().parse().unwrap_or_else(|e| panic!("{sidecar}: {e}"));
                expected.insert((number, rule.trim().to_owned()));
            }
        }
        return expected;
    }
    for (index, line) in text.lines().enumerate() {
        if let Some((_, rules)) = line.split_once("# expect:") {
            for rule in rules.split(',').map(str::trim).filter(|r| !r.is_empty()) {
                expected.insert((index as u64 + 1, rule.to_owned()));
            }
        }
    }
    expected
}

/// `(line, rule)` pairs of the findings in a JSON report, for one file.
pub fn actual(report: &serde_json::Value, file_suffix: &str) -> BTreeSet<(u64, String)> {
    report["findings"]
        .as_array()
        .map(|findings| {
            findings
                .iter()
                .filter(|f| f["file"].as_str().is_some_and(|file| file.ends_with(file_suffix)))
                .map(|f| {
                    (f["line"].as_u64().unwrap_or(0), f["rule"].as_str().unwrap_or("").to_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}
