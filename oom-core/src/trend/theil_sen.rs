//! Theil–Sen slopes (Theil, 1950; Sen, 1968) with Sen's confidence interval, and the
//! selection of one pairwise slope by rank without listing all n² pairs.

use std::borrow::Cow;

use crate::trend::Z_95;
use crate::trend::kendall::{count_inversions_with, s_variance};

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
    let mut slopes = PairSlopes::new(&x[..n], &y[..n]);
    let median = slopes.median();
    slopes.fit_around(median, s_variance)
}

/// The median pairwise slope alone.
///
/// ```
/// assert_eq!(oom_core::trend::theil_sen_slope(&[0.0, 1.0, 2.0], &[0.0, 2.0, 4.0]), 2.0);
/// ```
pub fn theil_sen_slope(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    PairSlopes::new(&x[..n], &y[..n]).median()
}

fn median_of(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let len = values.len();
    let mid = len / 2;
    let (below, upper, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if len.is_multiple_of(2) && !below.is_empty() {
        let lower = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lower + upper) / 2.0
    } else {
        upper
    }
}

/// Up to this many points the pairwise slopes are simply listed.
const ENUMERATE_UP_TO: usize = 400;

/// A bracket is listed once it holds at most this many pairs per point.
const LISTED_PAIRS_PER_POINT: u64 = 8;

/// How far either side of the sample's estimate of a rank the two counts go, in standard errors
/// of that estimate: a wider bracket is missed less often but holds more pairs.
const BRACKET_SIGMAS: f64 = 2.5;

/// Slopes closer than this share of the larger of their size and the series' own slope scale
/// (largest |y| over the span of x) are one value: the counts, which compare y − b·x, cannot
/// tell them apart reliably, and no memory trend is measured to nine digits.
const SAME_SLOPE_RELATIVE: f64 = 1e-9;

/// Counts spent narrowing one bracket at most; each halves it or better, so only slopes that
/// differ in their last bits could need more.
const MAX_NARROWING_STEPS: usize = 128;

/// Below this many sample points inside a bracket, their spread says little about where the
/// rank is and the bracket is halved instead.
const MIN_SAMPLE_TO_INTERPOLATE: usize = 32;

/// The pairwise slopes (y_j − y_i)/(x_j − x_i), i < j, of one series, selected by rank. Small
/// series list them all once; large ones keep a sorted random sample of them and every count
/// made so far, so that the ranks wanted by one fit (the median, and the two ends of its
/// interval) share the work.
pub(super) struct PairSlopes<'a> {
    x: Cow<'a, [f64]>,
    y: Cow<'a, [f64]>,
    total: u64,
    /// Small series: every slope (kept partially ordered by earlier selections).
    all: Option<Vec<f64>>,
    /// Large series: a sorted sample of pair slopes (fixed seed).
    sample: Vec<f64>,
    /// Slopes b with the number of pairs whose slope is below b, sorted by b.
    probes: Vec<(f64, u64)>,
    /// The last bracket listed: its ends, the pairs below its low end, and its slopes.
    listed: Option<(f64, f64, u64, Vec<f64>)>,
    /// Largest |y| over the span of x: the size of a slope for this series.
    slope_scale: f64,
    z: Vec<f64>,
    buffer: Vec<f64>,
}

impl<'a> PairSlopes<'a> {
    /// `x` strictly increasing; points with a coordinate that is not finite carry no slope and
    /// are left out (and would make every count meaningless).
    pub(super) fn new(x: &'a [f64], y: &'a [f64]) -> Self {
        let n = x.len().min(y.len());
        let (x, y): (Cow<'a, [f64]>, Cow<'a, [f64]>) =
            if x[..n].iter().chain(&y[..n]).all(|v| v.is_finite()) {
                (Cow::Borrowed(&x[..n]), Cow::Borrowed(&y[..n]))
            } else {
                let (x, y) = x[..n]
                    .iter()
                    .zip(&y[..n])
                    .filter(|(a, b)| a.is_finite() && b.is_finite())
                    .map(|(a, b)| (*a, *b))
                    .unzip::<f64, f64, Vec<f64>, Vec<f64>>();
                (Cow::Owned(x), Cow::Owned(y))
            };
        let n = x.len();
        let total = if n < 2 { 0 } else { (n as u64) * (n as u64 - 1) / 2 };
        let mut slopes = PairSlopes {
            x,
            y,
            total,
            all: None,
            sample: Vec::new(),
            probes: Vec::new(),
            listed: None,
            slope_scale: 0.0,
            z: Vec::new(),
            buffer: Vec::new(),
        };
        if n <= ENUMERATE_UP_TO {
            let (x, y) = (&slopes.x, &slopes.y);
            let mut all = Vec::with_capacity(total as usize);
            for i in 0..n {
                for j in i + 1..n {
                    let dx = x[j] - x[i];
                    if dx > 0.0 {
                        all.push((y[j] - y[i]) / dx);
                    }
                }
            }
            slopes.all = Some(all);
        } else {
            slopes.start_sampling();
        }
        slopes
    }

    /// The median of the pairwise slopes (0 with fewer than two points).
    pub(super) fn median(&mut self) -> f64 {
        let total = self.total;
        if total == 0 {
            return 0.0;
        }
        if total % 2 == 1 {
            self.at_rank(total / 2)
        } else {
            (self.at_rank(total / 2 - 1) + self.at_rank(total / 2)) / 2.0
        }
    }

    /// The Theil–Sen line through `median` with Sen's interval from `s_variance`.
    pub(super) fn fit_around(&mut self, median: f64, s_variance: f64) -> TheilSen {
        let intercept =
            median_of(self.x.iter().zip(self.y.iter()).map(|(xi, yi)| yi - median * xi).collect());
        if self.total == 0 {
            let intercept = self.y.first().copied().unwrap_or(0.0);
            return TheilSen { slope: 0.0, slope_low: 0.0, slope_high: 0.0, intercept };
        }
        let pairs = self.total as f64;
        let c = Z_95 * s_variance.max(0.0).sqrt();
        let low_rank = (((pairs - c) / 2.0).floor().max(0.0) as u64).min(self.total - 1);
        let high_rank = (((pairs + c) / 2.0).ceil() as u64).min(self.total - 1);
        TheilSen {
            slope: median,
            slope_low: self.at_rank(low_rank),
            slope_high: self.at_rank(high_rank),
            intercept,
        }
    }

    /// The `rank`-th smallest (0-based) pairwise slope.
    pub(super) fn at_rank(&mut self, rank: u64) -> f64 {
        if let Some(all) = &mut self.all {
            if all.is_empty() {
                return 0.0;
            }
            let index = (rank as usize).min(all.len() - 1);
            let (_, value, _) = all.select_nth_unstable_by(index, f64::total_cmp);
            return *value;
        }
        self.select_large(rank.min(self.total.saturating_sub(1)))
    }

    /// Draws the sample and sets the outer bracket: every slope lies strictly between ±bound.
    fn start_sampling(&mut self) {
        let (x, y): (&[f64], &[f64]) = (&self.x, &self.y);
        let n = x.len();
        let y_range = y.iter().fold(0.0f64, |m, v| m.max(v.abs())) * 2.0;
        let min_dx =
            x.windows(2).map(|w| w[1] - w[0]).filter(|d| *d > 0.0).fold(f64::INFINITY, f64::min);
        let bound = if min_dx.is_finite() && min_dx > 0.0 { y_range / min_dx + 1.0 } else { 1.0 };
        self.probes = vec![(-bound, 0), (bound, self.total)];
        let span = x.last().zip(x.first()).map_or(0.0, |(last, first)| last - first);
        self.slope_scale = if span > 0.0 { y_range / 2.0 / span } else { 0.0 };
        self.z = vec![0.0; n];
        self.buffer = vec![0.0; n];

        let wanted = (4 * n).clamp(20_000, 1_000_000);
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
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
        radsort::sort(&mut sample);
        self.sample = sample;
    }

    /// Pairs with slope < b: the inversions of z = y − b·x in x order. Remembered as a probe.
    fn probe(&mut self, b: f64) -> (f64, u64) {
        for ((z, x), y) in self.z.iter_mut().zip(self.x.iter()).zip(self.y.iter()) {
            *z = y - b * x;
        }
        let (count, _) = count_inversions_with(&mut self.z, &mut self.buffer);
        let at = self.probes.partition_point(|&(p, _)| p < b);
        if self.probes.get(at).is_none_or(|&(p, _)| p != b) {
            self.probes.insert(at, (b, count));
        }
        (b, count)
    }

    fn probed(&self, b: f64) -> bool {
        self.probes.binary_search_by(|(p, _)| p.total_cmp(&b)).is_ok()
    }

    /// The tightest known bracket of `rank`: the last probe with at most `rank` pairs below it
    /// and the first with more.
    fn bracket(&self, rank: u64) -> ((f64, u64), (f64, u64)) {
        let above = self.probes.partition_point(|&(_, count)| count <= rank);
        let high = self.probes.get(above).copied().unwrap_or((f64::INFINITY, self.total));
        let low = above.checked_sub(1).map_or((f64::NEG_INFINITY, 0), |i| self.probes[i]);
        (low, high)
    }

    /// Randomised selection (after Dillencourt, Mount & Netanyahu, 1992): the sample says
    /// where among its points the rank should fall; two counts just either side of that place
    /// (±`BRACKET_SIGMAS` of the sampling error) bracket it, and the same again inside the
    /// bracket narrows it, until it holds a few pairs per point; those pairs are listed and the
    /// rank selected. Each count is O(n log n); brackets and counts are shared between ranks.
    fn select_large(&mut self, rank: u64) -> f64 {
        let budget = LISTED_PAIRS_PER_POINT * self.x.len() as u64;
        let (mut low, mut high) = self.bracket(rank);
        let mut steps = 0;
        // Counts are monotone in the slope except where rounding blurs slopes closer than a
        // hair, so every difference of counts saturates rather than trusting that.
        while high.1.saturating_sub(low.1) > budget && steps < MAX_NARROWING_STEPS {
            steps += 1;
            let first = self.sample.partition_point(|&s| s <= low.0);
            let last = self.sample.partition_point(|&s| s < high.0);
            let inside = last.saturating_sub(first);
            let mut candidates = [None, None];
            if inside >= MIN_SAMPLE_TO_INTERPOLATE {
                let share =
                    rank.saturating_sub(low.1) as f64 / high.1.saturating_sub(low.1).max(1) as f64;
                let centre = first as f64 + share * inside as f64;
                let error = BRACKET_SIGMAS * (inside as f64 * share * (1.0 - share)).sqrt() + 1.0;
                let below = (centre - error).floor();
                let above = (centre + error).ceil();
                if below > first as f64 {
                    candidates[0] = Some(self.sample[below as usize]);
                }
                if above < last as f64 {
                    candidates[1] = Some(self.sample[above as usize]);
                }
            }
            let mut probed = false;
            for b in candidates.into_iter().flatten() {
                if low.0 < b && b < high.0 {
                    self.probe(b);
                    (low, high) = self.bracket(rank);
                    probed = true;
                }
            }
            if probed {
                continue;
            }
            // Too few sample points inside to aim with. Many equal slopes (a straight or flat
            // stretch) put the rank at the bracket's low end: one count a hair above it says
            // whether the rank is among them. Counts compare y − b·x, which rounding blurs for
            // slopes closer than that hair, so a bracket narrower than it holds equal slopes.
            let hair = SAME_SLOPE_RELATIVE * low.0.abs().max(self.slope_scale);
            let tie_edge = low.0 + hair;
            if high.0 <= tie_edge {
                return low.0;
            }
            let mid = if inside > 1 {
                self.sample[first + inside / 2]
            } else if !self.probed(tie_edge) {
                tie_edge
            } else {
                low.0 + (high.0 - low.0) / 2.0
            };
            if !(low.0 < mid && mid < high.0) {
                break;
            }
            self.probe(mid);
            (low, high) = self.bracket(rank);
        }
        let reuse = matches!(&self.listed, Some((l, h, _, _)) if *l == low.0 && *h == high.0);
        if !reuse {
            let expected = usize::try_from(high.1.saturating_sub(low.1).min(budget)).unwrap_or(0);
            let slopes = pairs_between(&self.x, &self.y, low.0, high.0, expected);
            self.listed = Some((low.0, high.0, low.1, slopes));
        }
        let Some((l, h, below, slopes)) = &mut self.listed else {
            return 0.0;
        };
        if slopes.is_empty() {
            return *l + (*h - *l) / 2.0;
        }
        let index = (rank.saturating_sub(*below) as usize).min(slopes.len() - 1);
        let (_, value, _) = slopes.select_nth_unstable_by(index, f64::total_cmp);
        *value
    }
}

/// The slopes in [low, high): pairs whose order by y − low·x and by y − high·x differ. In the
/// order by y − low·x, these are the inversions of y − high·x, which an insertion sort meets
/// one shift each: O(n log n) for the first order, then O(n + pairs).
fn pairs_between(x: &[f64], y: &[f64], low: f64, high: f64, expected: usize) -> Vec<f64> {
    // A stable sort of points in x order: equal values keep the order of their index.
    let mut order: Vec<(f64, usize)> =
        x.iter().zip(y).enumerate().map(|(i, (xi, yi))| (yi - low * xi, i)).collect();
    radsort::sort_by_key(&mut order, |&(z, _)| z + 0.0);
    let mut items: Vec<(f64, usize)> =
        order.iter().map(|&(_, i)| (y[i] - high * x[i], i)).collect();
    let mut slopes = Vec::with_capacity(expected);
    for next in 1..items.len() {
        let key = items[next];
        let mut at = next;
        while at > 0 && items[at - 1].0 > key.0 {
            let earlier = items[at - 1].1;
            slopes.push((y[key.1] - y[earlier]) / (x[key.1] - x[earlier]));
            items[at] = items[at - 1];
            at -= 1;
        }
        items[at] = key;
    }
    slopes
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
            let found = PairSlopes::new(&x, &y).at_rank(rank as u64);
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
            prop_assert_eq!(PairSlopes::new(&x, &y).at_rank(rank as u64), slopes[rank]);
        }
    }

    /// Straight and flat series make every pair slope equal: the selection must say so after a
    /// few counts, not narrow the bracket forever and then list all n² pairs.
    #[test]
    fn equal_slopes_are_found_without_listing_every_pair() {
        let n = 50_000;
        let x: Vec<f64> = (0..n).map(f64::from).collect();
        for (y, slope) in [
            (x.iter().map(|t| 3.0 * t + 7.0).collect::<Vec<f64>>(), 3.0),
            (vec![512.0; n as usize], 0.0),
        ] {
            let mut selector = PairSlopes::new(&x, &y);
            assert_eq!(selector.median(), slope);
            assert_eq!(selector.at_rank(0), slope);
            assert!(selector.probes.len() < 20, "{} counts", selector.probes.len());
            assert!(selector.listed.as_ref().is_none_or(|l| l.3.len() < 8 * n as usize));
        }
        // Half the pairs on a plateau, the rest noisy.
        let y: Vec<f64> = (0..2000)
            .map(|i| if i < 1400 { 100.0 } else { 100.0 + ((i * 7919) % 97) as f64 })
            .collect();
        let x: Vec<f64> = (0..2000).map(f64::from).collect();
        let slopes = brute_slopes(&x, &y);
        let mut selector = PairSlopes::new(&x, &y);
        for rank in [0, slopes.len() / 4, slopes.len() / 2, slopes.len() - 1] {
            assert_eq!(selector.at_rank(rank as u64), slopes[rank], "rank {rank}");
        }
    }

    /// Points that are not finite are left out rather than poisoning every count.
    #[test]
    fn points_that_are_not_finite_are_left_out() {
        let x: Vec<f64> = (0..1000).map(f64::from).collect();
        let clean: Vec<f64> = x.iter().map(|t| 2.0 * t + ((*t as i64 * 31) % 7) as f64).collect();
        let mut dirty = clean.clone();
        dirty[10] = f64::NAN;
        dirty[500] = f64::INFINITY;
        let kept: (Vec<f64>, Vec<f64>) =
            x.iter().zip(&dirty).filter(|(_, v)| v.is_finite()).map(|(a, b)| (*a, *b)).unzip();
        assert_eq!(theil_sen(&x, &dirty), theil_sen(&kept.0, &kept.1));
        assert!((theil_sen_slope(&x, &dirty) - 2.0).abs() < 0.05);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]
        /// One selector answers several ranks in any order (they share its counts and its
        /// listed bracket), each exactly.
        #[test]
        fn shared_selection_is_exact(
            y in proptest::collection::vec(prop_oneof![-1e4f64..1e4, (-20i32..20).prop_map(f64::from)], 401..700),
            shares in proptest::collection::vec(0.0f64..1.0, 1..6),
        ) {
            let x: Vec<f64> = (0..y.len()).map(|i| i as f64 * 0.5 + (i % 3) as f64 * 0.1).collect();
            let slopes = brute_slopes(&x, &y);
            let mut selector = PairSlopes::new(&x, &y);
            for share in shares {
                let rank = ((slopes.len() - 1) as f64 * share) as usize;
                prop_assert_eq!(selector.at_rank(rank as u64), slopes[rank]);
                prop_assert_eq!(selector.at_rank(rank as u64 + 1), slopes[(rank + 1).min(slopes.len() - 1)]);
            }
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
