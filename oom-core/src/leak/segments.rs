//! One segment between restarts: constant, line, step, hinge and saturation fitted by least
//! squares and compared by BIC, then the tests a growth must pass to count as a leak.

use crate::leak::quantile::median;
use crate::trend::{mann_kendall_hamed_rao, ols};

/// What one segment shows.
pub(super) enum Verdict {
    /// Sustained growth from `onset` (an index into the segment).
    Growth {
        onset: usize,
    },
    /// A mean shift at `at`.
    Shift {
        at: usize,
    },
    Flat,
}

pub(super) fn fit_segment(x: &[f64], y: &[f64], window_hours: f64, level: f64) -> Verdict {
    let k = x.len();
    if k < 8 {
        return Verdict::Flat;
    }
    let kf = k as f64;
    let bic = |sse: f64, parameters: f64| {
        kf * (sse.max(f64::MIN_POSITIVE) / kf).ln() + parameters * kf.ln()
    };
    let mean = y.iter().sum::<f64>() / kf;
    let sse_const: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    let line = ols(x, y);
    let sse_line: f64 =
        x.iter().zip(y).map(|(a, b)| (b - line.intercept - line.slope * a).powi(2)).sum();
    let (sse_step, step_at) = best_step(y);
    let (sse_hinge, onset, hinge_slope) = best_hinge(x, y);
    let (sse_saturation, _) = best_saturation(x, y);
    let scores = [
        ("const", bic(sse_const, 1.0)),
        ("line", bic(sse_line, 2.0)),
        ("step", bic(sse_step, 3.0)),
        ("hinge", bic(sse_hinge, 3.0)),
        ("saturation", bic(sse_saturation, 3.0)),
    ];
    let best = scores.iter().min_by(|a, b| a.1.total_cmp(&b.1)).map_or("const", |s| s.0);
    let (onset, slope) = match best {
        "line" => (0, line.slope),
        "hinge" => (onset, hinge_slope),
        // A level shift must explain most of the variation, not just beat a constant.
        "step" if sse_step < 0.5 * sse_const => return Verdict::Shift { at: step_at },
        _ => return Verdict::Flat,
    };
    if slope <= 0.0 || k - onset < 6 {
        return Verdict::Flat;
    }
    let grow_x = &x[onset..];
    let grow_y = &y[onset..];
    let duration = grow_x[grow_x.len() - 1] - grow_x[0];
    // Growth must cover a fair part of the window, be significant, and be material.
    if duration < 0.2 * window_hours.min(x[k - 1] - x[0]).max(f64::EPSILON) {
        return Verdict::Flat;
    }
    let test = mann_kendall_hamed_rao(grow_x, grow_y, grow_x.len() / 4);
    let residual_scale = {
        let residuals: Vec<f64> = grow_x
            .iter()
            .zip(grow_y)
            .map(|(a, b)| b - (grow_y[0] + slope * (a - grow_x[0])))
            .collect();
        let centre = median(&residuals);
        1.4826 * median(&residuals.iter().map(|r| (r - centre).abs()).collect::<Vec<_>>())
    };
    let growth = slope * duration;
    let material = growth >= (3.0 * residual_scale).max(0.05 * level);
    // Still growing in the last third: growth that levels off is warm-up, not a leak.
    let third = grow_x.len() * 2 / 3;
    let late_slope = crate::trend::theil_sen_slope(&grow_x[third..], &grow_y[third..]);
    let still_growing = late_slope > 0.25 * slope;
    if test.z > 0.0 && test.p_value < 0.01 && material && still_growing {
        Verdict::Growth { onset }
    } else {
        Verdict::Flat
    }
}

/// Best single mean shift: (SSE, first index of the second level).
fn best_step(y: &[f64]) -> (f64, usize) {
    let n = y.len();
    let (mut prefix, mut prefix_sq) = (vec![0.0; n + 1], vec![0.0; n + 1]);
    for i in 0..n {
        prefix[i + 1] = prefix[i] + y[i];
        prefix_sq[i + 1] = prefix_sq[i] + y[i] * y[i];
    }
    let sse = |a: usize, b: usize| {
        let m = (b - a) as f64;
        let s = prefix[b] - prefix[a];
        prefix_sq[b] - prefix_sq[a] - s * s / m
    };
    (2..n - 1)
        .map(|j| (sse(0, j) + sse(j, n), j))
        .fold((f64::INFINITY, n / 2), |best, c| if c.0 < best.0 { c } else { best })
}

/// Best "flat, then a line from τ": (SSE, onset index, slope).
fn best_hinge(x: &[f64], y: &[f64]) -> (f64, usize, f64) {
    let n = x.len();
    let mut best = (f64::INFINITY, 0, 0.0);
    for onset in 1..n.saturating_sub(4) {
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

/// Best "a line that levels off at τ": (SSE, index).
fn best_saturation(x: &[f64], y: &[f64]) -> (f64, usize) {
    let n = x.len();
    let mut best = (f64::INFINITY, n);
    for end in 4..n.saturating_sub(1) {
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
