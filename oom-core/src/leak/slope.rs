//! The growth rate pooled across restart segments: Theil–Sen with Sen's interval.

use crate::leak::Thresholds;
use crate::trend::{SenTrend, Z_95, mann_kendall_hamed_rao, ols, sen_trend};

/// The pooled slope, its 95 % interval, p-value and R².
pub(super) struct Pooled {
    pub(super) slope: f64,
    pub(super) low: f64,
    pub(super) high: f64,
    pub(super) p_value: f64,
    pub(super) r_squared: f64,
}

/// Theil–Sen over pairs within each growing segment (after its onset), Sen's interval from the
/// summed Hamed–Rao variances.
pub(super) fn pooled_slope(
    hours: &[f64],
    floors: &[f64],
    segments: &[(usize, usize, usize)],
    thresholds: &Thresholds,
) -> Pooled {
    if let [(_, end, onset)] = *segments {
        let (x, y) = (&hours[onset..end], &floors[onset..end]);
        let SenTrend { test, fit } = sen_trend(x, y, thresholds.max_lag(x.len()));
        return Pooled {
            slope: fit.slope,
            low: fit.slope_low,
            high: fit.slope_high,
            p_value: test.p_value,
            r_squared: ols(x, y).r_squared,
        };
    }
    let mut slopes = Vec::new();
    let (mut s, mut variance) = (0i64, 0.0);
    let mut r_squared = 0.0;
    let mut weight = 0.0;
    for &(_, end, onset) in segments {
        let x = &hours[onset..end];
        let y = &floors[onset..end];
        for i in 0..x.len() {
            for j in i + 1..x.len() {
                if x[j] > x[i] {
                    slopes.push((y[j] - y[i]) / (x[j] - x[i]));
                }
            }
        }
        let test = mann_kendall_hamed_rao(x, y, thresholds.max_lag(x.len()));
        s += test.s;
        variance += test.variance;
        r_squared += ols(x, y).r_squared * x.len() as f64;
        weight += x.len() as f64;
    }
    if slopes.is_empty() {
        return Pooled { slope: 0.0, low: 0.0, high: 0.0, p_value: 1.0, r_squared: 0.0 };
    }
    slopes.sort_by(f64::total_cmp);
    let m = slopes.len();
    let slope = if m % 2 == 1 { slopes[m / 2] } else { (slopes[m / 2 - 1] + slopes[m / 2]) / 2.0 };
    let c = Z_95 * variance.sqrt();
    let low_rank = (((m as f64 - c) / 2.0).floor().max(0.0) as usize).min(m - 1);
    let high_rank = (((m as f64 + c) / 2.0).ceil() as usize).min(m - 1);
    let z = if variance > 0.0 && s != 0 {
        (s as f64 - s.signum() as f64) / variance.sqrt()
    } else {
        0.0
    };
    let p_value = statrs::distribution::Normal::new(0.0, 1.0)
        .map(|n| {
            use statrs::distribution::ContinuousCDF;
            (2.0 * (1.0 - n.cdf(z.abs()))).clamp(0.0, 1.0)
        })
        .unwrap_or(1.0);
    Pooled {
        slope,
        low: slopes[low_rank],
        high: slopes[high_rank],
        p_value,
        r_squared: r_squared / weight.max(1.0),
    }
}
