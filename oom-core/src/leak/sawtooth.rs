//! Sawtooth drops: sudden falls of a good share of the level, reached by a ramp and not undone
//! at once (garbage collection, cache eviction, restarts).

use crate::leak::Thresholds;
use crate::leak::quantile::{median, robust_sigma};
use crate::metrics::Sample;

/// Times (Unix seconds) of the sawtooth drops in `samples`, judged against `level` (bytes).
pub(super) fn sawtooth_drops(samples: &[Sample], level: f64, thresholds: &Thresholds) -> Vec<f64> {
    let t = thresholds;
    // Judged against the level and against the usual step between samples (a robust σ of the
    // first differences), so that noise, however wide, is not a sawtooth.
    let steps: Vec<f64> = samples.windows(2).map(|w| w[1].bytes - w[0].bytes).collect();
    let step_sigma = robust_sigma(&steps, median(&steps));
    let least = (t.sawtooth_min_drop_share * level).max(t.sawtooth_min_noise_multiple * step_sigma);
    let mut drops = Vec::new();
    for i in 1..samples.len() {
        let dropped = samples[i - 1].bytes - samples[i].bytes;
        if dropped < least || least <= 0.0 {
            continue;
        }
        // An outlier jumps up and straight back (or down and straight back): not a sawtooth.
        let rise_before = if i >= 2 { samples[i - 1].bytes - samples[i - 2].bytes } else { 0.0 };
        let rise_after = samples.get(i + 1).map_or(0.0, |next| next.bytes - samples[i].bytes);
        if rise_before < t.sawtooth_max_jump_share * dropped
            && rise_after < t.sawtooth_max_jump_share * dropped
        {
            drops.push(samples[i].time);
        }
    }
    drops
}
