//! The README's verdict gallery: one dump per verdict in testdata/metrics/verdicts/ (from its
//! generate.py) gives that verdict through the real binary, and its chart in docs/verdicts/ is
//! the one `--plot` draws today (`UPDATE_DOCS=1 cargo test --test verdict_gallery` redraws
//! them).

mod common;

use common::{oom_lint, testdata, workspace_root};

/// (dump, verdict, limit reached, extra arguments).
const GALLERY: [(&str, &str, Option<bool>, &[&str]); 7] = [
    ("leak", "leak", Some(false), &[]),
    ("spike", "spike", Some(false), &[]),
    ("step", "step", Some(false), &["--events", "step-events.csv"]),
    ("sawtooth", "sawtooth", None, &[]),
    ("sawtooth-limit-reached", "sawtooth", Some(true), &[]),
    ("steady", "steady", Some(false), &[]),
    ("insufficient-data", "insufficient-data", Some(false), &[]),
];

#[test]
fn every_verdict_of_the_gallery_and_its_chart() {
    let dir = testdata("metrics/verdicts");
    let plots = std::env::temp_dir().join(format!("oom-lint-gallery-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&plots);
    let readme = std::fs::read_to_string(workspace_root().join("README.md"))
        .unwrap_or_else(|e| panic!("README.md: {e}"));
    for (name, verdict, limit_reached, extra) in GALLERY {
        let file = format!("{name}.csv");
        assert!(dir.join(&file).is_file(), "missing {file}");
        let out = plots.join(name);
        let out_text = out.display().to_string();
        let mut args = vec!["analyze", &file, "--format", "json", "--fail-on", "never"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--plot", &out_text]);
        let run = oom_lint(&args, &dir, None);
        assert_eq!(run.code, Some(0), "{name}: {}", run.stderr);
        let report = run.json();
        let series = &report["series"][0];
        assert_eq!(series["classification"], verdict, "{name}: {}", series["message"]);
        assert_eq!(series["limit_reached"].as_bool(), limit_reached, "{name}");
        if verdict == "insufficient-data" {
            assert!(series["recommendation"].is_null(), "{name} sized");
        } else {
            assert!(series["recommendation"]["limit"].is_string(), "{name} not sized");
        }
        if name == "step" {
            assert_eq!(series["event"], "deploy api 2.14.0");
        }
        let drawn = std::fs::read_to_string(out.join("01-series.svg"))
            .unwrap_or_else(|e| panic!("{name}: no chart: {e}"));
        let doc = workspace_root().join("docs/verdicts").join(format!("{name}.svg"));
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::create_dir_all(doc.parent().unwrap_or(&dir)).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(&doc, &drawn).unwrap_or_else(|e| panic!("{e}"));
        }
        let committed = std::fs::read_to_string(&doc)
            .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_DOCS=1 draws it)", doc.display()));
        assert!(committed == drawn, "{} is stale: UPDATE_DOCS=1 redraws it", doc.display());
        assert!(readme.contains(&format!("docs/verdicts/{name}.svg")), "README lacks {name}");
    }
}
