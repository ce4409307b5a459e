//! Pauses in the samples: stretches with no sample at all, which the bucket summary bridges
//! without a trace. What happened in one is unknown, and a change inside it shows only at the
//! first sample after it, so the report says where they are.

use crate::leak::Thresholds;
use crate::leak::quantile::median;
use crate::metrics::Sample;

/// A pause in the samples: the last sample before it and the first after (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Gap {
    pub(super) from: f64,
    pub(super) to: f64,
}

impl Gap {
    pub(super) fn seconds(&self) -> f64 {
        self.to - self.from
    }
}

/// The pauses longer than [`Thresholds::gap_min_intervals`] typical intervals and
/// [`Thresholds::gap_min_hours`], in time order (`samples` in time order).
pub(super) fn find_gaps(samples: &[Sample], t: &Thresholds) -> Vec<Gap> {
    if samples.len() < 3 {
        return Vec::new();
    }
    let intervals: Vec<f64> = samples.windows(2).map(|w| w[1].time - w[0].time).collect();
    let shortest = (t.gap_min_intervals * median(&intervals)).max(t.gap_min_hours * 3600.0);
    samples
        .windows(2)
        .filter(|w| w[1].time - w[0].time > shortest)
        .map(|w| Gap { from: w[0].time, to: w[1].time })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(times: &[f64]) -> Vec<Sample> {
        times.iter().map(|&time| Sample { time, bytes: 1.0 }).collect()
    }

    #[test]
    fn a_pause_is_a_gap_only_well_past_the_sampling_interval_and_an_hour() {
        let t = Thresholds::default();
        // Minute samples with a 30-minute pause: no gap (under an hour).
        let mut times: Vec<f64> = (0..120).map(|i| f64::from(i) * 60.0).collect();
        times.extend((150..300).map(|i| f64::from(i) * 60.0));
        assert!(find_gaps(&at(&times), &t).is_empty());
        // A five-day pause in minute samples.
        times.extend((0..60).map(|i| 300.0 * 60.0 + 5.0 * 86_400.0 + f64::from(i) * 60.0));
        let gaps = find_gaps(&at(&times), &t);
        assert_eq!(gaps.len(), 1);
        assert!((gaps[0].seconds() - (5.0 * 86_400.0 + 60.0)).abs() < 1.0);
        // Six-hourly samples: a 12 h pause is two intervals, not a gap.
        let sparse: Vec<f64> =
            [0.0, 6.0, 12.0, 24.0, 30.0, 36.0].iter().map(|h| h * 3600.0).collect();
        assert!(find_gaps(&at(&sparse), &t).is_empty());
    }
}
