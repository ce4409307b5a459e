//! Ordinary least squares.

/// An ordinary least-squares line.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
