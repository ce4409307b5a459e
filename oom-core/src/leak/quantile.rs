//! Quantiles by nearest rank, shared by the steps of the analysis.

/// The median (nearest rank); 0 for no values.
pub(super) fn median(values: &[f64]) -> f64 {
    quantile(values, 0.5)
}

/// The `q` quantile by nearest rank (`(n − 1)·q`, rounded); 0 for no values.
pub(super) fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    let (_, value, _) = sorted.select_nth_unstable_by(index, f64::total_cmp);
    *value
}

/// Scale factor from the median absolute deviation to the standard deviation of normal data
/// (1 / Φ⁻¹(3/4) ≈ 1.4826), so that a robust spread is comparable to a σ.
const MAD_TO_SIGMA: f64 = 1.4826;

/// A robust standard deviation: 1.4826 × the median absolute deviation of `values` from
/// `centre`.
pub(super) fn robust_sigma(values: &[f64], centre: f64) -> f64 {
    MAD_TO_SIGMA * median(&values.iter().map(|v| (v - centre).abs()).collect::<Vec<_>>())
}
