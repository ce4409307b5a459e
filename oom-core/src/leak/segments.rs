//! One segment between restarts: constant, line, step, two steps, hinge and saturation fitted
//! by least squares and compared by BIC, then the tests a growth must pass to count as a leak.

use crate::leak::Thresholds;
use crate::leak::quantile::{median, robust_sigma};
use crate::trend::{mann_kendall_hamed_rao, ols};

/// What one segment shows.
pub(super) enum Verdict {
    /// Sustained growth from `onset` (an index into the segment).
    Growth {
        onset: usize,
    },
    /// One or two mean shifts, in time order: each at an index into the segment, of a size
    /// (the level after minus the level before, bytes).
    Shift(Vec<(usize, f64)>),
    Flat,
}

/// The models compared on a segment, in the order that breaks ties in BIC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Model {
    /// A constant (its mean).
    Constant,
    /// A straight line.
    Line,
    /// Two levels (a mean shift).
    Step,
    /// Three levels (two mean shifts: two deploys, each raising the baseline).
    TwoSteps,
    /// Flat, then a line from an onset.
    Hinge,
    /// A line that levels off.
    Saturation,
}

impl Model {
    /// Free parameters, for BIC: a mean; slope and intercept; two means and the break; three
    /// means and two breaks; a level, a slope and the onset; an intercept, a slope and the knee.
    fn parameters(self) -> f64 {
        match self {
            Self::Constant => 1.0,
            Self::Line => 2.0,
            Self::Step | Self::Hinge | Self::Saturation => 3.0,
            Self::TwoSteps => 5.0,
        }
    }
}

/// BIC differences below this are "not worth more than a bare mention" (Kass and Raftery,
/// "Bayes Factors", JASA 1995, table in §3.2): 2. A saturation whose knee sits at the last
/// points is a line, and must not turn growth into warm-up by a fraction of a point.
pub(super) const BIC_MARGIN: f64 = 2.0;

/// Relative size of a residual that is rounding, not misfit: a millionth of the largest value
/// (a byte in a mebibyte; a metric dump seldom carries more digits).
const NUMERICAL_PRECISION: f64 = 1e-6;

/// The verdict on one segment (`x` in hours, `y` its floors): which model wins, and whether a
/// rise is a leak.
pub(super) fn fit_segment(
    x: &[f64],
    y: &[f64],
    window_hours: f64,
    level: f64,
    thresholds: &Thresholds,
) -> Verdict {
    let t = thresholds;
    let k = x.len();
    if k < t.segment_min_buckets {
        return Verdict::Flat;
    }
    let kf = k as f64;
    // Residuals below the data's rounding are no evidence: on a perfectly straight series the
    // line's rounding error would otherwise lose to a saturation or hinge that happens to fit
    // exactly, and a leak would read as levelling off.
    let scale = y.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let precision_sse = kf * (NUMERICAL_PRECISION * scale).powi(2);
    let bic = |sse: f64, model: Model| {
        kf * (sse.max(precision_sse).max(f64::MIN_POSITIVE) / kf).ln()
            + model.parameters() * kf.ln()
    };
    let mean = y.iter().sum::<f64>() / kf;
    let sse_const: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    let line = ols(x, y);
    let sse_line: f64 =
        x.iter().zip(y).map(|(a, b)| (b - line.intercept - line.slope * a).powi(2)).sum();
    let (sse_step, step_at) = best_step(y);
    let (sse_two_steps, two_at, two_sizes) = match staircase(x, y, t) {
        Some((sse, [(first, first_size), (second, second_size)])) => {
            (sse, (first, second), (first_size, second_size))
        }
        None => (f64::INFINITY, (0, 0), (0.0, 0.0)),
    };
    let (sse_hinge, onset, hinge_slope) = best_hinge(x, y, t.breakpoint_margin);
    let (sse_saturation, _) = best_saturation(x, y, t.breakpoint_margin);
    let scores = [
        (Model::Constant, bic(sse_const, Model::Constant)),
        (Model::Line, bic(sse_line, Model::Line)),
        (Model::Step, bic(sse_step, Model::Step)),
        (Model::TwoSteps, bic(sse_two_steps, Model::TwoSteps)),
        (Model::Hinge, bic(sse_hinge, Model::Hinge)),
        (Model::Saturation, bic(sse_saturation, Model::Saturation)),
    ];
    // A richer model must earn its parameters: among those within BIC_MARGIN of the lowest
    // score, the one with the fewest parameters wins (the earlier on a tie).
    let lowest = scores.iter().map(|s| s.1).fold(f64::INFINITY, f64::min);
    let best = scores
        .iter()
        .filter(|s| s.1 <= lowest + BIC_MARGIN)
        .min_by(|a, b| a.0.parameters().total_cmp(&b.0.parameters()))
        .map_or(Model::Constant, |s| s.0);
    let (onset, slope) = match best {
        Model::Line => (0, line.slope),
        Model::Hinge => (onset, hinge_slope),
        // A level shift must explain most of the variation, not just beat a constant.
        Model::Step if sse_step < t.level_shift_max_residual_share * sse_const => {
            let size = median(&y[step_at..]) - median(&y[..step_at]);
            return Verdict::Shift(vec![(step_at, size)]);
        }
        // Two shifts (stacked deploys): each is named, and a staircase is never a leak — a
        // line, a hinge or a saturation that fits as well wins, having fewer parameters.
        Model::TwoSteps if sse_two_steps < t.level_shift_max_residual_share * sse_const => {
            return Verdict::Shift(vec![(two_at.0, two_sizes.0), (two_at.1, two_sizes.1)]);
        }
        _ => return Verdict::Flat,
    };
    if slope <= 0.0 || k - onset < t.growth_min_buckets {
        return Verdict::Flat;
    }
    let grow_x = &x[onset..];
    let grow_y = &y[onset..];
    let duration = grow_x[grow_x.len() - 1] - grow_x[0];
    // Growth must cover a fair part of the window, last longer than a start-up climb, be
    // significant, and be material.
    if duration < t.growth_min_window_share * window_hours.min(x[k - 1] - x[0]).max(f64::EPSILON)
        || duration < t.growth_min_hours
    {
        return Verdict::Flat;
    }
    let test = mann_kendall_hamed_rao(grow_x, grow_y, t.max_lag(grow_x.len()));
    let residual_scale = {
        let residuals: Vec<f64> = grow_x
            .iter()
            .zip(grow_y)
            .map(|(a, b)| b - (grow_y[0] + slope * (a - grow_x[0])))
            .collect();
        robust_sigma(&residuals, median(&residuals))
    };
    let growth = slope * duration;
    let material =
        growth >= (t.growth_min_noise_multiple * residual_scale).max(t.growth_min_relative * level);
    // Still growing in the last part (third): growth that levels off is warm-up, not a leak.
    let parts = t.late_growth_parts.max(1);
    let late = grow_x.len() * (parts - 1) / parts;
    let late_slope = crate::trend::theil_sen_slope(&grow_x[late..], &grow_y[late..]);
    let still_growing = late_slope > t.late_growth_min_share * slope;
    // The onset was searched for, so its test is one of many: Bonferroni over the onsets the
    // hinge could have taken (none for a line from the start), counting onsets closer than
    // `growth_min_buckets` as one, since they test nearly the same points.
    let searched = if onset > 0 {
        (k.saturating_sub(t.breakpoint_margin) / t.growth_min_buckets.max(1)).max(1)
    } else {
        1
    };
    let corrected = test.p_value * searched as f64;
    if test.z > 0.0 && corrected < t.growth_max_p_value && material && still_growing {
        Verdict::Growth { onset }
    } else {
        Verdict::Flat
    }
}

/// Squared deviations of any stretch `y[a..b]` from its own mean, from prefix sums: O(n) to
/// build, O(1) per stretch, so that every break of a step or a staircase can be tried.
struct SegmentSse {
    sum: Vec<f64>,
    sum_of_squares: Vec<f64>,
}

impl SegmentSse {
    fn new(y: &[f64]) -> Self {
        let (mut sum, mut sum_of_squares) = (vec![0.0; y.len() + 1], vec![0.0; y.len() + 1]);
        for (i, v) in y.iter().enumerate() {
            sum[i + 1] = sum[i] + v;
            sum_of_squares[i + 1] = sum_of_squares[i] + v * v;
        }
        SegmentSse { sum, sum_of_squares }
    }

    /// For `a < b ≤ y.len()`.
    fn of(&self, a: usize, b: usize) -> f64 {
        let m = (b - a) as f64;
        let s = self.sum[b] - self.sum[a];
        self.sum_of_squares[b] - self.sum_of_squares[a] - s * s / m
    }
}

/// Best single mean shift: (SSE, first index of the second level).
pub(super) fn best_step(y: &[f64]) -> (f64, usize) {
    let n = y.len();
    let sums = SegmentSse::new(y);
    let sse = |a: usize, b: usize| sums.of(a, b);
    if n < 4 {
        return (f64::INFINITY, n / 2);
    }
    (2..n - 1)
        .map(|j| (sse(0, j) + sse(j, n), j))
        .fold((f64::INFINITY, n / 2), |best, c| if c.0 < best.0 { c } else { best })
}

/// The best two mean shifts of `y` (at `x`) when they make a staircase: (SSE, [(index, size);
/// 2]), each index the first of a new level and each size the level after minus the level
/// before. Only shifts the same way stack up (two deploys each raising the baseline); up and
/// back down is an excursion (a spike, a plateau) or a cycle. And each level is flat: a ramp
/// (or a leak's climb before a kill) cut into steps drifts within each step as much as it jumps
/// between them ([`Thresholds::level_shift_max_drift_share`]).
pub(super) fn staircase(x: &[f64], y: &[f64], t: &Thresholds) -> Option<(f64, [(usize, f64); 2])> {
    let (sse, (first, second)) = best_two_steps(y, t.growth_min_buckets);
    if !sse.is_finite() {
        return None;
    }
    let k = y.len();
    let sizes = (
        median(&y[first..second]) - median(&y[..first]),
        median(&y[second..]) - median(&y[first..second]),
    );
    let smallest = sizes.0.abs().min(sizes.1.abs());
    let flat_levels = [(0, first), (first, second), (second, k)].iter().all(|&(a, b)| {
        let drift = crate::trend::theil_sen_slope(&x[a..b], &y[a..b]) * (x[b - 1] - x[a]);
        drift.abs() < t.level_shift_max_drift_share * smallest
    });
    (sizes.0 * sizes.1 > 0.0 && flat_levels).then_some((sse, [(first, sizes.0), (second, sizes.1)]))
}

/// Best two mean shifts, each level at least `shortest` points long: (SSE, (first index of the
/// second level, first index of the third)). O(n²) over prefix sums.
pub(super) fn best_two_steps(y: &[f64], shortest: usize) -> (f64, (usize, usize)) {
    let n = y.len();
    let shortest = shortest.max(2);
    let none = (f64::INFINITY, (n / 3, 2 * n / 3));
    if n < 3 * shortest {
        return none;
    }
    let sums = SegmentSse::new(y);
    let sse = |a: usize, b: usize| sums.of(a, b);
    let mut best = none;
    for first in shortest..=n - 2 * shortest {
        for second in first + shortest..=n - shortest {
            let total = sse(0, first) + sse(first, second) + sse(second, n);
            if total < best.0 {
                best = (total, (first, second));
            }
        }
    }
    best
}

/// Best "flat, then a line from τ": (SSE, onset index, slope). The onset is searched up to
/// `margin` buckets before the end.
pub(super) fn best_hinge(x: &[f64], y: &[f64], margin: usize) -> (f64, usize, f64) {
    let n = x.len();
    let mut best = (f64::INFINITY, 0, 0.0);
    for onset in 1..n.saturating_sub(margin) {
        let tau = x[onset];
        let u: Vec<f64> = x.iter().map(|t| (t - tau).max(0.0)).collect();
        let fit = ols(&u, y);
        let sse: f64 =
            u.iter().zip(y).map(|(a, b)| (b - fit.intercept - fit.slope * a).powi(2)).sum();
        if sse < best.0 {
            best = (sse, onset, fit.slope);
        }
    }
    best
}

/// Best "a line that levels off at τ": (SSE, index). The knee is searched from `margin`
/// buckets after the start.
fn best_saturation(x: &[f64], y: &[f64], margin: usize) -> (f64, usize) {
    let n = x.len();
    let mut best = (f64::INFINITY, n);
    for end in margin..n.saturating_sub(1) {
        let tau = x[end];
        let u: Vec<f64> = x.iter().map(|t| t.min(tau)).collect();
        let fit = ols(&u, y);
        let sse: f64 =
            u.iter().zip(y).map(|(a, b)| (b - fit.intercept - fit.slope * a).powi(2)).sum();
        if sse < best.0 {
            best = (sse, end);
        }
    }
    best
}
