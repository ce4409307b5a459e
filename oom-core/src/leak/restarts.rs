//! Restarts: a new pod name, or a floor that drops back towards its start after growing.

use crate::leak::quantile::quantile;
use crate::leak::{Bucket, Thresholds};

/// Bucket indices where a new process starts.
pub(super) fn restarts(
    buckets: &[Bucket],
    hours: &[f64],
    pod_changes: &[f64],
    limit: Option<u64>,
    thresholds: &Thresholds,
) -> Vec<usize> {
    let t = thresholds;
    let floors: Vec<f64> = buckets.iter().map(|b| b.floor).collect();
    let low = quantile(&floors, t.restart_range_low_quantile);
    let high = quantile(
        &buckets.iter().map(|b| b.peak).collect::<Vec<_>>(),
        t.restart_range_high_quantile,
    );
    let range = (high - low).max(f64::EPSILON);
    let mut boundaries: Vec<usize> = pod_changes
        .iter()
        .filter_map(|&t| buckets.iter().position(|b| b.time >= t))
        .filter(|&i| i > 0)
        .collect();
    let mut segment_start = 0;
    for i in 1..buckets.len() {
        if boundaries.contains(&i) {
            segment_start = i;
            continue;
        }
        // The same restart seen as a pod change a bucket away.
        if boundaries.iter().any(|&b| b.abs_diff(i) <= t.restart_pod_change_buckets) {
            continue;
        }
        let drop = floors[i - 1] - floors[i];
        // An hour of growth at least: garbage collectors drop memory every few minutes.
        if drop < t.restart_min_drop_share * range
            || i - segment_start < t.restart_min_segment_buckets
            || hours[i - 1] - hours[segment_start] < t.restart_min_growth_hours
        {
            continue;
        }
        let near_start = floors[i] <= floors[segment_start] + t.restart_return_share * drop;
        let near_limit =
            limit.is_none_or(|l| buckets[i - 1].peak >= t.restart_near_limit_share * l as f64);
        // The floor grew through the second half of the segment: not a spike's plateau.
        let half = segment_start + (i - segment_start) / 2;
        let late_growth = crate::trend::theil_sen_slope(&hours[half..i], &floors[half..i])
            * (hours[i - 1] - hours[half]);
        if near_start && near_limit && late_growth >= t.restart_min_late_growth_share * drop {
            boundaries.push(i);
            segment_start = i;
        }
    }
    boundaries.sort_unstable();
    boundaries.dedup();
    boundaries
}
