//! Restarts: a new pod name, or a floor that drops back towards its start after growing.

use crate::leak::Bucket;
use crate::leak::quantile::quantile;

/// Bucket indices where a new process starts.
pub(super) fn restarts(
    buckets: &[Bucket],
    hours: &[f64],
    pod_changes: &[f64],
    limit: Option<u64>,
) -> Vec<usize> {
    let floors: Vec<f64> = buckets.iter().map(|b| b.floor).collect();
    let low = quantile(&floors, 0.05);
    let high = quantile(&buckets.iter().map(|b| b.peak).collect::<Vec<_>>(), 0.95);
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
        if boundaries.iter().any(|&b| b.abs_diff(i) <= 2) {
            continue;
        }
        let drop = floors[i - 1] - floors[i];
        // An hour of growth at least: garbage collectors drop memory every few minutes.
        if drop < 0.5 * range || i - segment_start < 6 || hours[i - 1] - hours[segment_start] < 1.0
        {
            continue;
        }
        let near_start = floors[i] <= floors[segment_start] + 0.5 * drop;
        let near_limit = limit.is_none_or(|l| buckets[i - 1].peak >= 0.8 * l as f64);
        // The floor grew through the second half of the segment: not a spike's plateau.
        let half = segment_start + (i - segment_start) / 2;
        let late_growth = crate::trend::theil_sen_slope(&hours[half..i], &floors[half..i])
            * (hours[i - 1] - hours[half]);
        if near_start && near_limit && late_growth >= 0.3 * drop {
            boundaries.push(i);
            segment_start = i;
        }
    }
    boundaries.sort_unstable();
    boundaries.dedup();
    boundaries
}
