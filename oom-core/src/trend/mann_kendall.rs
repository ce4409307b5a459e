//! The Mann–Kendall trend test (Mann, 1945; Kendall, 1975), and its correction for
//! autocorrelation by Hamed & Rao (1998).

use statrs::distribution::{ContinuousCDF, Normal};

use crate::trend::Z_95;
use crate::trend::kendall::{kendall_s, s_variance};
use crate::trend::theil_sen::theil_sen_slope;

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
    let s = kendall_s(y);
    let variance = s_variance(y);
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
    let n = y.len();
    let s = kendall_s(y);
    let variance = s_variance(y);
    if n < 4 {
        return finish_test(s, variance);
    }
    let slope = theil_sen_slope(x, y);
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
        let rho = centred[..n - lag].iter().zip(&centred[lag..]).map(|(a, b)| a * b).sum::<f64>()
            / denominator;
        if rho.abs() > threshold {
            let k = lag as f64;
            sum += (nf - k) * (nf - k - 1.0) * (nf - k - 2.0) * rho;
        }
    }
    let factor = (1.0 + 2.0 * sum / (nf * (nf - 1.0) * (nf - 2.0))).max(1.0);
    finish_test(s, variance * factor)
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
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        let rank = (start + end - 1) as f64 / 2.0 + 1.0;
        for &index in &order[start..end] {
            ranks[index] = rank;
        }
        start = end;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
