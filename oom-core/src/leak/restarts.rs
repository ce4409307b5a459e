//! Restarts: OOM kills at the limit in force (seen in the samples, however short the cycle;
//! the sample before the drop within about a sample's growth of the limit, none of the samples
//! at the limit clearly above it, the drop above the noise band),
//! new pod names, drops at a limit change, and — only when no limit is known — repeated drops
//! of most of the memory back to the series' low less than an hour apart (start-overs, as in a
//! crash loop of minutes) or else drops back towards the start after an hour of growth, reported
//! as inferred.

use crate::leak::quantile::{median, quantile, robust_sigma};
use crate::leak::{AnalysisOptions, Bucket, HOUR, Thresholds};
use crate::metrics::Sample;

/// Where new processes start, and how each was recognised.
#[derive(Debug, Default)]
pub(crate) struct Restarts {
    /// Bucket indices where a segment starts (sorted, distinct, > 0).
    pub(super) boundaries: Vec<usize>,
    /// Unix seconds of each restart, sorted.
    pub(super) times: Vec<f64>,
    /// How many were drops from the limit in force (OOM kills).
    pub(super) oom: usize,
    /// How many were inferred from the shape alone (no limit known, no pod change).
    pub(super) inferred: usize,
    /// Of those, how many were drops of most of the memory back to the series' low, however
    /// short the cycle: a process starting over, as in a crash loop.
    pub(super) start_overs: usize,
    /// Drops from near the limit in force (at least [`Thresholds::restart_near_limit_share`])
    /// but further below it than an OOM kill leaves: a collection or a kill, not counted.
    pub(super) ambiguous: usize,
    /// How many restarts the cluster counted: `None` when no restart counter or OOM event
    /// series covers the window.
    pub(super) known: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Oom,
    PodChange,
    LimitChange,
    Inferred,
    /// Inferred from a drop of most of the memory back to the series' low (a start-over); each
    /// is its own restart, however close to the next.
    StartOver,
    /// Counted by the cluster (a restart counter's step), not known to be an OOM kill.
    Known,
}

/// All restarts of a series. `limit_at` gives the limit in force at a time.
pub(super) fn find_restarts(
    samples: &[Sample],
    buckets: &[Bucket],
    hours: &[f64],
    pod_changes: &[f64],
    limits: &[(f64, u64)],
    limit_at: &dyn Fn(f64) -> Option<u64>,
    options: &AnalysisOptions,
) -> Restarts {
    let t = &options.thresholds;
    let known = options.known_restarts.as_deref();
    let mut events: Vec<(f64, Kind)> = Vec::new();
    // Drops are judged against the level and against the noise band: the usual step between
    // samples (a robust σ of the first differences, leaving out steps of a restart's size, which
    // a crash loop of a few samples per start is made of), so that noise near the limit makes
    // none.
    let steps: Vec<f64> = samples
        .windows(2)
        .filter(|w| {
            (w[1].bytes - w[0].bytes).abs()
                < t.restart_min_level_drop_share * w[0].bytes.max(w[1].bytes)
        })
        .map(|w| w[1].bytes - w[0].bytes)
        .collect();
    let step_sigma = robust_sigma(&steps, median(&steps));
    // One sample's spread around the trend: the steps' σ over √2.
    let sample_sigma = step_sigma / std::f64::consts::SQRT_2;
    let mut ambiguous = 0;
    // OOM kills: a drop of a good share of the level from the limit in force. A kill happens AT
    // the limit, so the last sample before it is within about one sample's growth of it; a drop
    // from further below (yet near) is a collection as much as a kill: ambiguous.
    // Restarts the cluster counted win: each is one (an OOM kill when its signals say so), and
    // drops it did not count are not restarts, however near the limit.
    if let Some(known) = known {
        events.extend(known.iter().map(|k| (k.time, if k.oom { Kind::Oom } else { Kind::Known })));
    }
    for (i, pair) in samples.windows(2).enumerate().filter(|_| known.is_none()) {
        let (before, after) = (pair[0], pair[1]);
        let Some(limit) = limit_at(before.time) else { continue };
        let dropped = before.bytes - after.bytes;
        if dropped < t.restart_at_limit_min_level_drop_share * before.bytes
            || dropped < t.restart_min_noise_multiple * step_sigma
        {
            continue;
        }
        let limit = limit as f64;
        // A drop as the limit changes is the rollout of the new limit, unless the limit was
        // clearly reached first.
        let changed = limits.iter().skip(1).any(|&(c, _)| c > before.time && c <= after.time);
        let margin = (t.restart_limit_margin_share * limit).max(
            t.restart_limit_margin_steps * growth_per_sample(samples, i, dropped)
                + t.restart_limit_margin_sigmas * sample_sigma,
        );
        let at_limit = if changed {
            before.bytes >= t.limit_reached_share * limit
        } else {
            before.bytes >= limit - margin
        };
        // A climb that went clearly above the limit was not held by it: that limit is not the
        // one in force (the report says samples lie above it), and the fall from there is no OOM
        // kill at it. "Clearly" is the margin's share of the limit or its noise band, not its
        // growth, which explains a last sample below the limit, never one above it.
        let ceiling = limit
            + (t.restart_limit_margin_share * limit)
                .max(t.restart_limit_margin_sigmas * sample_sigma);
        if above_limit(samples, i, limit - margin, ceiling) {
            continue;
        }
        let level_drop = dropped >= t.restart_min_level_drop_share * before.bytes;
        if at_limit {
            events.push((after.time, Kind::Oom));
        } else if level_drop && before.bytes >= t.restart_near_limit_share * limit {
            ambiguous += 1;
        }
    }
    // A changed limit means a new container: its drop, if any, within a few samples.
    for &(change, _) in limits.iter().skip(1) {
        let at = samples.partition_point(|s| s.time < change);
        let from = at.saturating_sub(LIMIT_CHANGE_REACH);
        let to = (at + LIMIT_CHANGE_REACH).min(samples.len());
        let biggest = (from.max(1)..to)
            .map(|i| (i, samples[i - 1].bytes - samples[i].bytes, samples[i - 1].bytes))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((i, dropped, before)) = biggest
            && dropped >= t.restart_min_level_drop_share * before
        {
            events.push((samples[i].time, Kind::LimitChange));
        }
    }
    events.extend(pod_changes.iter().map(|&time| (time, Kind::PodChange)));
    if limits.is_empty() && known.is_none() {
        // Repeated start-overs less than an hour apart (a crash loop of minutes puts many in
        // one bucket) are the restarts, at the resolution of the samples; otherwise drops after
        // an hour of growth are, as the buckets see them.
        let starts = start_overs(samples, step_sigma, t);
        let spacing: Vec<f64> = starts.windows(2).map(|w| (w[1] - w[0]) / HOUR).collect();
        if starts.len() >= t.sawtooth_min_drops && median(&spacing) < t.restart_min_growth_hours {
            events.extend(starts.into_iter().map(|time| (time, Kind::StartOver)));
        } else {
            let known: Vec<f64> = events.iter().map(|e| e.0).collect();
            for i in inferred(buckets, hours, &known, t) {
                events.push((buckets[i].time, Kind::Inferred));
            }
        }
    }
    events.sort_by(|a, b| a.0.total_cmp(&b.0));
    // One restart seen twice (a pod change and its OOM drop a bucket apart) counts once, as an
    // OOM when either view says so.
    let width = if buckets.len() > 1 {
        (buckets[buckets.len() - 1].time - buckets[0].time) / (buckets.len() - 1) as f64
    } else {
        0.0
    };
    let tolerance = width * t.restart_pod_change_buckets as f64;
    let mut merged: Vec<(f64, Kind)> = Vec::new();
    for (time, kind) in events {
        match merged.last_mut() {
            Some(last)
                if time - last.0 <= tolerance && (kind != last.1 || kind == Kind::Inferred) =>
            {
                if kind == Kind::Oom {
                    last.1 = Kind::Oom;
                }
            }
            _ => merged.push((time, kind)),
        }
    }
    // The bucket holding a restart starts the new segment: its floor is already the new low.
    let mut boundaries: Vec<usize> = merged
        .iter()
        .filter_map(|&(time, _)| buckets.iter().position(|b| b.time + width / 2.0 >= time))
        .filter(|&i| i > 0)
        .collect();
    boundaries.dedup();
    Restarts {
        boundaries,
        times: merged.iter().map(|e| e.0).collect(),
        oom: merged.iter().filter(|e| e.1 == Kind::Oom).count(),
        inferred: merged.iter().filter(|e| matches!(e.1, Kind::Inferred | Kind::StartOver)).count(),
        start_overs: merged.iter().filter(|e| e.1 == Kind::StartOver).count(),
        known: known.map(|k| k.len()),
        ambiguous,
    }
}

/// Samples before a drop over which the growth per sample is measured: 12 (an hour of
/// five-minute samples), stopping at an earlier drop.
const GROWTH_LOOKBACK: usize = 12;

/// Growth per sample (bytes, ≥ 0) over the rise that ends at `samples[end]`, the sample before
/// a drop of `dropped`: measured back to [`GROWTH_LOOKBACK`] samples or the previous drop of half
/// that size, whichever is nearer, so that a crash loop of a few samples per start is measured
/// on its own climb.
fn growth_per_sample(samples: &[Sample], end: usize, dropped: f64) -> f64 {
    let mut start = end;
    while start > 0
        && end - start < GROWTH_LOOKBACK
        && samples[start - 1].bytes - samples[start].bytes < dropped / 2.0
    {
        start -= 1;
    }
    if start == end {
        return 0.0;
    }
    ((samples[end].bytes - samples[start].bytes) / (end - start) as f64).max(0.0)
}

/// Whether the run of samples at or above `near` (bytes) that ends at `samples[end]` (the time
/// the series spent at the limit before a drop) holds one above `ceiling` (bytes).
fn above_limit(samples: &[Sample], end: usize, near: f64, ceiling: f64) -> bool {
    samples[..=end].iter().rev().take_while(|s| s.bytes >= near).any(|s| s.bytes > ceiling)
}

/// Times (Unix seconds, of the sample after the drop) of the start-overs in `samples`: sudden
/// drops of [`Thresholds::restart_start_over_min_drop_share`] of the value or more, beyond the
/// noise band (`step_sigma`, the robust σ of the steps between samples) and of half the usage
/// range, back to the series' low, reached by a climb rather than a jump and not undone at once.
fn start_overs(samples: &[Sample], step_sigma: f64, t: &Thresholds) -> Vec<f64> {
    let values: Vec<f64> = samples.iter().map(|s| s.bytes).collect();
    let low = quantile(&values, t.restart_range_low_quantile);
    let range = quantile(&values, t.restart_range_high_quantile) - low;
    let mut found = Vec::new();
    for i in 1..samples.len() {
        let (before, after) = (samples[i - 1].bytes, samples[i].bytes);
        let dropped = before - after;
        if dropped < t.restart_start_over_min_drop_share * before
            || dropped < t.restart_min_drop_share * range
            || dropped < t.restart_min_noise_multiple * step_sigma
            || after > low + t.restart_return_share * dropped
        {
            continue;
        }
        // A spike or an outlier jumps up (or down) and straight back: no process started over.
        let rise_before = if i >= 2 { before - samples[i - 2].bytes } else { 0.0 };
        let rise_after = samples.get(i + 1).map_or(0.0, |next| next.bytes - after);
        if rise_before < t.sawtooth_max_jump_share * dropped
            && rise_after < t.sawtooth_max_jump_share * dropped
        {
            found.push(samples[i].time);
        }
    }
    found
}

/// Samples either side of a limit change searched for the drop of the new container's start.
const LIMIT_CHANGE_REACH: usize = 3;

/// The last `1 / SUDDEN_RISE_PARTS` of a segment (a bucket at least) over which a rise is
/// sudden: 4, its last quarter.
const SUDDEN_RISE_PARTS: usize = 4;

/// Bucket indices where the floor drops back towards its segment's start after at least
/// `restart_min_growth_hours` of growth, by a good share of both the usage range and the level.
fn inferred(buckets: &[Bucket], hours: &[f64], known: &[f64], t: &Thresholds) -> Vec<usize> {
    let floors: Vec<f64> = buckets.iter().map(|b| b.floor).collect();
    let low = quantile(&floors, t.restart_range_low_quantile);
    let high = quantile(
        &buckets.iter().map(|b| b.peak).collect::<Vec<_>>(),
        t.restart_range_high_quantile,
    );
    let range = (high - low).max(f64::EPSILON);
    let known: Vec<usize> = known
        .iter()
        .filter_map(|&time| buckets.iter().position(|b| b.time >= time))
        .filter(|&i| i > 0)
        .collect();
    let mut found = Vec::new();
    let mut segment_start = 0;
    for i in 1..buckets.len() {
        if known.contains(&i) {
            segment_start = i;
            continue;
        }
        if known.iter().any(|&b| b.abs_diff(i) <= t.restart_pod_change_buckets) {
            continue;
        }
        let drop = floors[i - 1] - floors[i];
        // Judged against the level, not the noise band; and an hour of growth at least, as
        // garbage collectors drop memory every few minutes.
        if drop < t.restart_min_drop_share * range
            || drop < t.restart_min_level_drop_share * floors[i - 1]
            || i - segment_start < t.restart_min_segment_buckets
            || hours[i - 1] - hours[segment_start] < t.restart_min_growth_hours
        {
            continue;
        }
        let near_start = floors[i] <= floors[segment_start] + t.restart_return_share * drop;
        // The floor grew through the second half of the segment: not a spike's plateau.
        let half = segment_start + (i - segment_start) / 2;
        let late_growth = crate::trend::theil_sen_slope(&hours[half..i], &floors[half..i])
            * (hours[i - 1] - hours[half]);
        // A process grows into a restart; a spike's end falls back from a sudden rise.
        let recent = i - 1 - ((i - segment_start) / SUDDEN_RISE_PARTS).max(1);
        let gradual = floors[i - 1] - floors[recent] < t.restart_max_sudden_rise_share * drop;
        if near_start && gradual && late_growth >= t.restart_min_late_growth_share * drop {
            found.push(i);
            segment_start = i;
        }
    }
    found
}
