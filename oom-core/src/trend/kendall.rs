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
    s_and_variance(y).0
}

/// Kendall's S and its variance under no trend, with the tie correction (Kendall, 1975), from
/// one sort: the merge sort that counts the discordant pairs also groups the ties.
pub(super) fn s_and_variance(y: &[f64]) -> (i64, f64) {
    let n = y.len() as i64;
    let mut sorted = y.to_vec();
    let discordant = count_inversions(&mut sorted) as i64;
    let (mut tied_pairs, mut tie_variance) = (0i64, 0.0);
    for_each_tie_group(&sorted, |t| {
        tied_pairs += t * (t - 1) / 2;
        let t = t as f64;
        tie_variance += t * (t - 1.0) * (2.0 * t + 5.0);
    });
    let concordant = n * (n - 1) / 2 - tied_pairs - discordant;
    let nf = n as f64;
    (concordant - discordant, (nf * (nf - 1.0) * (2.0 * nf + 5.0) - tie_variance) / 18.0)
}

/// Variance of S under no trend, with the tie correction (Kendall, 1975).
pub(super) fn s_variance(y: &[f64]) -> f64 {
    s_and_variance(y).1
}

/// Calls `group` with the size of every run of equal values (of two or more) in `sorted`.
fn for_each_tie_group(sorted: &[f64], mut group: impl FnMut(i64)) {
    let mut run = 1i64;
    for pair in sorted.windows(2) {
        if pair[0] == pair[1] {
            run += 1;
        } else {
            if run > 1 {
                group(run);
            }
            run = 1;
        }
    }
    if run > 1 {
        group(run);
    }
}

/// Pairs i < j with values[i] > values[j] (strictly), sorting `values` on the way.
pub(super) fn count_inversions(values: &mut [f64]) -> u64 {
    let mut buffer = vec![0.0; values.len()];
    let (count, sorted_in_buffer) = count_inversions_with(values, &mut buffer);
    if sorted_in_buffer {
        values.copy_from_slice(&buffer);
    }
    count
}

/// Runs this short are sorted by insertion, whose shifts are the inversions inside them.
const INSERTION_RUN: usize = 24;

/// [`count_inversions`] with a caller's buffer of the same length: bottom-up merge sort that
/// alternates between the two slices instead of copying back after every merge. Also says
/// whether the sorted values ended in `buffer` (else in `values`).
pub(super) fn count_inversions_with(values: &mut [f64], buffer: &mut [f64]) -> (u64, bool) {
    let n = values.len();
    let mut count = 0u64;
    for run in values.chunks_mut(INSERTION_RUN) {
        for i in 1..run.len() {
            let key = run[i];
            let mut j = i;
            while j > 0 && run[j - 1] > key {
                run[j] = run[j - 1];
                j -= 1;
            }
            count += (i - j) as u64;
            run[j] = key;
        }
    }
    let mut width = INSERTION_RUN;
    let mut in_buffer = false;
    let (mut from, mut to) = (values, &mut buffer[..n]);
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            count += merge_counting(&from[start..mid], &from[mid..end], &mut to[start..end]);
            start = end;
        }
        std::mem::swap(&mut from, &mut to);
        in_buffer = !in_buffer;
        width *= 2;
    }
    (count, in_buffer)
}

/// Merges two sorted runs into `out`, returning the pairs (a in left, b in right) with a > b.
///
/// Merges from both ends at once, `len / 2` steps each: the two ends are independent chains of
/// loads and compares that the processor overlaps, and neither jumps on the data (the value
/// taken is selected by a bit mask), since on noisy series any guess is wrong half the time. A
/// pair is counted once, at whichever of its two values is placed first: a right value placed
/// from the front is below every left value not yet placed, a left value placed from the back
/// above every right value not yet placed. Ties go left-first, so they are never counted.
fn merge_counting(left: &[f64], right: &[f64], out: &mut [f64]) -> u64 {
    let len = left.len() + right.len();
    let out = &mut out[..len];
    // Front cursors, and one past the last value not yet placed from the back.
    let (mut left_front, mut right_front) = (0usize, 0usize);
    let (mut left_back, mut right_back) = (left.len(), right.len());
    let mut count = 0u64;
    for step in 0..len / 2 {
        let a = left.get(left_front).copied().unwrap_or(f64::INFINITY);
        let b = right.get(right_front).copied().unwrap_or(f64::INFINITY);
        let take_right = b < a;
        let mask = 0u64.wrapping_sub(u64::from(take_right));
        out[step] = select(a, b, mask);
        count = count.wrapping_add(left_back.wrapping_sub(left_front) as u64 & mask);
        right_front += usize::from(take_right);
        left_front += usize::from(!take_right);

        let a = left.get(left_back.wrapping_sub(1)).copied().unwrap_or(f64::NEG_INFINITY);
        let b = right.get(right_back.wrapping_sub(1)).copied().unwrap_or(f64::NEG_INFINITY);
        let take_left = b < a;
        let mask = 0u64.wrapping_sub(u64::from(take_left));
        out[len - 1 - step] = select(b, a, mask);
        count = count.wrapping_add(right_back.wrapping_sub(right_front) as u64 & mask);
        left_back = left_back.wrapping_sub(usize::from(take_left));
        right_back = right_back.wrapping_sub(usize::from(!take_left));
    }
    if len % 2 == 1 {
        let a = left.get(left_front).copied().unwrap_or(f64::INFINITY);
        let b = right.get(right_front).copied().unwrap_or(f64::INFINITY);
        let take_right = b < a;
        out[len / 2] = if take_right { b } else { a };
        if take_right {
            count = count.wrapping_add(left_back.wrapping_sub(left_front) as u64);
        }
    }
    count
}

/// `when_clear` where `mask` is all zeros, `when_set` where it is all ones.
fn select(when_clear: f64, when_set: f64, mask: u64) -> f64 {
    let (clear, set) = (when_clear.to_bits(), when_set.to_bits());
    f64::from_bits(clear ^ ((clear ^ set) & mask))
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
        fn s_matches_brute_force(y in proptest::collection::vec(-5i32..5, 0..200)) {
            let y: Vec<f64> = y.into_iter().map(f64::from).collect();
            prop_assert_eq!(kendall_s(&y), brute_s(&y));
        }

        #[test]
        fn inversions_match_brute_force(
            y in proptest::collection::vec(prop_oneof![-1e6f64..1e6, (-3i32..3).prop_map(f64::from)], 0..300)
        ) {
            let brute = (0..y.len())
                .flat_map(|i| (i + 1..y.len()).map(move |j| (i, j)))
                .filter(|&(i, j)| y[i] > y[j])
                .count() as u64;
            let mut sorted = y.clone();
            prop_assert_eq!(count_inversions(&mut sorted), brute);
            prop_assert!(sorted.windows(2).all(|w| w[0] <= w[1]));
            let (mut values, mut buffer) = (y.clone(), vec![0.0; y.len()]);
            prop_assert_eq!(count_inversions_with(&mut values, &mut buffer).0, brute);
        }

        #[test]
        fn variance_matches_the_tie_formula(y in proptest::collection::vec(-4i32..4, 0..120)) {
            let y: Vec<f64> = y.into_iter().map(f64::from).collect();
            let n = y.len() as f64;
            let mut ties = std::collections::BTreeMap::new();
            for v in &y {
                *ties.entry(*v as i64).or_insert(0.0) += 1.0;
            }
            let tie_term: f64 = ties.values().map(|t: &f64| t * (t - 1.0) * (2.0 * t + 5.0)).sum();
            let expected = (n * (n - 1.0) * (2.0 * n + 5.0) - tie_term) / 18.0;
            prop_assert!((s_variance(&y) - expected).abs() < 1e-9);
        }
    }
}
