//! What to set for a leaking container: sizing from the data before the leak, and a temporary
//! relief limit.

use crate::leak::{Analysis, AnalysisOptions, Bucket};
use crate::metrics::Sample;
use crate::sizing::{friendly_ceil, recommend};

/// The largest relief limit, in bytes: below `u64::MAX` (1.8e19) with room for
/// [`friendly_ceil`] to round up without overflowing.
const MAX_RELIEF_BYTES: f64 = 9.0e18;

/// Replaces the recommendation with one from before the onset, and sets the relief limit.
pub(super) fn leak_recommendation(
    analysis: &mut Analysis,
    samples: &[Sample],
    buckets: &[Bucket],
    growing: &[(usize, usize, usize)],
    options: &AnalysisOptions,
) {
    // Sizing comes from before the leak: samples before the onset, else the first tenth of the
    // first growing segment (right after a start, before much has leaked).
    let (first_start, first_end, onset) = growing[0];
    let cutoff = if onset > first_start {
        buckets[onset].time
    } else {
        let span = buckets[first_end - 1].time - buckets[first_start].time;
        buckets[first_start].time + options.thresholds.pre_leak_share * span
    };
    let from = buckets[first_start].time;
    let before: Vec<f64> =
        samples.iter().filter(|s| s.time >= from && s.time <= cutoff).map(|s| s.bytes).collect();
    if let (Some(peak), false) = (before.iter().copied().reduce(f64::max), before.is_empty()) {
        let average = before.iter().sum::<f64>() / before.len() as f64;
        analysis.recommendation = recommend(peak, average, &options.policy).ok();
    }
    // Relief: what the worst-case trend reaches in 24 hours, with the usual headroom.
    let day_ahead = analysis.peak_bytes
        + analysis.slope_ci.1.max(analysis.slope_bytes_per_hour)
            * options.thresholds.relief_horizon_hours;
    let relief = friendly_ceil((day_ahead * options.policy.headroom).min(MAX_RELIEF_BYTES) as u64);
    // A limit in force that already lasts the horizon (at the interval's soonest) or is above
    // the relief needs no relief: a lower "relief" would bring the next kill closer.
    let soonest = analysis.time_to_oom_interval.map(|(soonest, _)| soonest);
    let lasts = soonest.is_some_and(|h| h >= options.thresholds.relief_horizon_hours);
    match analysis.limit_bytes {
        Some(limit) if lasts || limit >= relief => {
            analysis.relief_limit_bytes = None;
            analysis.notes.push(format!(
                "the limit in force lasts {} at the worst-case rate: no relief is needed before \
                 the fix",
                soonest.map_or_else(
                    || "about a day or more".to_owned(),
                    |h| format!("≈ {:.1} days", h / 24.0)
                )
            ));
        }
        _ => analysis.relief_limit_bytes = Some(relief),
    }
}
