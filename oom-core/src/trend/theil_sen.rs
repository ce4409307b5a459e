//! Theil–Sen slopes (Theil, 1950; Sen, 1968) with Sen's confidence interval, and the
//! selection of one pairwise slope by rank without listing all n² pairs.

use crate::trend::Z_95;
use crate::trend::kendall::{count_inversions, s_variance};

/// A Theil–Sen line with Sen's confidence interval for the slope.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
///
/// ```
/// use oom_core::trend::theil_sen;
///
/// // One wild outlier does not move the slope.
/// let x = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0];
/// let y = [1.0, 3.0, 5.0, 70.0, 9.0, 11.0];
/// let fit = theil_sen(&x, &y);
/// assert_eq!((fit.slope, fit.intercept), (2.0, 1.0));
/// ```
pub fn theil_sen(x: &[f64], y: &[f64]) -> TheilSen {
    let variance = s_variance(y);
    theil_sen_with_variance(x, y, variance)
}

/// Theil–Sen with the interval widened by a corrected variance of S (see
/// [`mann_kendall_hamed_rao`](crate::trend::mann_kendall_hamed_rao)): Sen's method, ranks `(N ∓ z·√var)/2` of the N pairwise slopes.
///
/// ```
/// use oom_core::trend::{mann_kendall_hamed_rao, theil_sen, theil_sen_with_variance};
///
/// let x: Vec<f64> = (0..200).map(f64::from).collect();
/// let y: Vec<f64> = x.iter().map(|t| 0.5 * t + 20.0 * (t / 15.0).sin()).collect();
/// let corrected = theil_sen_with_variance(&x, &y, mann_kendall_hamed_rao(&x, &y, 50).variance);
/// let plain = theil_sen(&x, &y);
/// assert_eq!(corrected.slope, plain.slope);
/// // Autocorrelation widens the interval.
/// assert!(corrected.slope_high - corrected.slope_low >= plain.slope_high - plain.slope_low);
/// ```
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
///
/// ```
/// assert_eq!(oom_core::trend::theil_sen_slope(&[0.0, 1.0, 2.0], &[0.0, 2.0, 4.0]), 2.0);
/// ```
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
