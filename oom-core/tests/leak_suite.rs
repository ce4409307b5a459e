//! The labelled suite: every kind of series, several seeds, scored against the truth.

mod common;

use common::synthetic::{ALL_KINDS, HOUR, Kind, generate, kind_name};
use oom_core::leak::{AnalysisOptions, Classification, analyze};

const SEEDS: u64 = 5;
/// One sample every 5 minutes, every minute and every 15 seconds over three days.
const RESOLUTIONS: [usize; 3] = [864, 4320, 17_280];

#[test]
fn labelled_suite() {
    let mut total = 0;
    let mut correct = 0;
    let mut false_leaks = Vec::new();
    let mut failures = Vec::new();
    for (kind, samples) in ALL_KINDS.iter().flat_map(|k| RESOLUTIONS.map(|r| (*k, r))) {
        for seed in 0..SEEDS {
            let generated = generate(kind, seed + samples as u64, samples);
            let analysis =
                analyze(&generated.series, &generated.events, &AnalysisOptions::default());
            let truth = &generated.truth;
            total += 1;
            let got = analysis.classification.as_str();
            if got == truth.classification {
                correct += 1;
            } else {
                failures.push(format!(
                    "{} seed {seed} ({samples} samples): {got} (want {})",
                    kind_name(kind),
                    truth.classification
                ));
            }
            if truth.classification != "leak" && analysis.classification == Classification::Leak {
                false_leaks.push(format!("{} seed {seed}", kind_name(kind)));
            }
            if truth.classification == "leak" && analysis.classification == Classification::Leak {
                if let Some(slope) = truth.slope_bytes_per_hour {
                    let error = (analysis.slope_bytes_per_hour - slope).abs() / slope;
                    if error > 0.10 {
                        failures.push(format!(
                            "{} seed {seed}: slope off by {:.1}%",
                            kind_name(kind),
                            error * 100.0
                        ));
                    }
                    let (low, high) = analysis.slope_ci;
                    assert!(
                        low <= analysis.slope_bytes_per_hour
                            && analysis.slope_bytes_per_hour <= high
                    );
                }
                if let Some(onset) = truth.onset {
                    match analysis.leak_start {
                        Some(found) if (found - onset).abs() <= HOUR => {}
                        other => failures.push(format!(
                            "{} seed {seed}: onset {other:?}, want {onset}",
                            kind_name(kind)
                        )),
                    }
                }
                if let Some(event) = truth.event {
                    let named = analysis.event.as_ref().map(|e| e.label.as_str());
                    if named != Some(event) {
                        failures.push(format!("{} seed {seed}: event {named:?}", kind_name(kind)));
                    }
                }
            }
            if kind == Kind::LeakWithRestarts {
                assert!(analysis.restarts >= 2, "seed {seed}: {} restarts", analysis.restarts);
                assert!(analysis.restart_period_hours.is_some_and(|p| (15.0..30.0).contains(&p)));
            }
        }
    }
    let accuracy = correct as f64 / total as f64;
    eprintln!("accuracy {correct}/{total}; failures: {failures:#?}");
    assert!(false_leaks.is_empty(), "steady or spike series called a leak: {false_leaks:?}");
    assert!(accuracy >= 0.95, "accuracy {accuracy}: {failures:#?}");
    let non_classification: Vec<_> = failures.iter().filter(|f| !f.contains("want ")).collect();
    assert!(non_classification.is_empty(), "{non_classification:#?}");
}

#[test]
fn time_to_oom_and_recommendation_for_a_leak() {
    let generated = generate(Kind::LeakAfterDeploy, 1, 4320);
    let analysis = analyze(&generated.series, &generated.events, &AnalysisOptions::default());
    assert_eq!(analysis.classification, Classification::Leak);
    let hours = analysis.time_to_oom_hours.unwrap_or(f64::NAN);
    // Limit 2Gi; the floor ends near 400 + 8·~43 MiB: about 150 h to go.
    assert!((100.0..250.0).contains(&hours), "{hours}");
    let (soonest, latest) = analysis.time_to_oom_interval.unwrap_or((f64::NAN, None));
    assert!(soonest <= hours && latest.is_none_or(|l| l >= hours));
    // Sized from before the leak: about 400 MiB of use → a 512Mi-ish limit, not the leak's peak.
    let rec = analysis.recommendation.clone().unwrap_or_else(|| panic!("no recommendation"));
    assert!(rec.limit_bytes <= 640 << 20, "{}", rec.limit);
    // The 2Gi limit lasts about six days: no relief below it, and the report says so.
    assert_eq!(analysis.relief_limit_bytes, None);
    assert!(analysis.notes.iter().any(|n| n.contains("no relief is needed before the fix")));
}

#[test]
fn deterministic() {
    let generated = generate(Kind::LeakWithGc, 3, 4320);
    let a = analyze(&generated.series, &generated.events, &AnalysisOptions::default());
    let b = analyze(&generated.series, &generated.events, &AnalysisOptions::default());
    assert_eq!(a, b);
}

/// `hours` at 5-minute samples of `bytes(hour)`, with a small deterministic wobble.
fn series_of(hours: f64, bytes: impl Fn(f64) -> f64) -> oom_core::metrics::Series {
    let samples = (0..(hours * 12.0) as usize)
        .map(|i| {
            let h = i as f64 / 12.0;
            let wobble = [0.0, 1.5, -1.0, 2.0, -2.5, 0.5][i % 6] * MIB;
            oom_core::metrics::Sample { time: 1.7e9 + h * HOUR, bytes: bytes(h) + wobble }
        })
        .collect();
    oom_core::metrics::Series {
        labels: Default::default(),
        samples,
        limits: vec![],
        pod_changes: vec![],
    }
}

const MIB: f64 = 1_048_576.0;

#[test]
fn under_a_daily_cycle_in_less_than_a_day_a_shift_is_a_step_and_a_ramp_is_no_step() {
    let cycle = |h: f64| 25.0 * MIB * (std::f64::consts::TAU * h / 24.0 + 2.8).sin();
    // A +60 MiB shift at hour 5 between the cycle's fall and its rise: a step, not a leak.
    let shift =
        series_of(17.0, |h| 300.0 * MIB + if h >= 5.0 { 60.0 * MIB } else { 0.0 } + cycle(h));
    let analysis = analyze(&shift, &[], &AnalysisOptions::default());
    assert_eq!(analysis.classification, Classification::Step, "{}", analysis.message);
    assert!(analysis.level_shift.is_some_and(|at| (at - 1.7e9 - 5.0 * HOUR).abs() < HOUR));
    // The same cycle with a leak of 6 MiB/h from hour 5 instead: growth that no shift explains,
    // so never a step (a leak, or undecided in less than a day).
    let ramp = series_of(17.0, |h| 300.0 * MIB + 6.0 * MIB * (h - 5.0).max(0.0) + cycle(h));
    let analysis = analyze(&ramp, &[], &AnalysisOptions::default());
    assert_ne!(analysis.classification, Classification::Step, "{}", analysis.message);
    assert_eq!(analysis.level_shift, None);
}
