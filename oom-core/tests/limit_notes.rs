//! What the analysis says about the limit itself: a sample above it, and a limit given that
//! replaces the one in the data.

use oom_core::leak::{AnalysisOptions, analyze};
use oom_core::metrics::{Sample, Series};

const MIB: f64 = 1_048_576.0;

/// A day a minute apart around `level` MiB, with the limit `limit` MiB in the data.
fn flat(level: f64, limit: u64) -> Series {
    minutes(1440, limit, |i| level + f64::from(i % 7))
}

/// `count` samples a minute apart of `mib(i)` MiB, under `limit` MiB.
fn minutes(count: u32, limit: u64, mib: impl Fn(u32) -> f64) -> Series {
    let samples = (0..count)
        .map(|i| Sample { time: 1.7e9 + 60.0 * f64::from(i), bytes: mib(i) * MIB })
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

/// Two days a minute apart, flat at 300 MiB for the first, then `rate` MiB an hour.
fn leak(rate: f64, limit: u64) -> Series {
    minutes(2880, limit, |i| {
        let wobble = if i % 2 == 0 { 2.0 } else { -2.0 };
        300.0 + wobble + rate * (f64::from(i) / 60.0 - 24.0).max(0.0)
    })
}

#[test]
fn no_relief_below_a_limit_that_lasts() {
    // +2 MiB/h ends near 350 MiB: a 2 GiB limit lasts weeks, so no "relief" below it.
    let analysis = analyze(&leak(2.0, 2048), &[], &AnalysisOptions::default());
    assert_eq!(analysis.classification.as_str(), "leak");
    assert_eq!(analysis.relief_limit_bytes, None);
    assert!(
        analysis.notes.iter().any(|n| n.contains("no relief is needed before the fix")),
        "{:?}",
        analysis.notes
    );
}

#[test]
fn relief_above_a_limit_about_to_be_reached() {
    // +10 MiB/h ends near 540 MiB against a 600 MiB limit: reached within the day.
    let analysis = analyze(&leak(10.0, 600), &[], &AnalysisOptions::default());
    assert_eq!(analysis.classification.as_str(), "leak");
    let relief = analysis.relief_limit_bytes.unwrap_or(0);
    assert!(relief > 600 << 20, "relief {relief}");
    assert!(relief as f64 > analysis.peak_bytes + 24.0 * 10.0 * MIB);
}

/// A day a minute apart at 300 MiB (a small wobble) with 40 minutes at `top(k)` MiB from hour
/// 12 (`k` counts the minutes into the excursion), under `limit` MiB in the data.
fn excursion(limit: u64, top: impl Fn(u32) -> f64) -> Series {
    minutes(1440, limit, |i| {
        if (720..760).contains(&i) { top(i - 720) } else { 300.0 + f64::from(i % 5) }
    })
}

#[test]
fn a_fall_from_above_the_limit_in_force_is_no_oom_kill() {
    // 700 MiB under a 512 MiB limit: that limit was not in force, so the fall is no kill.
    let analysis = analyze(&excursion(512, |_| 700.0), &[], &AnalysisOptions::default());
    assert_eq!(analysis.oom_restarts, 0, "{analysis:#?}");
    assert_eq!(analysis.restarts, 0);
    assert_eq!(analysis.classification.as_str(), "spike", "{}", analysis.message);
    assert!(analysis.notes.iter().any(|n| n.contains("above the limit in force")));
    // Past the limit and then back at it just before the fall: still no kill at it.
    let analysis = analyze(
        &excursion(512, |k| if k < 38 { 700.0 } else { 511.0 }),
        &[],
        &AnalysisOptions::default(),
    );
    assert_eq!(analysis.oom_restarts, 0, "{analysis:#?}");
    // Held at the limit, then the fall: an OOM kill, as before.
    let analysis = analyze(
        &excursion(512, |k| 400.0 + 3.0 * f64::from(k).min(37.0)),
        &[],
        &AnalysisOptions::default(),
    );
    assert_eq!(analysis.oom_restarts, 1, "{analysis:#?}");
}
