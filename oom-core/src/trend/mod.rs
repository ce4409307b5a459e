//! Trend statistics: least squares, Theil–Sen slope with a confidence interval, and the
//! Mann–Kendall test with the Hamed–Rao correction for autocorrelation, and seasonal
//! decomposition by harmonic regression.
//!
//! Costs: Mann–Kendall's S is counted with merge-sort inversions in O(n log n). A Theil–Sen
//! slope (any rank of the n(n−1)/2 pairwise slopes) is selected exactly without listing them:
//! up to 400 points they are listed; above, a sorted random sample (fixed seed) of pair slopes
//! says where the rank should fall, counts of the pairs below a slope (inversions, O(n log n))
//! bracket it there and narrow the bracket to a few pairs per point, which are then listed. The
//! median and both ends of Sen's interval share one sample and every count, and [`sen_trend`]
//! shares the median between the test and the fit: on 10⁴ points the whole of it takes a few
//! milliseconds (`benches/README.md`). The autocorrelation correction uses a bounded number of
//! lags. Everything is deterministic.
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
//!
//! # Layout
//!
//! - `ols`: ordinary least squares.
//! - `kendall`: Kendall's S and its variance under no trend, counted by merge sort.
//! - `mann_kendall`: the Mann–Kendall test, plain and with the Hamed–Rao correction.
//! - `theil_sen`: Theil–Sen slopes, Sen's interval, and the selection of one pairwise slope.
//! - `seasonal`: daily and weekly cycles fitted jointly with a line (harmonic regression).

mod kendall;
mod mann_kendall;
mod ols;
mod seasonal;
mod theil_sen;

pub use kendall::kendall_s;
pub use mann_kendall::{MannKendall, SenTrend, mann_kendall, mann_kendall_hamed_rao, sen_trend};
pub use ols::{LinearFit, ols};
pub use seasonal::{
    Break, BrokenSeasonal, Seasonal, cycle_fit, cycle_fit_with_shift, seasonal_fit,
    seasonal_fit_with_break,
};
pub use theil_sen::{TheilSen, theil_sen, theil_sen_slope, theil_sen_with_variance};

/// z for a two-sided 95 % interval.
pub const Z_95: f64 = 1.959_963_984_540_054;
