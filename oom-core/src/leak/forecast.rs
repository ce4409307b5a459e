//! Time until the limit: when the trend's peak reaches it, with an interval from the slope's.

use crate::leak::quantile::median;
use crate::leak::{Analysis, Bucket, HOUR, Thresholds};

/// Sets the time to OOM (and its interval) of a leak with a known limit.
pub(super) fn time_to_oom(
    analysis: &mut Analysis,
    buckets: &[Bucket],
    hours: &[f64],
    limit: Option<u64>,
    thresholds: &Thresholds,
) {
    let (Some(limit), Some(line)) = (limit, analysis.trend_lines.last()) else { return };
    let slope = analysis.slope_bytes_per_hour;
    if slope <= 0.0 {
        return;
    }
    // OOM comes when the peak, not the floor, reaches the limit: add the usual floor-to-peak gap.
    let tail = buckets
        .len()
        .saturating_sub(buckets.len() / thresholds.peak_gap_tail_parts.max(1))
        .min(buckets.len() - 1);
    let gap = median(&buckets[tail..].iter().map(|b| b.peak - b.floor).collect::<Vec<_>>());
    let end_hours = hours[hours.len() - 1];
    let start_hours = (line.start - buckets[0].time) / HOUR;
    let current = line.start_bytes + slope * (end_hours - start_hours) + gap;
    let remaining = limit as f64 - current;
    if remaining <= 0.0 {
        analysis.time_to_oom_hours = Some(0.0);
        analysis.time_to_oom_interval = Some((0.0, Some(0.0)));
        return;
    }
    analysis.time_to_oom_hours = Some(remaining / slope);
    let (low, high) = analysis.slope_ci;
    let soonest = if high > 0.0 { remaining / high } else { remaining / slope };
    let latest = (low > 0.0).then(|| remaining / low);
    analysis.time_to_oom_interval = Some((soonest, latest));
}
