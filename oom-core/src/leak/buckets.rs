//! The bucket summary: equal time buckets, each with its floor and peak.

use crate::leak::{Bucket, Thresholds};
use crate::metrics::Sample;

/// Equal-time buckets with each one's floor (10th percentile) and peak.
/// Two buckets at least: a trend needs two points.
const MIN_BUCKETS: usize = 2;

pub(super) fn summarise(samples: &[Sample], thresholds: &Thresholds) -> Vec<Bucket> {
    let first = samples[0].time;
    let span = (samples[samples.len() - 1].time - first).max(f64::EPSILON);
    let per_bucket = thresholds.min_samples_per_bucket.max(1);
    let count = thresholds
        .max_buckets
        .min((samples.len() / per_bucket).max(samples.len().min(thresholds.sparse_min_buckets)))
        .max(MIN_BUCKETS);
    let mut buckets = Vec::with_capacity(count);
    let mut values: Vec<f64> = Vec::new();
    let mut time_sum = 0.0;
    let mut current = 0usize;
    let flush = |values: &mut Vec<f64>, time_sum: &mut f64, buckets: &mut Vec<Bucket>| {
        if values.is_empty() {
            return;
        }
        let n = values.len();
        let rank = ((n as f64 * thresholds.floor_quantile) as usize).min(n - 1);
        let peak = values.iter().copied().fold(f64::MIN, f64::max);
        let (_, floor, _) = values.select_nth_unstable_by(rank, f64::total_cmp);
        buckets.push(Bucket { time: *time_sum / n as f64, floor: *floor, peak });
        values.clear();
        *time_sum = 0.0;
    };
    for sample in samples {
        let index = (((sample.time - first) / span) * count as f64).floor() as usize;
        let index = index.min(count - 1);
        if index != current {
            flush(&mut values, &mut time_sum, &mut buckets);
            current = index;
        }
        values.push(sample.bytes);
        time_sum += sample.time;
    }
    flush(&mut values, &mut time_sum, &mut buckets);
    buckets
}
