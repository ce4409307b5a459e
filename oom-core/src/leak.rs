//! Leak detection on one memory series: leak, one-time spike or steady; growth rate with a
//! confidence interval; when the leak started and which event it follows; time until the limit;
//! and what to set instead.
//!
//! # Method
//!
//! 1. The samples are summarised into (at most) [`BUCKETS`] equal time buckets, keeping each
//!    bucket's *floor* (a low quantile) and peak. The floor ignores what garbage collectors
//!    release every few minutes, so a JVM sawtooth with a flat floor is flat, and a leak under
//!    GC noise still rises. This is O(n) and leaves the statistics a bounded amount of work.
//! 2. Restarts split the series: a new pod name, or a floor that drops back towards its start
//!    after growing (the OOM sawtooth). A drop counts only after at least an hour of growth,
//!    and, when the limit is known, from near the limit.
//! 3. On each segment's floors five models are fitted by least squares — constant, line, step
//!    (mean shift), hinge (flat, then a line from an onset) and saturation (a line that levels
//!    off) — and compared by BIC. A leak is a line or hinge that wins, rises significantly by
//!    the Mann–Kendall test with the Hamed–Rao autocorrelation correction (p < 0.01), grows by
//!    a material amount, and still grows in its last third. A step or a saturation is steady.
//! 4. The slope is Theil–Sen over the floors after the onset, pooled across restart segments
//!    (the median of within-segment pairwise slopes), with Sen's 95 % interval from the
//!    corrected variance.
//! 5. A spike is a short run (≤ 15 % of the window) far above the median (6 robust sigmas and
//!    15 %) that returns to baseline.
//! 6. The recommendation uses [`crate::sizing`]: for a leak, from the data before the onset — a
//!    leak's peak is not a sizing target — plus a temporary relief limit that lasts about a day.
//!
//! ```
//! use oom_core::leak::{AnalysisOptions, Classification, analyze};
//! use oom_core::metrics::{Sample, Series};
//!
//! const MIB: f64 = 1048576.0;
//! // Three days at one sample a minute, growing 8 MiB an hour from 300 MiB.
//! let samples = (0..4320)
//!     .map(|i| Sample { time: 1.7e9 + 60.0 * i as f64, bytes: 300.0 * MIB + 8.0 * MIB * i as f64 / 60.0 })
//!     .collect();
//! let series = Series { labels: Default::default(), samples, limit_bytes: Some(1 << 30), pod_changes: vec![] };
//! let analysis = analyze(&series, &[], &AnalysisOptions::default());
//! assert_eq!(analysis.classification, Classification::Leak);
//! assert!((analysis.slope_bytes_per_hour / MIB - 8.0).abs() < 0.1);
//! ```

use crate::metrics::{Event, Sample, Series};
use crate::sizing::{Recommendation, SizingPolicy, friendly_ceil, recommend};
use crate::trend::{Z_95, mann_kendall_hamed_rao, ols, theil_sen_with_variance};

/// The most buckets a series is summarised into.
pub const BUCKETS: usize = 240;
const HOUR: f64 = 3600.0;

/// What kind of memory behaviour a series shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Classification {
    /// Sustained growth that does not level off (including growth ended by restarts).
    Leak,
    /// A short excursion that returns to baseline.
    Spike,
    /// No sustained growth: noise, wander, GC sawtooth, daily cycle, or a one-time level shift.
    Steady,
}

impl Classification {
    /// `leak`, `spike` or `steady`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Leak => "leak",
            Self::Spike => "spike",
            Self::Steady => "steady",
        }
    }
}

/// Settings of an analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisOptions {
    /// The container's limit, when not in the series itself.
    pub limit_bytes: Option<u64>,
    /// Ratios for the recommendation.
    pub policy: SizingPolicy,
    /// How long before a leak's onset an event may be to be named as its cause, in seconds.
    pub event_window_seconds: f64,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        Self {
            limit_bytes: None,
            policy: SizingPolicy::default(),
            event_window_seconds: 2.0 * HOUR,
        }
    }
}

/// One bucket of the summary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    /// Mean time of its samples, Unix seconds.
    pub time: f64,
    /// Low quantile of its samples, bytes.
    pub floor: f64,
    /// Highest sample, bytes.
    pub peak: f64,
}

/// A fitted growth line: bytes = `start_bytes` + `slope_bytes_per_hour` × hours since `start`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrendLine {
    /// Unix seconds where the line starts (the onset, or the segment start).
    pub start: f64,
    /// Unix seconds where it ends.
    pub end: f64,
    /// Bytes at `start`.
    pub start_bytes: f64,
    /// Growth per hour.
    pub slope_bytes_per_hour: f64,
}

/// A one-time excursion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spike {
    /// Unix seconds of its first sample above the threshold.
    pub start: f64,
    /// Unix seconds of its last sample above the threshold.
    pub end: f64,
    /// Its highest value, bytes.
    pub peak_bytes: f64,
}

/// Everything found about one series.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Leak, spike or steady.
    pub classification: Classification,
    /// Growth rate (Theil–Sen on floors after the onset; pooled across restarts).
    pub slope_bytes_per_hour: f64,
    /// 95 % interval of the growth rate, corrected for autocorrelation.
    pub slope_ci: (f64, f64),
    /// R² of a least-squares line on the same floors.
    pub r_squared: f64,
    /// Mann–Kendall p-value (Hamed–Rao) of the growth.
    pub p_value: f64,
    /// When the leak started, if it started inside the data.
    pub leak_start: Option<f64>,
    /// The event just before the onset, if any.
    pub event: Option<Event>,
    /// The limit used (from the options or the series).
    pub limit_bytes: Option<u64>,
    /// Hours until the trend reaches the limit, for a leak with a known limit.
    pub time_to_oom_hours: Option<f64>,
    /// 95 % interval of that time; the upper end is `None` when it may be never.
    pub time_to_oom_interval: Option<(f64, Option<f64>)>,
    /// Restarts seen (new pods, or drops back to baseline after growth).
    pub restarts: usize,
    /// Their times, Unix seconds.
    pub restart_times: Vec<f64>,
    /// Mean hours between restarts, when there were any.
    pub restart_period_hours: Option<f64>,
    /// Highest sample, bytes.
    pub peak_bytes: f64,
    /// Mean of the samples, bytes.
    pub average_bytes: f64,
    /// Request, limit, `-Xmx`, alert — from pre-leak data for a leak.
    pub recommendation: Option<Recommendation>,
    /// For a leak: a limit that buys about a day, until the code is fixed.
    pub relief_limit_bytes: Option<u64>,
    /// A one-time level shift (time), which is not a leak.
    pub level_shift: Option<f64>,
    /// The excursion, for a spike.
    pub spike: Option<Spike>,
    /// The fitted growth line(s), one per segment, for plots.
    pub trend_lines: Vec<TrendLine>,
    /// The bucket summary, for plots.
    pub buckets: Vec<Bucket>,
    /// Remarks on the data (too short, too few samples, ...).
    pub notes: Vec<String>,
}

/// Analyses one series. `events` may be empty; they need not be sorted.
pub fn analyze(series: &Series, events: &[Event], options: &AnalysisOptions) -> Analysis {
    let samples = &series.samples;
    let limit_bytes = options.limit_bytes.or(series.limit_bytes);
    let peak_bytes = samples.iter().map(|s| s.bytes).fold(0.0, f64::max);
    let average_bytes = if samples.is_empty() {
        0.0
    } else {
        samples.iter().map(|s| s.bytes).sum::<f64>() / samples.len() as f64
    };
    let mut analysis = Analysis {
        classification: Classification::Steady,
        slope_bytes_per_hour: 0.0,
        slope_ci: (0.0, 0.0),
        r_squared: 0.0,
        p_value: 1.0,
        leak_start: None,
        event: None,
        limit_bytes,
        time_to_oom_hours: None,
        time_to_oom_interval: None,
        restarts: 0,
        restart_times: Vec::new(),
        restart_period_hours: None,
        peak_bytes,
        average_bytes,
        recommendation: recommend(peak_bytes, average_bytes, &options.policy).ok(),
        relief_limit_bytes: None,
        level_shift: None,
        spike: None,
        trend_lines: Vec::new(),
        buckets: Vec::new(),
        notes: Vec::new(),
    };
    if samples.len() < 12 {
        analysis.notes.push(format!("only {} samples: too few to judge a trend", samples.len()));
        return analysis;
    }
    let buckets = summarise(samples);
    let origin = buckets[0].time;
    let hours: Vec<f64> = buckets.iter().map(|b| (b.time - origin) / HOUR).collect();
    let floors: Vec<f64> = buckets.iter().map(|b| b.floor).collect();
    let boundaries = restarts(&buckets, &hours, &series.pod_changes, limit_bytes);
    analysis.restarts = boundaries.len();
    analysis.restart_times = boundaries.iter().map(|&i| buckets[i].time).collect();
    if !boundaries.is_empty() {
        let span = buckets[boundaries[boundaries.len() - 1]].time - buckets[0].time;
        analysis.restart_period_hours = Some(span / HOUR / boundaries.len() as f64);
    }

    // Fit each segment between restarts.
    let mut starts = vec![0];
    starts.extend(&boundaries);
    let mut ends: Vec<usize> = boundaries.clone();
    ends.push(buckets.len());
    let window_hours = hours[hours.len() - 1].max(f64::EPSILON);
    let level = median(&floors);
    let mut growing = Vec::new();
    let mut first_shift = None;
    for (&start, &end) in starts.iter().zip(&ends) {
        let fit = fit_segment(&hours[start..end], &floors[start..end], window_hours, level);
        match fit {
            Verdict::Growth { onset } => growing.push((start, end, start + onset)),
            Verdict::Shift { at } => {
                first_shift.get_or_insert(buckets[start + at].time);
            }
            Verdict::Flat => {}
        }
    }

    // A leak needs growth in most of the time covered (a single grown segment among restarts
    // that did not grow is not the OOM sawtooth).
    let growing_hours: f64 = growing.iter().map(|&(s, e, _)| hours[e - 1] - hours[s]).sum();
    let covered = growing_hours >= 0.5 * window_hours || (growing.len() == 1 && starts.len() == 1);
    if !growing.is_empty() && covered {
        let pooled = pooled_slope(&hours, &floors, &growing);
        analysis.classification = Classification::Leak;
        analysis.slope_bytes_per_hour = pooled.slope;
        analysis.slope_ci = (pooled.low, pooled.high);
        analysis.p_value = pooled.p_value;
        analysis.r_squared = pooled.r_squared;
        let (first_start, _, first_onset) = growing[0];
        if first_onset > first_start {
            let onset = buckets[first_onset].time;
            analysis.leak_start = Some(onset);
            let bucket_width = (buckets[buckets.len() - 1].time - origin) / buckets.len() as f64;
            analysis.event = events
                .iter()
                .filter(|e| {
                    e.time <= onset + bucket_width && e.time >= onset - options.event_window_seconds
                })
                .max_by(|a, b| a.time.total_cmp(&b.time))
                .cloned();
        }
        for &(_, end, onset) in &growing {
            let x = &hours[onset..end];
            let y = &floors[onset..end];
            let intercept =
                median(&x.iter().zip(y).map(|(h, f)| f - pooled.slope * h).collect::<Vec<_>>());
            analysis.trend_lines.push(TrendLine {
                start: buckets[onset].time,
                end: buckets[end - 1].time,
                start_bytes: intercept + pooled.slope * hours[onset],
                slope_bytes_per_hour: pooled.slope,
            });
        }
        time_to_oom(&mut analysis, &buckets, &hours, limit_bytes);
        leak_recommendation(&mut analysis, samples, &buckets, &growing, options);
    } else {
        analysis.level_shift = first_shift;
        if let Some(spike) = find_spike(samples) {
            analysis.classification = Classification::Spike;
            analysis.spike = Some(spike);
        }
        // Still report the (insignificant) overall slope, for the record.
        let test = mann_kendall_hamed_rao(&hours, &floors, hours.len() / 4);
        let fit = theil_sen_with_variance(&hours, &floors, test.variance);
        analysis.slope_bytes_per_hour = fit.slope;
        analysis.slope_ci = (fit.slope_low, fit.slope_high);
        analysis.p_value = test.p_value;
        analysis.r_squared = ols(&hours, &floors).r_squared;
    }
    analysis.buckets = buckets;
    analysis
}

/// Equal-time buckets with each one's floor (10th percentile) and peak.
fn summarise(samples: &[Sample]) -> Vec<Bucket> {
    let first = samples[0].time;
    let span = (samples[samples.len() - 1].time - first).max(f64::EPSILON);
    let count = BUCKETS.min(samples.len() / 4).max(2);
    let mut buckets = Vec::with_capacity(count);
    let mut values: Vec<f64> = Vec::new();
    let mut time_sum = 0.0;
    let mut current = 0usize;
    let flush = |values: &mut Vec<f64>, time_sum: &mut f64, buckets: &mut Vec<Bucket>| {
        if values.is_empty() {
            return;
        }
        let n = values.len();
        let rank = (n / 10).min(n - 1);
        let peak = values.iter().copied().fold(f64::MIN, f64::max);
        let (_, floor, _) = values.select_nth_unstable_by(rank, f64::total_cmp);
        buckets.push(Bucket { time: *time_sum / n as f64, floor: *floor, peak });
        values.clear();
        *time_sum = 0.0;
    };
    for sample in samples {
        let index = (((sample.time - first) / span) * count as f64).floor() as usize;
        let index = index.min(count - 1);
        if index != current {
            flush(&mut values, &mut time_sum, &mut buckets);
            current = index;
        }
        values.push(sample.bytes);
        time_sum += sample.time;
    }
    flush(&mut values, &mut time_sum, &mut buckets);
    buckets
}

/// Bucket indices where a new process starts.
fn restarts(
    buckets: &[Bucket],
    hours: &[f64],
    pod_changes: &[f64],
    limit: Option<u64>,
) -> Vec<usize> {
    let floors: Vec<f64> = buckets.iter().map(|b| b.floor).collect();
    let low = quantile(&floors, 0.05);
    let high = quantile(&buckets.iter().map(|b| b.peak).collect::<Vec<_>>(), 0.95);
    let range = (high - low).max(f64::EPSILON);
    let mut boundaries: Vec<usize> = pod_changes
        .iter()
        .filter_map(|&t| buckets.iter().position(|b| b.time >= t))
        .filter(|&i| i > 0)
        .collect();
    let mut segment_start = 0;
    for i in 1..buckets.len() {
        if boundaries.contains(&i) {
            segment_start = i;
            continue;
        }
        // The same restart seen as a pod change a bucket away.
        if boundaries.iter().any(|&b| b.abs_diff(i) <= 2) {
            continue;
        }
        let drop = floors[i - 1] - floors[i];
        // An hour of growth at least: garbage collectors drop memory every few minutes.
        if drop < 0.5 * range || i - segment_start < 6 || hours[i - 1] - hours[segment_start] < 1.0
        {
            continue;
        }
        let near_start = floors[i] <= floors[segment_start] + 0.5 * drop;
        let near_limit = limit.is_none_or(|l| buckets[i - 1].peak >= 0.8 * l as f64);
        // The floor grew through the second half of the segment: not a spike's plateau.
        let half = segment_start + (i - segment_start) / 2;
        let late_growth = crate::trend::theil_sen_slope(&hours[half..i], &floors[half..i])
            * (hours[i - 1] - hours[half]);
        if near_start && near_limit && late_growth >= 0.3 * drop {
            boundaries.push(i);
            segment_start = i;
        }
    }
    boundaries.sort_unstable();
    boundaries.dedup();
    boundaries
}

enum Verdict {
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

fn fit_segment(x: &[f64], y: &[f64], window_hours: f64, level: f64) -> Verdict {
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

struct Pooled {
    slope: f64,
    low: f64,
    high: f64,
    p_value: f64,
    r_squared: f64,
}

/// Theil–Sen over pairs within each growing segment (after its onset), Sen's interval from the
/// summed Hamed–Rao variances.
fn pooled_slope(hours: &[f64], floors: &[f64], segments: &[(usize, usize, usize)]) -> Pooled {
    let mut slopes = Vec::new();
    let (mut s, mut variance) = (0i64, 0.0);
    let mut r_squared = 0.0;
    let mut weight = 0.0;
    for &(_, end, onset) in segments {
        let x = &hours[onset..end];
        let y = &floors[onset..end];
        for i in 0..x.len() {
            for j in i + 1..x.len() {
                if x[j] > x[i] {
                    slopes.push((y[j] - y[i]) / (x[j] - x[i]));
                }
            }
        }
        let test = mann_kendall_hamed_rao(x, y, x.len() / 4);
        s += test.s;
        variance += test.variance;
        r_squared += ols(x, y).r_squared * x.len() as f64;
        weight += x.len() as f64;
    }
    if slopes.is_empty() {
        return Pooled { slope: 0.0, low: 0.0, high: 0.0, p_value: 1.0, r_squared: 0.0 };
    }
    slopes.sort_by(f64::total_cmp);
    let m = slopes.len();
    let slope = if m % 2 == 1 { slopes[m / 2] } else { (slopes[m / 2 - 1] + slopes[m / 2]) / 2.0 };
    let c = Z_95 * variance.sqrt();
    let low_rank = (((m as f64 - c) / 2.0).floor().max(0.0) as usize).min(m - 1);
    let high_rank = (((m as f64 + c) / 2.0).ceil() as usize).min(m - 1);
    let z = if variance > 0.0 && s != 0 {
        (s as f64 - s.signum() as f64) / variance.sqrt()
    } else {
        0.0
    };
    let p_value = statrs::distribution::Normal::new(0.0, 1.0)
        .map(|n| {
            use statrs::distribution::ContinuousCDF;
            (2.0 * (1.0 - n.cdf(z.abs()))).clamp(0.0, 1.0)
        })
        .unwrap_or(1.0);
    // A single segment gets the plain Theil–Sen intercept-free interval from the same variance.
    if segments.len() == 1 {
        let &(_, end, onset) = &segments[0];
        let fit = theil_sen_with_variance(&hours[onset..end], &floors[onset..end], variance);
        return Pooled {
            slope: fit.slope,
            low: fit.slope_low,
            high: fit.slope_high,
            p_value,
            r_squared: r_squared / weight,
        };
    }
    Pooled {
        slope,
        low: slopes[low_rank],
        high: slopes[high_rank],
        p_value,
        r_squared: r_squared / weight.max(1.0),
    }
}

fn time_to_oom(analysis: &mut Analysis, buckets: &[Bucket], hours: &[f64], limit: Option<u64>) {
    let (Some(limit), Some(line)) = (limit, analysis.trend_lines.last()) else { return };
    let slope = analysis.slope_bytes_per_hour;
    if slope <= 0.0 {
        return;
    }
    // OOM comes when the peak, not the floor, reaches the limit: add the usual floor-to-peak gap.
    let tail = buckets.len().saturating_sub(buckets.len() / 5).min(buckets.len() - 1);
    let gap = median(&buckets[tail..].iter().map(|b| b.peak - b.floor).collect::<Vec<_>>());
    let end_hours = hours[hours.len() - 1];
    let start_hours = (line.start - buckets[0].time) / HOUR;
    let current = line.start_bytes + slope * (end_hours - start_hours) + gap;
    let remaining = limit as f64 - current;
    if remaining <= 0.0 {
        analysis.time_to_oom_hours = Some(0.0);
        analysis.time_to_oom_interval = Some((0.0, Some(0.0)));
        return;
    }
    analysis.time_to_oom_hours = Some(remaining / slope);
    let (low, high) = analysis.slope_ci;
    let soonest = if high > 0.0 { remaining / high } else { remaining / slope };
    let latest = (low > 0.0).then(|| remaining / low);
    analysis.time_to_oom_interval = Some((soonest, latest));
}

fn leak_recommendation(
    analysis: &mut Analysis,
    samples: &[Sample],
    buckets: &[Bucket],
    growing: &[(usize, usize, usize)],
    options: &AnalysisOptions,
) {
    // Sizing comes from before the leak: samples before the onset, else the first tenth of the
    // first growing segment (right after a start, before much has leaked).
    let (first_start, first_end, onset) = growing[0];
    let cutoff = if onset > first_start {
        buckets[onset].time
    } else {
        let span = buckets[first_end - 1].time - buckets[first_start].time;
        buckets[first_start].time + 0.1 * span
    };
    let from = buckets[first_start].time;
    let before: Vec<f64> =
        samples.iter().filter(|s| s.time >= from && s.time <= cutoff).map(|s| s.bytes).collect();
    if let (Some(peak), false) = (before.iter().copied().reduce(f64::max), before.is_empty()) {
        let average = before.iter().sum::<f64>() / before.len() as f64;
        analysis.recommendation = recommend(peak, average, &options.policy).ok();
    }
    // Relief: what the worst-case trend reaches in 24 hours, with the usual headroom.
    let day_ahead =
        analysis.peak_bytes + analysis.slope_ci.1.max(analysis.slope_bytes_per_hour) * 24.0;
    let relief = (day_ahead * options.policy.headroom).min(9.0e18);
    analysis.relief_limit_bytes = Some(friendly_ceil(relief as u64));
}

fn find_spike(samples: &[Sample]) -> Option<Spike> {
    let values: Vec<f64> = samples.iter().map(|s| s.bytes).collect();
    let centre = median(&values);
    let spread = 1.4826 * median(&values.iter().map(|v| (v - centre).abs()).collect::<Vec<_>>());
    let threshold = centre + (6.0 * spread).max(0.15 * centre.abs());
    let window = samples[samples.len() - 1].time - samples[0].time;
    let mut best: Option<Spike> = None;
    let mut above = 0.0;
    let mut run: Option<Spike> = None;
    for pair in samples.windows(2) {
        let (sample, next) = (pair[0], pair[1]);
        if sample.bytes > threshold {
            above += next.time - sample.time;
            let current = run.get_or_insert(Spike {
                start: sample.time,
                end: sample.time,
                peak_bytes: sample.bytes,
            });
            current.end = sample.time;
            current.peak_bytes = current.peak_bytes.max(sample.bytes);
        } else if let Some(done) = run.take()
            && best.is_none_or(|b| done.peak_bytes > b.peak_bytes)
        {
            best = Some(done);
        }
    }
    if run.is_some() {
        return None; // still high at the end: not back to baseline
    }
    let tail = &values[values.len() - values.len() / 10..];
    let returned = median(tail) < threshold;
    best.filter(|_| returned && above <= 0.15 * window)
}

fn median(values: &[f64]) -> f64 {
    quantile(values, 0.5)
}

fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    let (_, value, _) = sorted.select_nth_unstable_by(index, f64::total_cmp);
    *value
}
