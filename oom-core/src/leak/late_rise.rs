//! A rise at the very end of the window, towards the limit: too recent to be judged as growth
//! (it covers too little of the window), yet worth a warning with its rate and the time left if
//! it continues.

use crate::leak::quantile::{median, quantile, robust_sigma};
use crate::leak::segments::best_hinge;
use crate::leak::{HOUR, LateRise, Thresholds};
use crate::metrics::Sample;
use crate::trend::{mann_kendall_hamed_rao, theil_sen_slope};

/// The rise over the last [`Thresholds::late_rise_window_hours`] of `samples`, when the limit in
/// force at the end is `limit` (bytes) and the latest samples climb, significantly and by a
/// material amount, to a material amount above nearly everything seen before, and would reach
/// the limit within [`Thresholds::late_rise_horizon_hours`].
pub(super) fn late_rise(samples: &[Sample], limit: u64, t: &Thresholds) -> Option<LateRise> {
    let last = samples.last()?;
    let from = samples.partition_point(|s| s.time < last.time - t.late_rise_window_hours * HOUR);
    let (earlier, tail) = samples.split_at(from);
    // The rise must stand out against a longer history than itself.
    let span = |s: &[Sample]| s.last().map_or(0.0, |l| l.time) - s.first().map_or(0.0, |f| f.time);
    if tail.len() < t.min_samples || span(earlier) < span(tail) {
        return None;
    }
    // At most `max_buckets` evenly spaced samples: the hinge search and the test stay bounded
    // however dense the samples.
    let stride = tail.len().div_ceil(t.max_buckets.max(1)).max(1);
    let tail: Vec<Sample> = tail.iter().step_by(stride).copied().collect();
    let x: Vec<f64> = tail.iter().map(|s| (s.time - tail[0].time) / HOUR).collect();
    let y: Vec<f64> = tail.iter().map(|s| s.bytes).collect();
    // Where the rise starts: flat, then a line (a line throughout when the hinge finds none).
    let (_, onset, _) = best_hinge(&x, &y, t.breakpoint_margin);
    let (rise_x, rise_y) = (&x[onset..], &y[onset..]);
    if rise_x.len() < t.growth_min_buckets {
        return None;
    }
    let slope = theil_sen_slope(rise_x, rise_y);
    let test = mann_kendall_hamed_rao(rise_x, rise_y, t.max_lag(rise_x.len()));
    let duration = rise_x[rise_x.len() - 1] - rise_x[0];
    // Material as growth is: beyond the noise around the line and a share of the level.
    let residuals: Vec<f64> =
        rise_x.iter().zip(rise_y).map(|(a, b)| b - slope * (a - rise_x[0])).collect();
    let intercept = median(&residuals);
    let noise = robust_sigma(&residuals, intercept);
    let earlier_values: Vec<f64> = earlier.iter().map(|s| s.bytes).collect();
    let level = median(&earlier_values);
    let least = (t.growth_min_noise_multiple * noise).max(t.growth_min_relative * level);
    let material = slope * duration >= least;
    // Still rising in its last part, not a rise that already levelled off.
    let parts = t.late_growth_parts.max(1);
    let late = rise_x.len() * (parts - 1) / parts;
    let still_rising =
        theil_sen_slope(&rise_x[late..], &rise_y[late..]) > t.late_growth_min_share * slope;
    let now = intercept + slope * (rise_x[rise_x.len() - 1] - rise_x[0]);
    // Beyond nearly everything seen before, by a material amount too: a sawtooth climbing back
    // to its usual peak, or a daily cycle's rising hours, are no new high.
    let new_high = now - quantile(&earlier_values, t.late_rise_above_quantile) >= least;
    if slope <= 0.0
        || test.z <= 0.0
        || test.p_value >= t.growth_max_p_value
        || !material
        || !still_rising
        || !new_high
    {
        return None;
    }
    let hours_to_limit = ((limit as f64 - now) / slope).max(0.0);
    (hours_to_limit <= t.late_rise_horizon_hours).then_some(LateRise {
        since: tail[onset].time,
        slope_bytes_per_hour: slope,
        bytes_now: now,
        hours_to_limit,
    })
}
