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
    let columns = 2 + 2 * harmonics * periods.len();
    if n < 2 * columns || periods.iter().any(|p| !(p.is_finite() && *p > 0.0)) {
        return None;
    }
    let origin = x[0];
    let row = |t: f64| {
        let mut r = Vec::with_capacity(columns);
        r.push(1.0);
        r.push(t - origin);
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
    let (mut sse_full, mut sse_line) = (0.0, 0.0);
    let line = super::ols(&x[..n], &y[..n]);
    for i in 0..n {
        let r = row(x[i]);
        let seasonal: f64 = r[2..].iter().zip(&beta[2..]).map(|(a, b)| a * b).sum();
        let fitted = beta[0] + beta[1] * r[1] + seasonal;
        sse_full += (y[i] - fitted).powi(2);
        sse_line += (y[i] - line.intercept - line.slope * x[i]).powi(2);
        component.push(seasonal);
    }
    let explained_share =
        if sse_line > 0.0 { (1.0 - sse_full / sse_line).clamp(0.0, 1.0) } else { 0.0 };
    Some(Seasonal { component, explained_share, slope: beta[1], residual_sse: sse_full })
}

/// Gaussian elimination with partial pivoting on an augmented matrix; `None` if singular.
fn solve(mut a: Vec<Vec<f64>>) -> Option<Vec<f64>> {
    let m = a.len();
    let scale = a.iter().flat_map(|r| r.iter()).fold(0.0f64, |s, v| s.max(v.abs()));
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
