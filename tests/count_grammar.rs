//! Counts in human output agree with their number in every command: `1 sample`, `1 container
//! fixed in 1 file`, never `1 samples` or `1 files`.

mod common;

use common::{oom_lint, testdata};

/// Plural nouns a report counts; none may follow a lone `1`.
const PLURALS: [&str; 22] = [
    "samples",
    "containers",
    "files",
    "restarts",
    "drops",
    "times",
    "kills",
    "errors",
    "incidents",
    "warnings",
    "notes",
    "objects",
    "specs",
    "gaps",
    "items",
    "values",
    "timestamps",
    "fields",
    "requests",
    "points",
    "bytes",
    "cgroups",
];

/// Every `1 <plural>` in `text` (a `1` that is a whole number, not the end of `21` or `1.5`).
fn wrong_plurals(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .windows(2)
        .filter(|pair| {
            let number = pair[0].trim_start_matches(['(', '[', ',', ';']);
            let noun = pair[1].trim_end_matches([',', ';', ':', ')', '.']);
            number == "1" && PLURALS.contains(&noun)
        })
        .map(|pair| pair.join(" "))
        .collect()
}

#[test]
fn the_checker_finds_what_it_looks_for() {
    assert_eq!(wrong_plurals("x (1 samples); 21 files, 1 file"), ["(1 samples);"]);
}

#[test]
fn fix_of_one_container_in_one_file() {
    let dir = std::env::temp_dir().join(format!("oom-lint-grammar-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    for file in ["shop.yaml", "usage.csv"] {
        std::fs::copy(testdata(&format!("usage/fix-comma-in-value/{file}")), dir.join(file))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let run = oom_lint(&["fix", "shop.yaml", "--metrics", "usage.csv"], &dir, None);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("1 container fixed in 1 file\n"), "{}", run.stdout);
    assert_eq!(wrong_plurals(&run.stdout), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn analyze_of_one_sample_series() {
    let run = oom_lint(&["analyze", "metrics/cases/prometheus-vector.json"], &testdata(""), None);
    assert!(run.stdout.contains("(1 sample)"), "{}", run.stdout);
    assert_eq!(wrong_plurals(&run.stdout), Vec::<String>::new(), "{}", run.stdout);
}

#[test]
fn check_and_diagnose_of_single_things() {
    let runs = [
        oom_lint(&["check", "usage/fix-comma-in-value/shop.yaml"], &testdata(""), None),
        oom_lint(&["diagnose", "incidents/limit-too-low-at-startup"], &testdata(""), None),
        oom_lint(&["diagnose", "incidents/gc-sawtooth-one-restart"], &testdata(""), None),
        oom_lint(&["analyze", "metrics/cases/short-history-90min.json"], &testdata(""), None),
    ];
    for run in runs {
        assert_eq!(wrong_plurals(&run.stdout), Vec::<String>::new(), "{}", run.stdout);
        assert_eq!(wrong_plurals(&run.stderr), Vec::<String>::new(), "{}", run.stderr);
    }
}
