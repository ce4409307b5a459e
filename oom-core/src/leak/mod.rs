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
//!
//! # Layout
//!
//! - `buckets`: the bucket summary (step 1).
//! - `restarts`: where a new process starts (step 2).
//! - `segments`: the five models and the verdict on one segment (step 3).
//! - `slope`: the pooled Theil–Sen slope and its interval (step 4).
//! - `spike`: one-time excursions (step 5).
//! - `recommendation`: sizing from before the onset, and the relief limit (step 6).
//! - `forecast`: time until the limit.
//! - `quantile`: quantiles, medians and robust spreads shared by the steps.
//! - `thresholds`: every cut-off above, named and documented in [`Thresholds`].

mod buckets;
mod forecast;
mod quantile;
mod recommendation;
mod restarts;
mod segments;
mod slope;
mod spike;
mod thresholds;

pub use thresholds::Thresholds;

use buckets::summarise;
use forecast::time_to_oom;
use quantile::median;
use recommendation::leak_recommendation;
use restarts::restarts;
use segments::{Verdict, fit_segment};
use slope::pooled_slope;
use spike::find_spike;

use crate::metrics::{Event, Series};
use crate::sizing::{Recommendation, SizingPolicy, recommend};
use crate::trend::{mann_kendall_hamed_rao, ols, theil_sen_with_variance};

/// The most buckets a series is summarised into.
pub const BUCKETS: usize = 240;
/// Seconds in an hour.
const HOUR: f64 = 3600.0;
/// Fewest samples any analysis needs: a line needs two points.
const FEWEST_SAMPLES: usize = 2;

/// What kind of memory behaviour a series shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
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
    ///
    /// ```
    /// assert_eq!(oom_core::leak::Classification::Leak.as_str(), "leak");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Leak => "leak",
            Self::Spike => "spike",
            Self::Steady => "steady",
        }
    }
}

/// Settings of an analysis.
///
/// With the `serde` feature, fields missing from a serialized form take their default.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct AnalysisOptions {
    /// The container's limit, when not in the series itself.
    pub limit_bytes: Option<u64>,
    /// Ratios for the recommendation.
    pub policy: SizingPolicy,
    /// How long before a leak's onset an event may be to be named as its cause, in seconds.
    pub event_window_seconds: f64,
    /// The cut-offs of the classifier and the restart detector.
    pub thresholds: Thresholds,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        Self {
            limit_bytes: None,
            policy: SizingPolicy::default(),
            event_window_seconds: 2.0 * HOUR,
            thresholds: Thresholds::default(),
        }
    }
}

/// One bucket of the summary.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
///
/// ```
/// use oom_core::leak::{AnalysisOptions, Classification, analyze};
/// use oom_core::metrics::{Event, Sample, Series};
///
/// const MIB: f64 = 1048576.0;
/// // Two days a minute apart: flat at 300 MiB, then 10 MiB an hour after a deploy at hour 24.
/// let start = 1.7e9;
/// let samples = (0..2880)
///     .map(|i| {
///         let hours = i as f64 / 60.0;
///         let wobble = if i % 2 == 0 { 2.0 * MIB } else { -2.0 * MIB };
///         let bytes = 300.0 * MIB + wobble + 10.0 * MIB * (hours - 24.0).max(0.0);
///         Sample { time: start + 60.0 * i as f64, bytes }
///     })
///     .collect();
/// let series = Series { labels: Default::default(), samples, limit_bytes: Some(1 << 30), pod_changes: vec![] };
/// let deploy = Event { time: start + 23.9 * 3600.0, label: "deploy 3e4f891".into() };
/// let analysis = analyze(&series, &[deploy], &AnalysisOptions::default());
///
/// assert_eq!(analysis.classification, Classification::Leak);
/// assert!((analysis.slope_bytes_per_hour / MIB - 10.0).abs() < 0.5);
/// assert_eq!(analysis.event.map(|e| e.label).as_deref(), Some("deploy 3e4f891"));
/// assert!(analysis.time_to_oom_hours.is_some_and(|h| h > 0.0));
/// ```
pub fn analyze(series: &Series, events: &[Event], options: &AnalysisOptions) -> Analysis {
    let samples = &series.samples;
    let thresholds = &options.thresholds;
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
    if samples.len() < thresholds.min_samples.max(FEWEST_SAMPLES) {
        analysis.notes.push(format!("only {} samples: too few to judge a trend", samples.len()));
        return analysis;
    }
    let buckets = summarise(samples, thresholds);
    let origin = buckets[0].time;
    let hours: Vec<f64> = buckets.iter().map(|b| (b.time - origin) / HOUR).collect();
    let floors: Vec<f64> = buckets.iter().map(|b| b.floor).collect();
    let boundaries = restarts(&buckets, &hours, &series.pod_changes, limit_bytes, thresholds);
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
        let fit =
            fit_segment(&hours[start..end], &floors[start..end], window_hours, level, thresholds);
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
    let covered = growing_hours >= thresholds.leak_min_covered_share * window_hours
        || (growing.len() == 1 && starts.len() == 1);
    if !growing.is_empty() && covered {
        let pooled = pooled_slope(&hours, &floors, &growing, thresholds);
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
        time_to_oom(&mut analysis, &buckets, &hours, limit_bytes, thresholds);
        leak_recommendation(&mut analysis, samples, &buckets, &growing, options);
    } else {
        analysis.level_shift = first_shift;
        if let Some(spike) = find_spike(samples, thresholds) {
            analysis.classification = Classification::Spike;
            analysis.spike = Some(spike);
        }
        // Still report the (insignificant) overall slope, for the record.
        let test = mann_kendall_hamed_rao(&hours, &floors, thresholds.max_lag(hours.len()));
        let fit = theil_sen_with_variance(&hours, &floors, test.variance);
        analysis.slope_bytes_per_hour = fit.slope;
        analysis.slope_ci = (fit.slope_low, fit.slope_high);
        analysis.p_value = test.p_value;
        analysis.r_squared = ols(&hours, &floors).r_squared;
    }
    analysis.buckets = buckets;
    analysis
}
