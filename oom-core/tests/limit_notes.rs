//! What the analysis says about the limit itself: a sample above it, and a limit given that
//! replaces the one in the data.

use oom_core::leak::{AnalysisOptions, analyze};
use oom_core::metrics::{Sample, Series};

const MIB: f64 = 1_048_576.0;

/// A day a minute apart around `level` MiB, with the limit `limit` MiB in the data.
fn flat(level: f64, limit: u64) -> Series {
    let samples = (0..1440)
        .map(|i| Sample {
            time: 1.7e9 + 60.0 * f64::from(i),
            bytes: (level + f64::from(i % 7)) * MIB,
        })
        .collect();
    Series {
        labels: Default::default(),
        samples,
        limits: vec![(1.7e9, limit << 20)],
        pod_changes: vec![],
    }
}

#[test]
fn samples_above_the_limit_are_flagged_not_taken_as_clipped() {
    let analysis = analyze(&flat(600.0, 512), &[], &AnalysisOptions::default());
    let note = analysis.notes.iter().find(|n| n.contains("above the limit in force"));
    assert!(note.is_some_and(|n| n.starts_with("1440 samples are")), "{:?}", analysis.notes);
    assert!(!analysis.peak_clipped);
    assert!(!analysis.notes.iter().any(|n| n.contains("true peak is unknown")));
    // The sizing still covers what was seen.
    let limit = analysis.recommendation.map_or(0, |r| r.limit_bytes);
    assert!(limit as f64 >= analysis.peak_bytes);
}

#[test]
fn a_series_below_its_limit_has_no_such_note() {
    let analysis = analyze(&flat(300.0, 512), &[], &AnalysisOptions::default());
    assert!(!analysis.notes.iter().any(|n| n.contains("above the limit")), "{:?}", analysis.notes);
}

#[test]
fn a_given_limit_that_differs_from_the_data_is_said() {
    let options = AnalysisOptions { limit_bytes: Some(1 << 30), ..AnalysisOptions::default() };
    let analysis = analyze(&flat(300.0, 512), &[], &options);
    assert!(
        analysis.notes.iter().any(|n| n
            == "the limit given (1024 MiB) replaces the limit in the data (512 MiB) throughout"),
        "{:?}",
        analysis.notes
    );
    assert_eq!(analysis.limit_bytes, Some(1 << 30));
    // The same limit as the data's: nothing to say.
    let same = AnalysisOptions { limit_bytes: Some(512 << 20), ..AnalysisOptions::default() };
    let analysis = analyze(&flat(300.0, 512), &[], &same);
    assert!(!analysis.notes.iter().any(|n| n.contains("limit given")), "{:?}", analysis.notes);
}
