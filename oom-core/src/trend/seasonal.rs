//! Seasonal decomposition by harmonic regression: a line plus sines and cosines of known
//! periods (a day, a week), fitted jointly by least squares.
//!
//! Fitting the cycle *jointly* with the trend is what keeps partial cycles at the ends of the
//! window from biasing the slope (a window that starts at the daily trough and ends at the daily
//! peak would otherwise look like growth); see Cleveland et al., "STL: A Seasonal-Trend
//! Decomposition Procedure Based on Loess" (1990) for the decomposition idea, and any regression
//! text for harmonic (Fourier) regressors.

use std::f64::consts::TAU;

/// A fitted seasonal component.
#[derive(Debug, Clone, PartialEq)]
pub struct Seasonal {
    /// The seasonal part at each point (same unit as `y`), mean zero over whole cycles.
    pub component: Vec<f64>,
    /// Share (0–1) of the variance left by a straight line that the cycle explains.
    pub explained_share: f64,
    /// Slope of the line fitted jointly with the cycle (unit of `y` per unit of `x`).
    pub slope: f64,
    /// Sum of squared residuals of the whole fit (line and cycle), unit of `y` squared.
    pub residual_sse: f64,
}

/// Fits `y ≈ a + b·x + Σ_p Σ_{k=1..harmonics} (c·sin(2πkx/p) + d·cos(2πkx/p))` by least
/// squares, `x` and `periods` in the same unit (hours, say). Returns `None` when the system is
/// singular or there are too few points (fewer than twice the parameters).
///
/// ```
/// use oom_core::trend::seasonal_fit;
///
/// // Three and a half days, hourly: 4 units an hour of growth under a daily cycle of ±60.
/// let x: Vec<f64> = (0..84).map(f64::from).collect();
/// let y: Vec<f64> = x
///     .iter()
///     .map(|h| 300.0 + 4.0 * h + 60.0 * (std::f64::consts::TAU * h / 24.0).sin())
///     .collect();
/// let fit = seasonal_fit(&x, &y, &[24.0], 2).ok_or("singular")?;
/// assert!((fit.slope - 4.0).abs() < 1e-6);
/// assert!(fit.explained_share > 0.99);
/// let adjusted: Vec<f64> = y.iter().zip(&fit.component).map(|(v, s)| v - s).collect();
/// assert!((adjusted[10] - (300.0 + 40.0)).abs() < 1e-6);
/// # Ok::<(), &str>(())
/// ```
pub fn seasonal_fit(x: &[f64], y: &[f64], periods: &[f64], harmonics: usize) -> Option<Seasonal> {
    let n = x.len().min(y.len());
    if n == 0 {
        return None;
    }
    let line = super::ols(&x[..n], &y[..n]);
    let sse_line: f64 = (0..n).map(|i| (y[i] - line.intercept - line.slope * x[i]).powi(2)).sum();
    let origin = x[0];
    let (beta, sse_full, component) = fit(&x[..n], &y[..n], periods, harmonics, |t| [t - origin])?;
    let explained_share =
        if sse_line > 0.0 { (1.0 - sse_full / sse_line).clamp(0.0, 1.0) } else { 0.0 };
    Some(Seasonal { component, explained_share, slope: beta[1], residual_sse: sse_full })
}

/// Fits a cycle alone, `y ≈ a + Σ_p Σ_k (c·sin(2πkx/p) + d·cos(2πkx/p))`, with no trend:
/// whether a window shorter than its period is explained by the cycle as well as by growth.
/// Its `slope` is 0 and its `explained_share` is of the variance around the mean. Returns
/// `None` as [`seasonal_fit`] does.
///
/// ```
/// use oom_core::trend::cycle_fit;
///
/// // Twelve hours, every 15 minutes, of a daily cycle of ±75 around 500.
/// let x: Vec<f64> = (0..48).map(|i| f64::from(i) / 4.0).collect();
/// let y: Vec<f64> =
///     x.iter().map(|h| 500.0 + 75.0 * (std::f64::consts::TAU * (h - 3.0) / 24.0).sin()).collect();
/// let fit = cycle_fit(&x, &y, &[24.0], 1).ok_or("singular")?;
/// assert!(fit.residual_sse < 1e-6);
/// # Ok::<(), &str>(())
/// ```
pub fn cycle_fit(x: &[f64], y: &[f64], periods: &[f64], harmonics: usize) -> Option<Seasonal> {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    let (_, sse, component) = fit(x, y, periods, harmonics, |_| [0.0; 0])?;
    let mean = y.iter().sum::<f64>() / n.max(1) as f64;
    let total: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    let explained_share = if total > 0.0 { (1.0 - sse / total).clamp(0.0, 1.0) } else { 0.0 };
    Some(Seasonal { component, explained_share, slope: 0.0, residual_sse: sse })
}

/// Fits a cycle with a level that shifts once and no slope, `y ≈ a + s·[x ≥ x_at] + Σ_p Σ_k
/// (c·sin(2πkx/p) + d·cos(2πkx/p))`, at the break `at` (every index with at least `margin`
/// points either side) that leaves the least squared error: whether a window shorter than the
/// period rises by a deploy's shift and the cycle rather than by growth. Returns the fit (its
/// `slope` 0, its `explained_share` of the variance the shift alone leaves), `at` and the shift
/// `s`; `None` as [`seasonal_fit`] does, or when `x` has fewer than `2 × margin` points.
///
/// ```
/// use oom_core::trend::cycle_fit_with_shift;
///
/// // Sixteen hours, every 5 minutes: a daily cycle of ±20 and a rise of 50 at hour 5.
/// let x: Vec<f64> = (0..192).map(|i| f64::from(i) / 12.0).collect();
/// let y: Vec<f64> = x
///     .iter()
///     .map(|h| 250.0 + if *h >= 5.0 { 50.0 } else { 0.0 }
///         + 20.0 * (std::f64::consts::TAU * h / 24.0 + 2.8).sin())
///     .collect();
/// let (fit, at, size) = cycle_fit_with_shift(&x, &y, &[24.0], 1, 4).ok_or("singular")?;
/// assert_eq!(at, 60);
/// assert!((size - 50.0).abs() < 1e-6);
/// assert!(fit.residual_sse < 1e-6);
/// # Ok::<(), &str>(())
/// ```
pub fn cycle_fit_with_shift(
    x: &[f64],
    y: &[f64],
    periods: &[f64],
    harmonics: usize,
    margin: usize,
) -> Option<(Seasonal, usize, f64)> {
    let n = x.len().min(y.len());
    let margin = margin.max(1);
    if n < 2 * margin || periods.iter().any(|p| !(p.is_finite() && *p > 0.0)) {
        return None;
    }
    let (x, y) = (&x[..n], &y[..n]);
    let flat = Design::new(x, y, periods, harmonics, false);
    let mut best: Option<(f64, usize)> = None;
    for at in margin..=n - margin {
        let cut = x[at];
        if let Some(sse) = flat.sse_with(x.iter().map(|&t| f64::from(u8::from(t >= cut))))
            && best.is_none_or(|b| sse < b.0)
        {
            best = Some((sse, at));
        }
    }
    let (_, at) = best?;
    let cut = x[at];
    let shift = |t: f64| [f64::from(u8::from(t >= cut))];
    let (beta, sse_full, component) = fit(x, y, periods, harmonics, shift)?;
    let (_, sse_shift, _) = fit(x, y, &[], 0, shift)?;
    let explained_share =
        if sse_shift > 0.0 { (1.0 - sse_full / sse_shift).clamp(0.0, 1.0) } else { 0.0 };
    Some((Seasonal { component, explained_share, slope: 0.0, residual_sse: sse_full }, at, beta[1]))
}

/// The broken trend a cycle was fitted with by [`seasonal_fit_with_break`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Break {
    /// A line and a one-time level shift of `size` (level after minus level before, unit of
    /// `y`) at the break.
    Shift {
        /// The shift, unit of `y`.
        size: f64,
    },
    /// Flat, then a line from the break (a hinge).
    Hinge,
}

/// A cycle fitted jointly with a trend that breaks once.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokenSeasonal {
    /// The cycle and the trend's slope (of the line, or of the hinge after the break);
    /// `explained_share` is of the variance the same broken trend leaves without the cycle.
    pub seasonal: Seasonal,
    /// Index of the first point after the break.
    pub at: usize,
    /// What breaks there.
    pub kind: Break,
}

/// Fits the cycle of `periods` jointly with the broken trend — a line and a one-time level shift
/// (`a + b·x + s·[x ≥ x_at]`), or flat then a line (`a + b·max(0, x − x_at)`) — whose kind and
/// break `at` (every index with at least `margin` points either side) leave the least squared
/// error. The cycle is then estimated with a deploy's shift or a leak's onset allowed for, so
/// that neither is shared between a straight line and the cycle: a shift read as growth, or the
/// bend of an onset read as a cycle. Returns `None` as [`seasonal_fit`] does, or when `x` has
/// fewer than `2 × margin` points.
///
/// ```
/// use oom_core::trend::{Break, seasonal_fit, seasonal_fit_with_break};
///
/// // Two days, every 15 minutes: a daily cycle of ±60 and a rise of 150 at hour 30.
/// let x: Vec<f64> = (0..192).map(|i| f64::from(i) / 4.0).collect();
/// let y: Vec<f64> = x
///     .iter()
///     .map(|h| 300.0 + if *h >= 30.0 { 150.0 } else { 0.0 }
///         + 60.0 * (std::f64::consts::TAU * h / 24.0).sin())
///     .collect();
/// let broken = seasonal_fit_with_break(&x, &y, &[24.0], 2, 8).ok_or("singular")?;
/// assert_eq!(broken.at, 120);
/// assert!(matches!(broken.kind, Break::Shift { size } if (size - 150.0).abs() < 1e-6));
/// assert!(broken.seasonal.explained_share > 0.99);
/// let line = seasonal_fit(&x, &y, &[24.0], 2).ok_or("singular")?;
/// assert!(broken.seasonal.residual_sse < line.residual_sse);
/// # Ok::<(), &str>(())
/// ```
pub fn seasonal_fit_with_break(
    x: &[f64],
    y: &[f64],
    periods: &[f64],
    harmonics: usize,
    margin: usize,
) -> Option<BrokenSeasonal> {
    let n = x.len().min(y.len());
    let margin = margin.max(1);
    if n < 2 * margin {
        return None;
    }
    let (x, y) = (&x[..n], &y[..n]);
    if periods.iter().any(|p| !(p.is_finite() && *p > 0.0)) {
        return None;
    }
    let origin = x[0];
    let shift = |cut: f64| move |t: f64| [t - origin, f64::from(u8::from(t >= cut))];
    let hinge = |cut: f64| move |t: f64| [(t - cut).max(0.0)];
    // The columns that do not depend on the break are reduced to their normal equations once;
    // each break then adds one column: O(n · columns) per break instead of O(n · columns²).
    let with_line = Design::new(x, y, periods, harmonics, true);
    let flat = Design::new(x, y, periods, harmonics, false);
    let mut best: Option<(f64, usize, bool)> = None;
    for at in margin..=n - margin {
        let cut = x[at];
        let candidates = [
            with_line.sse_with(x.iter().map(|&t| f64::from(u8::from(t >= cut)))).map(|e| (e, true)),
            flat.sse_with(x.iter().map(|&t| (t - cut).max(0.0))).map(|e| (e, false)),
        ];
        for (sse, is_shift) in candidates.into_iter().flatten() {
            if best.is_none_or(|b| sse < b.0) {
                best = Some((sse, at, is_shift));
            }
        }
    }
    let (_, at, is_shift) = best?;
    let cut = x[at];
    let ((beta, sse_full, component), (_, sse_trend, _)) = if is_shift {
        (fit(x, y, periods, harmonics, shift(cut))?, fit(x, y, &[], 0, shift(cut))?)
    } else {
        (fit(x, y, periods, harmonics, hinge(cut))?, fit(x, y, &[], 0, hinge(cut))?)
    };
    let explained_share =
        if sse_trend > 0.0 { (1.0 - sse_full / sse_trend).clamp(0.0, 1.0) } else { 0.0 };
    Some(BrokenSeasonal {
        seasonal: Seasonal { component, explained_share, slope: beta[1], residual_sse: sse_full },
        at,
        kind: if is_shift { Break::Shift { size: beta[2] } } else { Break::Hinge },
    })
}

/// The normal equations of a constant, optionally a line, and the harmonics of some periods,
/// with `y` centred and scaled so that squared errors are computed without cancellation.
struct Design {
    /// Each point's row of the fixed columns.
    rows: Vec<Vec<f64>>,
    /// `XᵀX` of the fixed columns.
    gram: Vec<Vec<f64>>,
    /// `Xᵀy`.
    xty: Vec<f64>,
    /// `yᵀy`.
    yty: f64,
    /// `y`, centred and scaled.
    y: Vec<f64>,
    /// The scale `y` was divided by (squared errors are multiplied back by its square).
    scale: f64,
}

impl Design {
    fn new(x: &[f64], y: &[f64], periods: &[f64], harmonics: usize, line: bool) -> Self {
        let n = x.len().min(y.len());
        let mean = y.iter().sum::<f64>() / n.max(1) as f64;
        let scale = y.iter().fold(0.0f64, |m, v| m.max((v - mean).abs())).max(f64::MIN_POSITIVE);
        let y: Vec<f64> = y.iter().map(|v| (v - mean) / scale).collect();
        let origin = x.first().copied().unwrap_or(0.0);
        let rows: Vec<Vec<f64>> = x
            .iter()
            .map(|&t| {
                let mut r = vec![1.0];
                if line {
                    r.push(t - origin);
                }
                for &p in periods {
                    for k in 1..=harmonics {
                        let angle = TAU * k as f64 * t / p;
                        r.push(angle.sin());
                        r.push(angle.cos());
                    }
                }
                r
            })
            .collect();
        let k = rows.first().map_or(0, Vec::len);
        let mut gram = vec![vec![0.0; k]; k];
        let mut xty = vec![0.0; k];
        for (r, v) in rows.iter().zip(&y) {
            for j in 0..k {
                for l in 0..k {
                    gram[j][l] += r[j] * r[l];
                }
                xty[j] += r[j] * v;
            }
        }
        let yty = y.iter().map(|v| v * v).sum();
        Self { rows, gram, xty, yty, y, scale }
    }

    /// The squared error (unit of the original `y`, squared) of the fixed columns plus `extra`.
    fn sse_with(&self, extra: impl Iterator<Item = f64>) -> Option<f64> {
        let k = self.xty.len();
        let mut cross = vec![0.0; k];
        let (mut ete, mut ety) = (0.0, 0.0);
        for ((r, v), e) in self.rows.iter().zip(&self.y).zip(extra) {
            for j in 0..k {
                cross[j] += r[j] * e;
            }
            ete += e * e;
            ety += e * v;
        }
        let mut a = vec![vec![0.0; k + 2]; k + 1];
        for j in 0..k {
            a[j][..k].copy_from_slice(&self.gram[j]);
            a[j][k] = cross[j];
            a[j][k + 1] = self.xty[j];
        }
        a[k][..k].copy_from_slice(&cross);
        a[k][k] = ete;
        a[k][k + 1] = ety;
        let beta = solve(a)?;
        let explained: f64 =
            beta.iter().zip(self.xty.iter().chain(std::iter::once(&ety))).map(|(b, c)| b * c).sum();
        Some((self.yty - explained).max(0.0) * self.scale * self.scale)
    }
}

/// Least squares of `y` on a constant, `trend(x)` and the harmonics of `periods`: the
/// coefficients, the squared error and the cycle's part at each point.
fn fit<const TREND: usize>(
    x: &[f64],
    y: &[f64],
    periods: &[f64],
    harmonics: usize,
    trend: impl Fn(f64) -> [f64; TREND],
) -> Option<(Vec<f64>, f64, Vec<f64>)> {
    let n = x.len().min(y.len());
    let fixed = 1 + TREND;
    let columns = fixed + 2 * harmonics * periods.len();
    if n < 2 * columns || periods.iter().any(|p| !(p.is_finite() && *p > 0.0)) {
        return None;
    }
    let row = |t: f64| {
        let mut r = Vec::with_capacity(columns);
        r.push(1.0);
        r.extend(trend(t));
        for &p in periods {
            for k in 1..=harmonics {
                let angle = TAU * k as f64 * t / p;
                r.push(angle.sin());
                r.push(angle.cos());
            }
        }
        r
    };
    // Normal equations; the columns are few (≤ 10 or so) and well conditioned over whole cycles.
    let mut a = vec![vec![0.0; columns + 1]; columns];
    for i in 0..n {
        let r = row(x[i]);
        for j in 0..columns {
            for k in 0..columns {
                a[j][k] += r[j] * r[k];
            }
            a[j][columns] += r[j] * y[i];
        }
    }
    let beta = solve(a)?;
    let mut component = Vec::with_capacity(n);
    let mut sse = 0.0;
    for i in 0..n {
        let r = row(x[i]);
        let seasonal: f64 = r[fixed..].iter().zip(&beta[fixed..]).map(|(a, b)| a * b).sum();
        let level: f64 = r[..fixed].iter().zip(&beta[..fixed]).map(|(a, b)| a * b).sum();
        sse += (y[i] - level - seasonal).powi(2);
        component.push(seasonal);
    }
    Some((beta, sse, component))
}

/// Gaussian elimination with partial pivoting on an augmented matrix; `None` if singular.
fn solve(mut a: Vec<Vec<f64>>) -> Option<Vec<f64>> {
    let m = a.len();
    // Singularity is judged against the coefficients only: the right-hand side is in the unit
    // of `y` (bytes, up to 10¹²) and would make any well-posed pivot look negligible.
    let scale = a.iter().flat_map(|r| r[..m].iter()).fold(0.0f64, |s, v| s.max(v.abs()));
    for col in 0..m {
        let pivot = (col..m).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() <= 1e-12 * scale.max(f64::MIN_POSITIVE) {
            return None;
        }
        a.swap(col, pivot);
        let (top, bottom) = a.split_at_mut(col + 1);
        let pivot_row = &top[col];
        for row in bottom.iter_mut() {
            let factor = row[col] / pivot_row[col];
            for (value, above) in row.iter_mut().zip(pivot_row.iter()).skip(col) {
                *value -= factor * above;
            }
        }
    }
    let mut beta = vec![0.0; m];
    for row in (0..m).rev() {
        let tail: f64 = (row + 1..m).map(|k| a[row][k] * beta[k]).sum();
        beta[row] = (a[row][m] - tail) / a[row][row];
    }
    beta.iter().all(|b| b.is_finite()).then_some(beta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_cycles_do_not_bias_the_slope() {
        // 2.3 days starting at the trough: a plain line would see the cycle as growth.
        let x: Vec<f64> = (0..(55 * 4)).map(|i| i as f64 / 4.0).collect();
        let y: Vec<f64> =
            x.iter().map(|h| 1000.0 + 80.0 * (TAU * (h - 6.0) / 24.0).sin()).collect();
        let slope = seasonal_fit(&x, &y, &[24.0], 2).map_or(f64::NAN, |fit| fit.slope);
        assert!(slope.abs() < 1e-6, "{slope}");
    }

    #[test]
    fn too_few_points_or_bad_periods() {
        assert!(seasonal_fit(&[0.0, 1.0], &[1.0, 2.0], &[24.0], 2).is_none());
        let x: Vec<f64> = (0..100).map(f64::from).collect();
        assert!(seasonal_fit(&x, &x, &[0.0], 1).is_none());
    }
}
