//! One-time excursions: a short run far above the median that returns to baseline.

use crate::leak::quantile::{median, robust_sigma};
use crate::leak::{Spike, Thresholds};
use crate::metrics::Sample;

/// The highest excursion, if the series has one and is back to baseline by its end.
pub(super) fn find_spike(samples: &[Sample], thresholds: &Thresholds) -> Option<Spike> {
    let t = thresholds;
    let values: Vec<f64> = samples.iter().map(|s| s.bytes).collect();
    let centre = median(&values);
    let spread = robust_sigma(&values, centre);
    let threshold = centre + (t.spike_min_sigmas * spread).max(t.spike_min_relative * centre.abs());
    let window = samples[samples.len() - 1].time - samples[0].time;
    let mut best: Option<Spike> = None;
    let mut above = 0.0;
    let mut run: Option<Spike> = None;
    for pair in samples.windows(2) {
        let (sample, next) = (pair[0], pair[1]);
        if sample.bytes > threshold {
            above += next.time - sample.time;
            let current = run.get_or_insert(Spike {
                start: sample.time,
                end: sample.time,
                peak_bytes: sample.bytes,
            });
            current.end = sample.time;
            current.peak_bytes = current.peak_bytes.max(sample.bytes);
        } else if let Some(done) = run.take()
            && best.is_none_or(|b| done.peak_bytes > b.peak_bytes)
        {
            best = Some(done);
        }
    }
    if run.is_some() {
        return None; // still high at the end: not back to baseline
    }
    let tail = &values[values.len() - values.len() / t.spike_return_tail_parts.max(1)..];
    let returned = median(tail) < threshold;
    best.filter(|_| returned && above <= t.spike_max_window_share * window)
}
