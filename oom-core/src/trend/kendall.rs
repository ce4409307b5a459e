//! Kendall's S (concordant minus discordant pairs) and its variance under no trend, with the tie
//! correction: S is counted from merge-sort inversions in O(n log n).

/// S = Σ sign(y_j − y_i) over i < j, in O(n log n).
///
/// ```
/// use oom_core::trend::kendall_s;
///
/// assert_eq!(kendall_s(&[1.0, 2.0, 3.0, 4.0]), 6);
/// assert_eq!(kendall_s(&[1.0, 3.0, 2.0]), 1); // two pairs up, one down
/// ```
pub fn kendall_s(y: &[f64]) -> i64 {
    let n = y.len() as i64;
    let total = n * (n - 1) / 2;
    let ties = tie_groups(y).iter().map(|&t| t * (t - 1) / 2).sum::<i64>();
    let mut values = y.to_vec();
    let discordant = count_inversions(&mut values) as i64;
    let concordant = total - ties - discordant;
    concordant - discordant
}

/// Variance of S under no trend, with the tie correction (Kendall, 1975).
pub(super) fn s_variance(y: &[f64]) -> f64 {
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

/// Sizes of the groups of equal values (of two or more).
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
pub(super) fn count_inversions(values: &mut [f64]) -> u64 {
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

    proptest! {
        #[test]
        fn s_matches_brute_force(y in proptest::collection::vec(-5i32..5, 0..60)) {
            let y: Vec<f64> = y.into_iter().map(f64::from).collect();
            prop_assert_eq!(kendall_s(&y), brute_s(&y));
        }
    }
}
