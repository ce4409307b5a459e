//! The Mann–Kendall trend test (Mann, 1945; Kendall, 1975), and its correction for
//! autocorrelation by Hamed & Rao (1998).

use statrs::distribution::{ContinuousCDF, Normal};

use crate::trend::Z_95;
use crate::trend::kendall::s_and_variance;
use crate::trend::theil_sen::{PairSlopes, TheilSen};

/// The result of a Mann–Kendall trend test.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MannKendall {
    /// Concordant minus discordant pairs.
    pub s: i64,
    /// Variance of S under no trend, with the tie correction.
    pub variance: f64,
    /// Normal score of S (with continuity correction).
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
}

/// Mann–Kendall test of `y` in time order, without autocorrelation correction.
///
/// ```
/// use oom_core::trend::mann_kendall;
///
/// let rising: Vec<f64> = (0..30).map(f64::from).collect();
/// let test = mann_kendall(&rising);
/// assert!(test.z > 0.0 && test.p_value < 1e-6);
/// assert!(mann_kendall(&[1.0, 3.0, 2.0, 3.0, 1.0, 2.0]).p_value > 0.5);
/// ```
pub fn mann_kendall(y: &[f64]) -> MannKendall {
    let (s, variance) = s_and_variance(y);
    finish_test(s, variance)
}

/// Mann–Kendall test corrected for autocorrelation (Hamed & Rao, 1998): the variance of S is
/// inflated by the significant autocorrelations of the ranks of the Sen-detrended series, over
/// at most `max_lag` lags.
///
/// ```
/// use oom_core::trend::{mann_kendall, mann_kendall_hamed_rao};
///
/// // A slow random-looking wander: strongly autocorrelated, no real trend.
/// let x: Vec<f64> = (0..400).map(f64::from).collect();
/// let y: Vec<f64> = x.iter().map(|t| (t / 40.0).sin() * 10.0).collect();
/// let plain = mann_kendall(&y);
/// let corrected = mann_kendall_hamed_rao(&x, &y, 50);
/// assert!(corrected.variance > plain.variance);
/// ```
pub fn mann_kendall_hamed_rao(x: &[f64], y: &[f64], max_lag: usize) -> MannKendall {
    let n = x.len().min(y.len());
    let slope = if n < 4 { 0.0 } else { PairSlopes::new(&x[..n], &y[..n]).median() };
    hamed_rao_given_slope(x, y, max_lag, slope)
}

/// The Hamed–Rao trend test and Sen's slope with the interval from its corrected variance,
/// together: what hydrology packages report as "modified Mann–Kendall with Sen's slope" (e.g.
/// pymannkendall's `hamed_rao_modification_test`).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SenTrend {
    /// The Mann–Kendall test with the Hamed–Rao variance.
    pub test: MannKendall,
    /// The Theil–Sen line, its 95 % interval widened by the corrected variance.
    pub fit: TheilSen,
}

/// [`mann_kendall_hamed_rao`] and [`theil_sen_with_variance`](crate::trend::theil_sen_with_variance)
/// with its variance, in one pass: the median pairwise slope that both need is selected once and
/// the interval's ranks reuse its counts. Same values as calling the two, in less time (on 10⁴
/// points, see `benches/README.md`). `x` in hours gives slopes in bytes per hour for `y` in bytes.
///
/// ```
/// use oom_core::trend::{mann_kendall_hamed_rao, sen_trend, theil_sen_with_variance};
///
/// let x: Vec<f64> = (0..600).map(|i| f64::from(i) / 60.0).collect();
/// let y: Vec<f64> = x.iter().map(|h| 4.0 * h + 3.0 * (h * 7.0).sin()).collect();
/// let both = sen_trend(&x, &y, 50);
/// let test = mann_kendall_hamed_rao(&x, &y, 50);
/// assert_eq!(both.test, test);
/// assert_eq!(both.fit, theil_sen_with_variance(&x, &y, test.variance));
/// assert!(both.fit.slope_low < 4.0 && 4.0 < both.fit.slope_high);
/// ```
pub fn sen_trend(x: &[f64], y: &[f64], max_lag: usize) -> SenTrend {
    let n = x.len().min(y.len());
    let mut slopes = PairSlopes::new(&x[..n], &y[..n]);
    let median = slopes.median();
    let test = hamed_rao_given_slope(x, y, max_lag, if n < 4 { 0.0 } else { median });
    let fit = slopes.fit_around(median, test.variance);
    SenTrend { test, fit }
}

fn hamed_rao_given_slope(x: &[f64], y: &[f64], max_lag: usize, slope: f64) -> MannKendall {
    let n = x.len().min(y.len());
    let y = &y[..n];
    let (s, variance) = s_and_variance(y);
    if n < 4 {
        return finish_test(s, variance);
    }
    let detrended: Vec<f64> = x.iter().zip(y).map(|(xi, yi)| yi - slope * xi).collect();
    let ranks = ranks(&detrended);
    let mean = ranks.iter().sum::<f64>() / n as f64;
    let centred: Vec<f64> = ranks.iter().map(|r| r - mean).collect();
    let denominator: f64 = centred.iter().map(|c| c * c).sum();
    if denominator == 0.0 {
        return finish_test(s, variance);
    }
    let nf = n as f64;
    let threshold = Z_95 / nf.sqrt();
    let mut sum = 0.0;
    for lag in 1..=max_lag.min(n - 3) {
        let rho = dot(&centred[..n - lag], &centred[lag..]) / denominator;
        if rho.abs() > threshold {
            let k = lag as f64;
            sum += (nf - k) * (nf - k - 1.0) * (nf - k - 2.0) * rho;
        }
    }
    let factor = (1.0 + 2.0 * sum / (nf * (nf - 1.0) * (nf - 2.0))).max(1.0);
    finish_test(s, variance * factor)
}

/// Σ aᵢ·bᵢ in four running sums, which the processor keeps in flight together. Centred ranks
/// are multiples of ½, so on series of up to about 10⁵ points every sum is exact and the order
/// of summation cannot change the result.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut sums = [0.0; 4];
    let (a4, b4) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = a4.remainder().iter().zip(b4.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in a4.zip(b4) {
        for k in 0..4 {
            sums[k] += x[k] * y[k];
        }
    }
    sums[0] + sums[1] + sums[2] + sums[3] + tail
}

fn finish_test(s: i64, variance: f64) -> MannKendall {
    let z = if variance <= 0.0 || s == 0 {
        0.0
    } else {
        (s as f64 - (s.signum() as f64)) / variance.sqrt()
    };
    let p_value = match Normal::new(0.0, 1.0) {
        Ok(normal) => (2.0 * (1.0 - normal.cdf(z.abs()))).clamp(0.0, 1.0),
        Err(_) => 1.0,
    };
    MannKendall { s, variance, z, p_value }
}

/// Ranks of `values` (1-based), ties getting their mean rank.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<(f64, usize)> = values.iter().copied().zip(0..).collect();
    radsort::sort_by_key(&mut order, |&(value, _)| value);
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && order[end].0 == order[start].0 {
            end += 1;
        }
        let rank = (start + end - 1) as f64 / 2.0 + 1.0;
        for &(_, index) in &order[start..end] {
            ranks[index] = rank;
        }
        start = end;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trend::kendall::{kendall_s, s_variance};

    #[test]
    fn known_values() {
        assert_eq!(kendall_s(&[1.0, 2.0, 3.0, 4.0]), 6);
        assert_eq!(kendall_s(&[4.0, 3.0, 2.0, 1.0]), -6);
        assert_eq!(kendall_s(&[1.0, 1.0, 1.0]), 0);
        // Variance without ties: n(n-1)(2n+5)/18.
        assert_eq!(s_variance(&[1.0, 2.0, 3.0, 4.0]), 4.0 * 3.0 * 13.0 / 18.0);
        let test = mann_kendall(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]);
        assert!(test.p_value < 0.001, "{test:?}");
        assert!(mann_kendall(&[1.0, 3.0, 2.0, 3.0, 1.0, 2.0]).p_value > 0.5);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        /// The combined test gives exactly what the two separate calls give, on both sides of
        /// the size where the slopes stop being listed.
        #[test]
        fn sen_trend_equals_the_separate_calls(
            y in proptest::collection::vec(-1e3f64..1e3, 0..900),
            slope in -5.0f64..5.0,
        ) {
            let x: Vec<f64> = (0..y.len()).map(|i| i as f64 / 4.0).collect();
            let y: Vec<f64> = y.iter().zip(&x).map(|(v, h)| v + slope * 100.0 * h).collect();
            let together = sen_trend(&x, &y, 30);
            let test = mann_kendall_hamed_rao(&x, &y, 30);
            proptest::prop_assert_eq!(together.test, test);
            proptest::prop_assert_eq!(together.fit, crate::trend::theil_sen_with_variance(&x, &y, test.variance));
        }
    }
}
