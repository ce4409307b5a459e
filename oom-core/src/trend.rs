//! Trend statistics: least squares, Theil–Sen slope with a confidence interval, and the
//! Mann–Kendall test with the Hamed–Rao correction for autocorrelation.
//!
//! Costs: Mann–Kendall's S is counted with merge-sort inversions in O(n log n); a Theil–Sen
//! slope (any rank of the pairwise slopes) is found by bisection on the slope, each step counting
//! the pairs below it in O(n log n), with a fixed number of steps; the autocorrelation
//! correction uses a bounded number of lags. Large inputs select the slope by a randomised
//! bracket (fixed seed) checked by counting, then list only the pairs inside it. Everything is
//! deterministic.
//!
//! ```
//! use oom_core::trend::{mann_kendall, theil_sen};
//!
//! let x: Vec<f64> = (0..100).map(f64::from).collect();
//! let y: Vec<f64> = x.iter().map(|t| 3.0 * t + if (*t as i64) % 2 == 0 { 5.0 } else { -5.0 }).collect();
//! let fit = theil_sen(&x, &y);
//! assert!((fit.slope - 3.0).abs() < 0.2);
//! assert!(fit.slope_low <= fit.slope && fit.slope <= fit.slope_high);
//! assert!(mann_kendall(&y).p_value < 1e-6);
//! ```

use statrs::distribution::{ContinuousCDF, Normal};

/// z for a two-sided 95 % interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// An ordinary least-squares line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearFit {
    /// Change of y per unit of x.
    pub slope: f64,
    /// y at x = 0.
    pub intercept: f64,
    /// Share of the variance of y the line explains (0 when y is constant).
    pub r_squared: f64,
}

/// Least squares of `y` on `x`. Fewer than two points, or constant `x`, give a flat line.
///
/// ```
/// let fit = oom_core::trend::ols(&[0.0, 1.0, 2.0], &[1.0, 3.0, 5.0]);
/// assert_eq!((fit.slope, fit.intercept, fit.r_squared), (2.0, 1.0, 1.0));
/// ```
pub fn ols(x: &[f64], y: &[f64]) -> LinearFit {
    let n = x.len().min(y.len());
    if n == 0 {
        return LinearFit { slope: 0.0, intercept: 0.0, r_squared: 0.0 };
    }
    let nf = n as f64;
    let mean_x = x[..n].iter().sum::<f64>() / nf;
    let mean_y = y[..n].iter().sum::<f64>() / nf;
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (dx, dy) = (x[i] - mean_x, y[i] - mean_y);
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let r_squared = if sxx > 0.0 && syy > 0.0 { (sxy * sxy) / (sxx * syy) } else { 0.0 };
    LinearFit { slope, intercept: mean_y - slope * mean_x, r_squared }
}

/// The result of a Mann–Kendall trend test.
#[derive(Debug, Clone, Copy, PartialEq)]
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

/// S = Σ sign(y_j − y_i) over i < j, in O(n log n).
pub fn kendall_s(y: &[f64]) -> i64 {
    let n = y.len() as i64;
    let total = n * (n - 1) / 2;
    let ties = tie_groups(y).iter().map(|&t| t * (t - 1) / 2).sum::<i64>();
    let mut values = y.to_vec();
    let discordant = count_inversions(&mut values) as i64;
    let concordant = total - ties - discordant;
    concordant - discordant
}

fn s_variance(y: &[f64]) -> f64 {
    let n = y.len() as f64;
    let ties: f64 = tie_groups(y)
        .iter()
        .map(|&t| {
            let t = t as f64;
            t * (t - 1.0) * (2.0 * t + 5.0)
        })
        .sum();
    (n * (n - 1.0) * (2.0 * n + 5.0) - ties) / 18.0
}

fn tie_groups(y: &[f64]) -> Vec<i64> {
    let mut sorted = y.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut groups = Vec::new();
    let mut run = 1i64;
    for pair in sorted.windows(2) {
        if pair[0] == pair[1] {
            run += 1;
        } else {
            if run > 1 {
                groups.push(run);
            }
            run = 1;
        }
    }
    if run > 1 {
        groups.push(run);
    }
    groups
}

/// Pairs i < j with values[i] > values[j] (strictly), sorting `values` on the way.
fn count_inversions(values: &mut [f64]) -> u64 {
    let mut buffer = values.to_vec();
    merge_count(values, &mut buffer)
}

fn merge_count(values: &mut [f64], buffer: &mut [f64]) -> u64 {
    let n = values.len();
    if n < 2 {
        return 0;
    }
    let mid = n / 2;
    let mut count = {
        let (left, right) = values.split_at_mut(mid);
        let (left_buffer, right_buffer) = buffer.split_at_mut(mid);
        merge_count(left, left_buffer) + merge_count(right, right_buffer)
    };
    let (mut i, mut j, mut k) = (0, mid, 0);
    while i < mid && j < n {
        if values[j] < values[i] {
            count += (mid - i) as u64;
            buffer[k] = values[j];
            j += 1;
        } else {
            buffer[k] = values[i];
            i += 1;
        }
        k += 1;
    }
    buffer[k..k + mid - i].copy_from_slice(&values[i..mid]);
    k += mid - i;
    buffer[k..k + n - j].copy_from_slice(&values[j..n]);
    values.copy_from_slice(&buffer[..n]);
    count
}

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

/// A Theil–Sen line with Sen's confidence interval for the slope.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TheilSen {
    /// Median of the pairwise slopes.
    pub slope: f64,
    /// Lower end of the 95 % interval.
    pub slope_low: f64,
    /// Upper end of the 95 % interval.
    pub slope_high: f64,
    /// Median of y − slope·x.
    pub intercept: f64,
}

/// Theil–Sen slope of `y` on strictly increasing `x`, with a 95 % interval from the plain
/// Mann–Kendall variance.
pub fn theil_sen(x: &[f64], y: &[f64]) -> TheilSen {
    let variance = s_variance(y);
    theil_sen_with_variance(x, y, variance)
}

/// Theil–Sen with the interval widened by a corrected variance of S (see
/// [`mann_kendall_hamed_rao`]): Sen's method, ranks `(N ∓ z·√var)/2` of the N pairwise slopes.
pub fn theil_sen_with_variance(x: &[f64], y: &[f64], s_variance: f64) -> TheilSen {
    let n = x.len().min(y.len());
    if n < 2 {
        let intercept = y.first().copied().unwrap_or(0.0);
        return TheilSen { slope: 0.0, slope_low: 0.0, slope_high: 0.0, intercept };
    }
    let pairs = (n * (n - 1) / 2) as f64;
    let c = Z_95 * s_variance.max(0.0).sqrt();
    let low_rank = (((pairs - c) / 2.0).floor().max(0.0) as u64).min(pairs as u64 - 1);
    let high_rank = (((pairs + c) / 2.0).ceil() as u64).min(pairs as u64 - 1);
    let median = median_slope(&x[..n], &y[..n]);
    let intercept =
        median_of(x[..n].iter().zip(&y[..n]).map(|(xi, yi)| yi - median * xi).collect());
    TheilSen {
        slope: median,
        slope_low: slope_at_rank(&x[..n], &y[..n], low_rank),
        slope_high: slope_at_rank(&x[..n], &y[..n], high_rank),
        intercept,
    }
}

/// The median pairwise slope alone.
pub fn theil_sen_slope(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    if n < 2 {
        return 0.0;
    }
    median_slope(&x[..n], &y[..n])
}

fn median_slope(x: &[f64], y: &[f64]) -> f64 {
    let pairs = (x.len() * (x.len() - 1) / 2) as u64;
    if pairs % 2 == 1 {
        slope_at_rank(x, y, pairs / 2)
    } else {
        (slope_at_rank(x, y, pairs / 2 - 1) + slope_at_rank(x, y, pairs / 2)) / 2.0
    }
}

fn median_of(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 { values[mid] } else { (values[mid - 1] + values[mid]) / 2.0 }
}

/// Up to this many points the pairwise slopes are simply listed and sorted.
const ENUMERATE_UP_TO: usize = 400;

/// The `rank`-th smallest (0-based) of the pairwise slopes (y_j − y_i)/(x_j − x_i), i < j.
fn slope_at_rank(x: &[f64], y: &[f64], rank: u64) -> f64 {
    let n = x.len();
    if n <= ENUMERATE_UP_TO {
        let mut slopes = Vec::with_capacity(n * (n - 1) / 2);
        for i in 0..n {
            for j in i + 1..n {
                let dx = x[j] - x[i];
                if dx > 0.0 {
                    slopes.push((y[j] - y[i]) / dx);
                }
            }
        }
        if slopes.is_empty() {
            return 0.0;
        }
        let index = (rank as usize).min(slopes.len() - 1);
        let (_, value, _) = slopes.select_nth_unstable_by(index, f64::total_cmp);
        return *value;
    }
    slope_at_rank_large(x, y, rank)
}

/// Pairs with slope < b are the inversions of z = y − b·x in x order.
fn count_below(x: &[f64], y: &[f64], b: f64, z: &mut [f64]) -> u64 {
    for i in 0..x.len() {
        z[i] = y[i] - b * x[i];
    }
    count_inversions(z)
}

/// Randomised selection (deterministic seed): bracket the wanted rank with the quantiles of a
/// sample of pair slopes, check the bracket by counting, narrow it by bisection until it holds
/// a few n pairs, then list those pairs and select. O(n log n) per count, a handful of counts.
fn slope_at_rank_large(x: &[f64], y: &[f64], rank: u64) -> f64 {
    let n = x.len();
    let total = (n as u64) * (n as u64 - 1) / 2;
    let y_range = y.iter().fold(0.0f64, |m, v| m.max(v.abs())) * 2.0;
    let min_dx =
        x.windows(2).map(|w| w[1] - w[0]).filter(|d| *d > 0.0).fold(f64::INFINITY, f64::min);
    let bound = if min_dx.is_finite() && min_dx > 0.0 { y_range / min_dx + 1.0 } else { 1.0 };
    let mut z = vec![0.0; n];

    let wanted = (4 * n).clamp(20_000, 1_000_000);
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ rank;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut v = state;
        v = (v ^ (v >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        v = (v ^ (v >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        v ^ (v >> 31)
    };
    let mut sample = Vec::with_capacity(wanted);
    let mut attempts = 0;
    while sample.len() < wanted && attempts < 4 * wanted {
        attempts += 1;
        let (a, b) = ((next() % n as u64) as usize, (next() % n as u64) as usize);
        let (i, j) = if a < b { (a, b) } else { (b, a) };
        if x[j] > x[i] {
            sample.push((y[j] - y[i]) / (x[j] - x[i]));
        }
    }
    sample.sort_by(f64::total_cmp);
    let m = sample.len() as f64;
    let p = (rank as f64 + 0.5) / total as f64;
    let half = 4.0 * (m * p * (1.0 - p)).sqrt() + 2.0;
    let (mut low, mut high) = (-bound, bound);
    if !sample.is_empty() {
        let at = |q: f64| sample[(q.max(0.0) as usize).min(sample.len() - 1)];
        if p * m - half > 0.0 {
            low = at(p * m - half);
        }
        if p * m + half < m - 1.0 {
            high = at(p * m + half).next_up();
        }
    }
    let mut below_low = count_below(x, y, low, &mut z);
    let mut below_high = count_below(x, y, high, &mut z);
    if !(below_low <= rank && rank < below_high) {
        (low, high) = (-bound, bound);
        below_low = 0;
        below_high = total;
    }
    let mut steps = 0;
    while below_high - below_low > 8 * n as u64 && steps < 64 {
        steps += 1;
        let mid = low + (high - low) / 2.0;
        if mid <= low || mid >= high {
            break;
        }
        let below_mid = count_below(x, y, mid, &mut z);
        if below_mid > rank {
            (high, below_high) = (mid, below_mid);
        } else {
            (low, below_low) = (mid, below_mid);
        }
    }
    let mut slopes = pairs_between(x, y, low, high);
    if slopes.is_empty() {
        return low + (high - low) / 2.0;
    }
    let index = ((rank - below_low) as usize).min(slopes.len() - 1);
    let (_, value, _) = slopes.select_nth_unstable_by(index, f64::total_cmp);
    *value
}

/// The slopes in [low, high): pairs whose order by y − low·x and by y − high·x differ, found as
/// the inversions of one order in the other with a merge sort, O(n log n + pairs).
fn pairs_between(x: &[f64], y: &[f64], low: f64, high: f64) -> Vec<f64> {
    let n = x.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| (y[a] - low * x[a]).total_cmp(&(y[b] - low * x[b])).then(a.cmp(&b)));
    let mut items: Vec<(f64, usize)> = order.iter().map(|&i| (y[i] - high * x[i], i)).collect();
    let mut buffer = items.clone();
    let mut slopes = Vec::new();
    merge_pairs(&mut items, &mut buffer, x, y, &mut slopes);
    slopes
}

fn merge_pairs(
    items: &mut [(f64, usize)],
    buffer: &mut [(f64, usize)],
    x: &[f64],
    y: &[f64],
    out: &mut Vec<f64>,
) {
    let n = items.len();
    if n < 2 {
        return;
    }
    let mid = n / 2;
    {
        let (left, right) = items.split_at_mut(mid);
        let (left_buffer, right_buffer) = buffer.split_at_mut(mid);
        merge_pairs(left, left_buffer, x, y, out);
        merge_pairs(right, right_buffer, x, y, out);
    }
    let (mut i, mut j, mut k) = (0, mid, 0);
    while i < mid && j < n {
        if items[j].0 < items[i].0 {
            let b = items[j].1;
            for &(_, a) in &items[i..mid] {
                out.push((y[b] - y[a]) / (x[b] - x[a]));
            }
            buffer[k] = items[j];
            j += 1;
        } else {
            buffer[k] = items[i];
            i += 1;
        }
        k += 1;
    }
    buffer[k..k + mid - i].copy_from_slice(&items[i..mid]);
    k += mid - i;
    buffer[k..k + n - j].copy_from_slice(&items[j..n]);
    items.copy_from_slice(&buffer[..n]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute_s(y: &[f64]) -> i64 {
        let mut s = 0;
        for i in 0..y.len() {
            for j in i + 1..y.len() {
                s += (y[j] - y[i]).partial_cmp(&0.0).map_or(0, |o| o as i64);
            }
        }
        s
    }

    fn brute_slopes(x: &[f64], y: &[f64]) -> Vec<f64> {
        let mut slopes = Vec::new();
        for i in 0..x.len() {
            for j in i + 1..x.len() {
                slopes.push((y[j] - y[i]) / (x[j] - x[i]));
            }
        }
        slopes.sort_by(f64::total_cmp);
        slopes
    }

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

    #[test]
    fn large_inputs_agree_with_enumeration() {
        let n = 2000;
        let x: Vec<f64> = (0..n).map(|i| i as f64 * 1.5).collect();
        // Noise, and a stretch of ties so that many pair slopes are exactly zero.
        let y: Vec<f64> = (0..n)
            .map(|i| {
                if (600..900).contains(&i) {
                    500.0
                } else {
                    0.7 * i as f64 + ((i * 7919) % 113) as f64
                }
            })
            .collect();
        let slopes = brute_slopes(&x, &y);
        for rank in
            [0, 1, slopes.len() / 3, slopes.len() / 2, slopes.len() * 9 / 10, slopes.len() - 1]
        {
            let found = slope_at_rank(&x, &y, rank as u64);
            assert!(
                (found - slopes[rank]).abs() <= 1e-9 * slopes[rank].abs().max(1.0),
                "{rank}: {found} vs {}",
                slopes[rank]
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]
        #[test]
        fn randomised_selection_is_exact(y in proptest::collection::vec(-50i32..50, 401..520), rank_share in 0.0f64..1.0) {
            let x: Vec<f64> = (0..y.len()).map(|i| i as f64 * 0.25).collect();
            let y: Vec<f64> = y.into_iter().map(f64::from).collect();
            let slopes = brute_slopes(&x, &y);
            let rank = ((slopes.len() - 1) as f64 * rank_share) as usize;
            prop_assert_eq!(slope_at_rank(&x, &y, rank as u64), slopes[rank]);
        }
    }

    proptest! {
        #[test]
        fn s_matches_brute_force(y in proptest::collection::vec(-5i32..5, 0..60)) {
            let y: Vec<f64> = y.into_iter().map(f64::from).collect();
            prop_assert_eq!(kendall_s(&y), brute_s(&y));
        }

        #[test]
        fn theil_sen_is_the_median_slope(y in proptest::collection::vec(-100i32..100, 2..40)) {
            let x: Vec<f64> = (0..y.len()).map(|i| i as f64).collect();
            let y: Vec<f64> = y.into_iter().map(f64::from).collect();
            let slopes = brute_slopes(&x, &y);
            let m = slopes.len();
            let median = if m % 2 == 1 { slopes[m / 2] } else { (slopes[m / 2 - 1] + slopes[m / 2]) / 2.0 };
            let fit = theil_sen(&x, &y);
            prop_assert!((fit.slope - median).abs() < 1e-9);
            prop_assert!(fit.slope_low <= fit.slope + 1e-12 && fit.slope <= fit.slope_high + 1e-12);
        }
    }
}
