//! One-time excursions: a short run far above the baseline that returns to it.

use crate::leak::quantile::{median, robust_sigma};
use crate::leak::{Spike, Thresholds};
use crate::metrics::Sample;

/// The daily (and weekly) cycle removed before the trend test, per bucket: the excursion is
/// measured above the cycle, so that neither the cycle's crest is a spike nor its swing widens
/// the band a spike must leave.
pub(super) struct Cycle<'a> {
    /// Bucket times, Unix seconds (sorted).
    pub(super) times: &'a [f64],
    /// The cycle's value at each bucket, bytes (mean zero).
    pub(super) values: &'a [f64],
}

impl Cycle<'_> {
    /// The cycle at `time`, interpolated linearly between buckets (held flat past either end).
    fn at(&self, time: f64) -> f64 {
        let i = self.times.partition_point(|&b| b < time);
        match (
            i.checked_sub(1).and_then(|j| self.times.get(j).zip(self.values.get(j))),
            self.times.get(i).zip(self.values.get(i)),
        ) {
            (Some((&t0, &v0)), Some((&t1, &v1))) if t1 > t0 => {
                v0 + (v1 - v0) * (time - t0) / (t1 - t0)
            }
            (Some((_, &v)), _) | (None, Some((_, &v))) => v,
            (None, None) => 0.0,
        }
    }
}

/// The highest excursion, if the series has one and is back to baseline by its end. `cycle` is
/// the seasonal component removed before the trend test, if any.
pub(super) fn find_spike(
    samples: &[Sample],
    cycle: Option<&Cycle>,
    thresholds: &Thresholds,
) -> Option<Spike> {
    let t = thresholds;
    let values: Vec<f64> =
        samples.iter().map(|s| s.bytes - cycle.map_or(0.0, |c| c.at(s.time))).collect();
    let centre = median(&values);
    let spread = robust_sigma(&values, centre);
    let threshold = centre + (t.spike_min_sigmas * spread).max(t.spike_min_relative * centre.abs());
    let window = samples[samples.len() - 1].time - samples[0].time;
    let mut best: Option<(Spike, usize)> = None;
    let mut above = 0.0;
    let mut run: Option<(Spike, usize)> = None;
    for (i, pair) in samples.windows(2).enumerate() {
        let (sample, next) = (pair[0], pair[1]);
        if values[i] > threshold {
            above += next.time - sample.time;
            let (current, count) = run.get_or_insert((
                Spike { start: sample.time, end: sample.time, peak_bytes: sample.bytes },
                0,
            ));
            current.end = sample.time;
            current.peak_bytes = current.peak_bytes.max(sample.bytes);
            *count += 1;
        } else if let Some(done) = run.take()
            // One sample alone is an outlier of the scrape or of heavy-tailed noise, not an
            // excursion of the workload.
            && done.1 >= t.spike_min_samples
            && best.as_ref().is_none_or(|b| done.0.peak_bytes > b.0.peak_bytes)
        {
            best = Some(done);
        }
    }
    if run.is_some() {
        return None; // still high at the end: not back to baseline
    }
    let tail = &values[values.len() - values.len() / t.spike_return_tail_parts.max(1)..];
    let returned = median(tail) < threshold;
    best.map(|b| b.0).filter(|_| returned && above <= t.spike_max_window_share * window)
}
