//! Leak detection on one memory series: leak, spike, step, sawtooth, steady or insufficient
//! data; growth rate with a confidence interval; when the leak started and which event it
//! follows; whether the limit is reached; time until the limit; and what to set instead.
//!
//! # Method
//!
//! 1. The samples are summarised into (at most) [`BUCKETS`] equal time buckets, keeping each
//!    bucket's *floor* (a low quantile) and peak. The floor ignores what garbage collectors
//!    release every few minutes, so a JVM sawtooth with a flat floor is flat, and a leak under
//!    GC noise still rises. This is O(n) and leaves the statistics a bounded amount of work.
//! 0. Too few samples, or a window shorter than [`Thresholds::min_window_hours`] without OOM
//!    restarts, is `insufficient-data`: no verdict on growth and no sizing.
//! 2. Restarts split the series: a drop from near the limit in force at that time (an OOM kill,
//!    however short the cycle), a new pod name, the drop at a limit change, and — only when no
//!    limit is known — a floor that drops back towards its start after an hour of growth
//!    (*inferred*). Every drop is judged against the level and the noise band. An OOM kill
//!    happens at the limit: a drop from further below it than a sample's growth (or 2 %) is
//!    ambiguous, and repeated ambiguous drops are a `sawtooth`, never a leak; a fall from samples
//!    clearly above the limit is no kill (that limit was not in force). Without a limit,
//!    repeated drops of most of the memory back to the series' low, less than an hour apart, are
//!    start-overs, one restart each (a crash loop of minutes, also in a window too short for a
//!    verdict on growth), still inferred.
//!    Without restarts, a daily (and, over two weeks, weekly) cycle is fitted jointly with a
//!    line by harmonic regression ([`crate::trend::seasonal_fit`]) and removed from the floors
//!    when it explains enough of their variance: it neither hides a leak nor fakes one, and
//!    partial cycles at the ends do not bias the slope.
//! 3. On each segment's floors six models are fitted by least squares — constant, line, step
//!    (mean shift), two steps the same way with flat levels (stacked deploys), hinge (flat,
//!    then a line from an onset) and saturation (a line that levels off) — and compared by BIC,
//!    a richer model having to win by 2 (Kass and Raftery). A leak
//!    is a line or hinge that wins, rises significantly after its onset by the Mann–Kendall test
//!    with the Hamed–Rao autocorrelation correction (p < 0.01, Bonferroni-corrected for the
//!    onsets searched), lasts an hour or more, grows by a material amount, and still grows in
//!    its last third. Between restarts, growth must hold in segments covering half the window:
//!    every one of them passes its own test, so the verdict is stricter than any single test.
//!    Less than a day that falls and then rises is the shape of a daily cycle as much as of a
//!    leak, and is not called one; one that rises by a material shift between a daily trough
//!    and crest (a shift and the cycle fit better than any growth, with the cycle or without)
//!    is a `step`, the rise around it undecided. Growth split by inferred restarts
//!    only is a `sawtooth` (GC, a cache or restarts cannot be told apart without a limit or
//!    restart counts); a material step is a `step` (two stacked ones are named both, the latest
//!    being the level shift); repeated sudden drops without growth are a
//!    `sawtooth`.
//! 4. The slope is Theil–Sen over the floors after the onset, pooled across restart segments
//!    (the median of within-segment pairwise slopes), with Sen's 95 % interval from the
//!    corrected variance.
//! 5. A spike is a short run of two samples or more (≤ 15 % of the window) far above the median
//!    (6 robust sigmas and 15 %), above the removed daily cycle, that returns to baseline.
//!    Beside any verdict but a leak, with a known limit, a rise over the last three hours that
//!    is significant, material, still rising, above nearly everything seen before and would
//!    reach the limit within a day is a warning ([`LateRise`]); the verdict stays.
//! 6. The recommendation uses [`crate::sizing`]: for a leak, from the data before the onset — a
//!    leak's peak is not a sizing target — plus a temporary relief limit that lasts about a day;
//!    otherwise the observed peak × headroom, never below the highest sample (and said to be a
//!    lower bound when peaks were clipped at the limit).
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
//! let series = Series { labels: Default::default(), samples, limits: vec![(1.7e9, 1 << 30)], pod_changes: vec![] };
//! let analysis = analyze(&series, &[], &AnalysisOptions::default());
//! assert_eq!(analysis.classification, Classification::Leak);
//! assert!((analysis.slope_bytes_per_hour / MIB - 8.0).abs() < 0.1);
//! ```
//!
//! # Layout
//!
//! - `buckets`: the bucket summary (step 1).
//! - `restarts`: where a new process starts (step 2).
//! - `sawtooth`: repeated sudden drops.
//! - `segments`: the six models and the verdict on one segment (step 3).
//! - `slope`: the pooled Theil–Sen slope and its interval (step 4).
//! - `spike`: one-time excursions (step 5).
//! - `recommendation`: sizing from before the onset, and the relief limit (step 6).
//! - `forecast`: time until the limit.
//! - `late_rise`: a rise towards the limit at the very end (a warning).
//! - `quantile`: quantiles, medians and robust spreads shared by the steps.
//! - `thresholds`: every cut-off above, named and documented in [`Thresholds`].

mod buckets;
mod cycle;
mod forecast;
mod gaps;
mod late_rise;
mod quantile;
mod recommendation;
mod restarts;
mod sawtooth;
mod segments;
mod slope;
mod spike;
mod thresholds;

pub use thresholds::Thresholds;

use buckets::summarise;
use cycle::find_cycle;
use forecast::time_to_oom;
use gaps::{Gap, find_gaps};
use late_rise::late_rise;
use quantile::median;
use recommendation::leak_recommendation;
use restarts::find_restarts;
use sawtooth::sawtooth_drops;
use segments::{Verdict, fit_segment};
use slope::pooled_slope;
use spike::{Cycle, find_spike};

use crate::metrics::{Event, KnownRestart, Sample, Series};
use crate::sizing::{Recommendation, SizingPolicy, recommend};
use crate::text::{count, noun};
use crate::trend::{SenTrend, ols, sen_trend};

/// The most buckets a series is summarised into.
pub const BUCKETS: usize = 240;
/// Seconds in an hour.
const HOUR: f64 = 3600.0;
/// Fewest samples any analysis needs: a line needs two points.
const FEWEST_SAMPLES: usize = 2;

/// Bytes in a mebibyte, for messages.
const MIB: f64 = 1_048_576.0;

/// What kind of memory behaviour a series shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum Classification {
    /// Sustained growth that does not level off (including growth ended by OOM kills or known
    /// restarts).
    Leak,
    /// A short excursion that returns to baseline.
    Spike,
    /// A one-time level shift (a deploy, a configuration change), not growth.
    Step,
    /// Rises and drops back repeatedly with no growth of the floor: garbage collection, a cache,
    /// or restarts (an OOM crash loop when the drops are at the limit).
    Sawtooth,
    /// No sustained growth: noise, wander, a daily cycle.
    Steady,
    /// Too short a window, too few samples, or a single instant: no verdict and no sizing.
    InsufficientData,
}

impl Classification {
    /// `leak`, `spike`, `step`, `sawtooth`, `steady` or `insufficient-data`.
    ///
    /// ```
    /// use oom_core::leak::Classification;
    /// assert_eq!(Classification::Leak.as_str(), "leak");
    /// assert_eq!(Classification::InsufficientData.as_str(), "insufficient-data");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Leak => "leak",
            Self::Spike => "spike",
            Self::Step => "step",
            Self::Sawtooth => "sawtooth",
            Self::Steady => "steady",
            Self::InsufficientData => "insufficient-data",
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
    /// The container's limit, bytes, when not in the series itself (it then holds throughout).
    pub limit_bytes: Option<u64>,
    /// Ratios for the recommendation.
    pub policy: SizingPolicy,
    /// How long before a leak's onset (or a level shift) an event may be to be named as its
    /// cause, in seconds.
    pub event_window_seconds: f64,
    /// The cut-offs of the classifier and the restart detector.
    pub thresholds: Thresholds,
    /// Restarts the cluster counted for this series ([`crate::metrics::known_restarts`]):
    /// `None` when unknown (restarts are then found in the samples), `Some(empty)` when a
    /// restart counter covers the window and stays flat — drops are then never restarts.
    pub known_restarts: Option<Vec<KnownRestart>>,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        Self {
            limit_bytes: None,
            policy: SizingPolicy::default(),
            event_window_seconds: 2.0 * HOUR,
            thresholds: Thresholds::default(),
            known_restarts: None,
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

/// A rise at the very end of the window towards the limit, too recent to be judged as growth:
/// a warning beside the verdict, which it does not change.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LateRise {
    /// Unix seconds where the rise starts.
    pub since: f64,
    /// Its rate (Theil–Sen), bytes per hour.
    pub slope_bytes_per_hour: f64,
    /// Where its line is at the last sample, bytes.
    pub bytes_now: f64,
    /// Hours until it reaches the limit in force at the end if it continues at that rate (0
    /// when already there).
    pub hours_to_limit: f64,
}

/// Everything found about one series.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Analysis {
    /// The verdict.
    pub classification: Classification,
    /// One sentence on the verdict: what was seen and, when it is uncertain, what would decide.
    pub message: String,
    /// Growth rate, bytes per hour (Theil–Sen on floors after the onset, the daily cycle
    /// removed; pooled across restarts).
    pub slope_bytes_per_hour: f64,
    /// 95 % interval of the growth rate, corrected for autocorrelation (Hamed–Rao).
    pub slope_ci: (f64, f64),
    /// R² of a least-squares line on the same floors.
    pub r_squared: f64,
    /// Mann–Kendall p-value (Hamed–Rao) of the growth.
    pub p_value: f64,
    /// When the leak started, if it started inside the data.
    pub leak_start: Option<f64>,
    /// The event just before the onset (or the level shift), if any.
    pub event: Option<Event>,
    /// The limit in force at the end (from the options or the series), bytes.
    pub limit_bytes: Option<u64>,
    /// The limit over time, (Unix seconds from which it holds, bytes); empty when unknown.
    pub limits: Vec<(f64, u64)>,
    /// With a known limit: whether peaks reached [`Thresholds::limit_reached_share`] of the
    /// limit in force, or OOM restarts happened. `None` without a limit.
    pub limit_reached: Option<bool>,
    /// Whether peaks were clipped at the limit (the true peak is unknown).
    pub peak_clipped: bool,
    /// Hours until the trend reaches the limit, for a leak with a known limit.
    pub time_to_oom_hours: Option<f64>,
    /// 95 % interval of that time; the upper end is `None` when it may be never.
    pub time_to_oom_interval: Option<(f64, Option<f64>)>,
    /// Restarts seen: OOM kills at the limit, new pods, limit changes, and inferred ones.
    pub restarts: usize,
    /// Of those, drops from the limit in force (OOM kills).
    pub oom_restarts: usize,
    /// Of those, inferred from the shape alone (no limit known, no pod change): they may as
    /// well be garbage collection or a cache.
    pub inferred_restarts: usize,
    /// Their times, Unix seconds.
    pub restart_times: Vec<f64>,
    /// Mean hours between restarts, when there were two or more (one event gives no period).
    pub restart_period_hours: Option<f64>,
    /// Sudden repeated drops seen (a sawtooth), when not already restarts.
    pub sawtooth_drops: usize,
    /// Peak-to-trough bytes of the daily/weekly cycle removed before the trend test, if any.
    pub seasonal_cycle_bytes: Option<f64>,
    /// Highest sample, bytes.
    pub peak_bytes: f64,
    /// Mean of the samples, bytes.
    pub average_bytes: f64,
    /// Request, limit, `-Xmx`, alert — from pre-leak data for a leak; `None` for
    /// insufficient data.
    pub recommendation: Option<Recommendation>,
    /// For a leak: a limit that buys about a day, until the code is fixed.
    pub relief_limit_bytes: Option<u64>,
    /// A level shift (time), which is not a leak: the latest when there were two.
    pub level_shift: Option<f64>,
    /// The excursion, for a spike.
    pub spike: Option<Spike>,
    /// With a known limit and a verdict other than a leak: the latest samples rising towards
    /// the limit, beyond what the window saw before ([`Thresholds::late_rise_window_hours`]).
    pub late_rise: Option<LateRise>,
    /// The fitted growth line(s), one per segment, for plots.
    pub trend_lines: Vec<TrendLine>,
    /// The bucket summary, for plots.
    pub buckets: Vec<Bucket>,
    /// Remarks on the data (too short, clipped peaks, a removed cycle, ...).
    pub notes: Vec<String>,
}

/// `95 min`, `6 h`, `3.0 days`: durations in messages.
fn duration_text(hours: f64) -> String {
    if hours < 2.0 {
        format!("{:.0} min", hours * 60.0)
    } else if hours < 48.0 {
        format!("{hours:.0} h")
    } else {
        format!("{:.1} days", hours / 24.0)
    }
}

/// What to export so that a sawtooth can be told apart from restarts.
const WHAT_DECIDES: &str = "a limit (container_spec_memory_limit_bytes), restart counts \
     (kube_pod_container_status_restarts_total) or pod status (last state OOMKilled) would decide";

/// What to export so that drops near a limit can be told apart from OOM kills.
const WHAT_DECIDES_KILLS: &str = "restart counts (kube_pod_container_status_restarts_total) or \
     OOM events (container_oom_events_total, last state OOMKilled) would decide";

/// Drops from near the limit but short of it (neither surely OOM kills nor surely not) that make
/// a pattern: 2, more than once.
const AMBIGUOUS_MIN_DROPS: usize = 2;

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
/// let series = Series { labels: Default::default(), samples, limits: vec![(start, 1 << 30)], pod_changes: vec![] };
/// let deploy = Event { time: start + 23.9 * 3600.0, label: "deploy 3e4f891".into() };
/// let analysis = analyze(&series, &[deploy], &AnalysisOptions::default());
///
/// assert_eq!(analysis.classification, Classification::Leak);
/// assert!((analysis.slope_bytes_per_hour / MIB - 10.0).abs() < 0.5);
/// assert_eq!(analysis.event.map(|e| e.label).as_deref(), Some("deploy 3e4f891"));
/// assert!(analysis.time_to_oom_hours.is_some_and(|h| h > 0.0));
/// assert_eq!(analysis.limit_reached, Some(false));
/// ```
pub fn analyze(series: &Series, events: &[Event], options: &AnalysisOptions) -> Analysis {
    let samples = &series.samples;
    let t = &options.thresholds;
    let limits: Vec<(f64, u64)> = match options.limit_bytes {
        Some(limit) => vec![(samples.first().map_or(0.0, |s| s.time), limit)],
        None => series.limits.clone(),
    };
    let limit_at = |time: f64| crate::metrics::limit_at(&limits, time);
    let limit_bytes = limits.last().map(|&(_, bytes)| bytes);
    let peak_bytes = samples.iter().map(|s| s.bytes).fold(0.0, f64::max);
    let average_bytes = if samples.is_empty() {
        0.0
    } else {
        samples.iter().map(|s| s.bytes).sum::<f64>() / samples.len() as f64
    };
    let window_hours = match (samples.first(), samples.last()) {
        (Some(first), Some(last)) => (last.time - first.time) / HOUR,
        _ => 0.0,
    };
    // The highest share of the limit in force that any sample reached.
    let peak_share = samples
        .iter()
        .filter_map(|s| limit_at(s.time).filter(|&l| l > 0).map(|l| s.bytes / l as f64))
        .fold(None, |best: Option<f64>, share| Some(best.map_or(share, |b| b.max(share))));
    let mut analysis = Analysis {
        classification: Classification::InsufficientData,
        message: String::new(),
        slope_bytes_per_hour: 0.0,
        slope_ci: (0.0, 0.0),
        r_squared: 0.0,
        p_value: 1.0,
        leak_start: None,
        event: None,
        limit_bytes,
        limits: limits.clone(),
        limit_reached: peak_share.map(|share| share >= t.limit_reached_share),
        peak_clipped: peak_share.is_some_and(|share| share >= t.limit_reached_share),
        time_to_oom_hours: None,
        time_to_oom_interval: None,
        restarts: 0,
        oom_restarts: 0,
        inferred_restarts: 0,
        restart_times: Vec::new(),
        restart_period_hours: None,
        sawtooth_drops: 0,
        seasonal_cycle_bytes: None,
        peak_bytes,
        average_bytes,
        recommendation: None,
        relief_limit_bytes: None,
        level_shift: None,
        spike: None,
        late_rise: None,
        trend_lines: Vec::new(),
        buckets: Vec::new(),
        notes: Vec::new(),
    };
    if let Some(given) = options.limit_bytes
        && series.limits.iter().any(|&(_, bytes)| bytes != given)
    {
        let exported: Vec<String> = series
            .limits
            .iter()
            .map(|&(_, bytes)| format!("{:.0} MiB", bytes as f64 / MIB))
            .collect();
        analysis.notes.push(format!(
            "the limit given ({:.0} MiB) replaces the limit in the data ({}) throughout",
            given as f64 / MIB,
            exported.join(", then ")
        ));
    }
    // A working set above the limit in force cannot be: the limit is not the one the container
    // ran under (changed, pod-level, or joined from another series).
    let above: Vec<f64> = samples
        .iter()
        .filter_map(|s| {
            let limit = limit_at(s.time)? as f64;
            (limit > 0.0 && s.bytes > limit * (1.0 + ABOVE_LIMIT_TOLERANCE))
                .then(|| s.bytes / limit)
        })
        .collect();
    let gaps = find_gaps(samples, t);
    if let Some(longest) = gaps.iter().max_by(|a, b| a.seconds().total_cmp(&b.seconds())) {
        let origin = samples[0].time;
        let more = if gaps.len() > 1 {
            let total: f64 = gaps.iter().map(Gap::seconds).sum();
            format!(
                " — the longest of {} ({} in all)",
                count(gaps.len(), "gap", "gaps"),
                duration_text(total / HOUR)
            )
        } else {
            String::new()
        };
        analysis.notes.push(format!(
            "no samples for {}, from {} to {} into the window{more}: what the container did \
             then is unknown, and a change in it shows only at the first sample after it",
            duration_text(longest.seconds() / HOUR),
            duration_text((longest.from - origin) / HOUR),
            duration_text((longest.to - origin) / HOUR),
        ));
    }
    if let Some(highest) = above.iter().copied().reduce(f64::max) {
        // Nothing was clipped by a limit the container did not have.
        analysis.peak_clipped = false;
        analysis.notes.push(format!(
            "{} {} above the limit in force (up to {:.0} % of it): a container cannot use \
             more than its limit, so that limit is not the one it ran under — a changed limit, a \
             pod-level limit or a series joined to the wrong container; check it before sizing",
            count(above.len(), "sample", "samples"),
            noun(above.len(), "is", "are"),
            highest * 100.0
        ));
    }
    let fewest = t.min_samples.max(FEWEST_SAMPLES);
    if samples.len() < fewest {
        analysis.message = match samples.len() {
            0 => "no samples".to_owned(),
            1 => format!(
                "one sample (a Prometheus instant vector?): a verdict and a sizing need a range \
                 of samples over {} h or more (query_range, not query)",
                t.min_window_hours
            ),
            n => format!(
                "only {n} samples: at least {fewest} over {} h or more are needed",
                t.min_window_hours
            ),
        };
        return analysis;
    }
    let hours_of = |buckets: &[Bucket]| -> Vec<f64> {
        buckets.iter().map(|b| (b.time - buckets[0].time) / HOUR).collect()
    };
    let mut buckets = summarise(samples, t);
    let mut hours = hours_of(&buckets);
    let mut found =
        find_restarts(samples, &buckets, &hours, &series.pod_changes, &limits, &limit_at, options);
    // Restarts closer together than a segment fit needs (a leak killed every few hours over
    // weeks): summarise again, finer, so each segment between them can be judged on its own.
    if let Some(count) = finer_bucket_count(&found, buckets.len(), samples.len(), t) {
        let finer = Thresholds { max_buckets: count, ..t.clone() };
        buckets = summarise(samples, &finer);
        hours = hours_of(&buckets);
        found = find_restarts(
            samples,
            &buckets,
            &hours,
            &series.pod_changes,
            &limits,
            &limit_at,
            options,
        );
    }
    let times: Vec<f64> = buckets.iter().map(|b| b.time).collect();
    let origin = buckets[0].time;
    let raw_floors: Vec<f64> = buckets.iter().map(|b| b.floor).collect();
    let boundaries = found.boundaries.clone();
    analysis.restarts = found.times.len();
    analysis.oom_restarts = found.oom;
    analysis.inferred_restarts = found.inferred;
    analysis.restart_times = found.times.clone();
    if found.times.len() >= 2 {
        let span = found.times[found.times.len() - 1] - found.times[0];
        analysis.restart_period_hours = Some(span / HOUR / (found.times.len() - 1) as f64);
    }
    if found.oom > 0 && !limits.is_empty() {
        analysis.limit_reached = Some(true);
    }
    if let Some(counted) = found.known {
        analysis.notes.push(if counted == 0 {
            "the restart count stayed flat over the window: no drop is a restart".to_owned()
        } else {
            format!(
                "restarts as the cluster counted them (restart count, OOM events, last state): \
                 {counted}, of which {}; drops it did not count are not restarts",
                count(found.oom, "OOM kill", "OOM kills")
            )
        });
    }
    // A day of samples a minute apart spans a minute less than a day: count the last interval.
    let interval = window_hours / (samples.len() - 1).max(1) as f64;
    // OOM kills, or a crash loop's start-overs, already show what happens in a short window.
    if window_hours + interval < t.min_window_hours && found.oom == 0 && found.start_overs == 0 {
        analysis.message = format!(
            "only {} of data: at least {} h are needed to judge growth or to size (a day or more \
             shows the daily peak)",
            duration_text(window_hours),
            t.min_window_hours
        );
        analysis.buckets = buckets;
        return analysis;
    }

    // Without restarts, remove a daily (and weekly) cycle fitted jointly with the trend.
    let mut floors = raw_floors.clone();
    let mut cycle: Option<Vec<f64>> = None;
    if boundaries.is_empty()
        && let Some((fit, weekly)) = find_cycle(&hours, &floors, window_hours, t)
    {
        for (floor, seasonal) in floors.iter_mut().zip(&fit.component) {
            *floor -= seasonal;
        }
        let high = fit.component.iter().copied().fold(f64::MIN, f64::max);
        let low = fit.component.iter().copied().fold(f64::MAX, f64::min);
        analysis.seasonal_cycle_bytes = Some(high - low);
        cycle = Some(fit.component.clone());
        analysis.notes.push(format!(
            "a {} cycle of {:.0} MiB peak to trough was removed before the trend test",
            if weekly { "daily and weekly" } else { "daily" },
            (high - low) / MIB
        ));
    }

    // Fit each segment between restarts.
    let mut starts = vec![0];
    starts.extend(&boundaries);
    let mut ends: Vec<usize> = boundaries.clone();
    ends.push(buckets.len());
    let fit_window = hours[hours.len() - 1].max(f64::EPSILON);
    let level = median(&raw_floors);
    let mut growing = Vec::new();
    // The level shifts of the first segment that has any: (time, size), in time order.
    let mut shifts: Vec<(f64, f64)> = Vec::new();
    for (&start, &end) in starts.iter().zip(&ends) {
        let fit = fit_segment(&hours[start..end], &floors[start..end], fit_window, level, t);
        match fit {
            Verdict::Growth { onset } => growing.push((start, end, start + onset)),
            Verdict::Shift(found) if shifts.is_empty() => {
                shifts = found.iter().map(|&(at, size)| (buckets[start + at].time, size)).collect();
            }
            Verdict::Shift(_) => {}
            Verdict::Flat => {}
        }
    }

    // A leak needs growth in most of the time covered (a single grown segment among restarts
    // that did not grow is not the OOM sawtooth), and restarts that are known to be restarts.
    let growing_hours: f64 = growing.iter().map(|&(s, e, _)| hours[e - 1] - hours[s]).sum();
    let covered = growing_hours >= t.leak_min_covered_share * fit_window
        || (growing.len() == 1 && starts.len() == 1);
    let bucket_width = (buckets[buckets.len() - 1].time - origin) / buckets.len() as f64;
    // Repeated drops from near the limit but not at it are a collector or kills: the series
    // alone cannot tell, and a leak must not be read into them.
    let ambiguous = found.oom == 0 && found.ambiguous >= AMBIGUOUS_MIN_DROPS;
    // Less than a day that rises by a material shift between what the daily cycle does is a
    // level shift: the growth the segment fit saw is the shift and the cycle together.
    if window_hours + interval < t.full_day_hours
        && boundaries.is_empty()
        && !growing.is_empty()
        && found.inferred == 0
        && !ambiguous
        && let Some((at, size)) = cycle::shift_under_daily_cycle(&hours, &floors, level, t)
    {
        growing.clear();
        shifts = vec![(buckets[at].time, size)];
        analysis.notes.push(
            "the rise around the level shift is what a daily cycle does as well as growth: less \
             than a day cannot tell them apart — a day and a half or more of data would decide"
                .to_owned(),
        );
    }
    // Less than a day that rises the way a daily cycle would — any rise shorter than half a
    // day (a daily cycle rises that long), or a longer one the cycle fits as well as growth —
    // cannot be told from the cycle by the series alone: no verdict on growth and no sizing.
    let cycle_like = window_hours + interval < t.full_day_hours
        && boundaries.is_empty()
        && growing.first().is_some_and(|&(_, end, onset)| {
            // A daily swing seldom more than doubles memory: growth beyond that is no cycle.
            let plausible = floors[end - 1] <= MAX_DAILY_SWING * floors[onset].max(0.0);
            plausible
                && (hours[end - 1] - hours[onset] < t.daily_period_hours / 2.0
                    || cycle::daily_cycle_explains(&hours, &floors, t))
        });
    if cycle_like && covered && found.inferred == 0 && !ambiguous {
        let (_, end, onset) = growing[0];
        let rate = (floors[end - 1] - floors[onset]) / (hours[end - 1] - hours[onset]).max(1e-9);
        analysis.classification = Classification::InsufficientData;
        analysis.slope_bytes_per_hour = rate;
        analysis.message = format!(
            "rises {:+.1} MiB/h over {}, which a daily cycle does as well as a leak (a daily \
             cycle rises for up to half a day): less than a day cannot tell them apart — a day \
             and a half or more of data would decide",
            rate / MIB,
            duration_text(hours[end - 1] - hours[onset])
        );
        analysis.buckets = buckets;
        return analysis;
    }
    if !growing.is_empty() && covered && found.inferred == 0 && !ambiguous {
        let pooled = pooled_slope(&hours, &floors, &growing, t);
        analysis.classification = Classification::Leak;
        analysis.slope_bytes_per_hour = pooled.slope;
        analysis.slope_ci = (pooled.low, pooled.high);
        analysis.p_value = pooled.p_value;
        analysis.r_squared = pooled.r_squared;
        let (first_start, _, first_onset) = growing[0];
        if first_onset > first_start {
            let onset = buckets[first_onset].time;
            analysis.leak_start = Some(onset);
            analysis.event = event_before(events, onset, bucket_width, options);
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
        let counted = found.known.unwrap_or(0);
        analysis.message = if found.oom > 0 {
            format!(
                "grows between restarts and was OOM-killed{} {}",
                if found.known.is_some() { "" } else { " at the limit" },
                count(found.oom, "time", "times")
            )
        } else if counted > 0 {
            format!(
                "grows between restarts; restarted {} (counted by the cluster, no OOM kill \
                 reported)",
                count(counted, "time", "times")
            )
        } else {
            "sustained growth that does not level off".to_owned()
        };
        time_to_oom(&mut analysis, &buckets, &hours, limit_bytes, t);
        leak_recommendation(&mut analysis, samples, &buckets, &growing, options);
    } else {
        // Still report the (insignificant) overall slope, for the record.
        let SenTrend { test, fit } = sen_trend(&hours, &floors, t.max_lag(hours.len()));
        analysis.slope_bytes_per_hour = fit.slope;
        analysis.slope_ci = (fit.slope_low, fit.slope_high);
        analysis.p_value = test.p_value;
        analysis.r_squared = ols(&hours, &floors).r_squared;
        let material_shifts: Vec<(f64, f64)> = shifts
            .iter()
            .copied()
            .filter(|(_, size)| size.abs() >= t.growth_min_relative * level.abs().max(f64::EPSILON))
            .collect();
        // The latest material shift is the level now; the first found when none is material.
        analysis.level_shift = material_shifts.last().or(shifts.first()).map(|&(at, _)| at);
        let drops = sawtooth_drops(
            samples,
            median(&samples.iter().map(|s| s.bytes).collect::<Vec<_>>()),
            t,
        );
        // The drops that are already restarts are counted there, not twice.
        analysis.sawtooth_drops =
            drops.iter().filter(|&&at| !near_any(&found.times, at, bucket_width)).count();
        let cycle_restarts = found.oom + found.inferred + found.known.unwrap_or(0);
        let drop_period = (drops.len() >= 2)
            .then(|| (drops[drops.len() - 1] - drops[0]) / HOUR / (drops.len() - 1) as f64);
        if cycle_restarts >= 2 || (found.inferred >= 1 && !growing.is_empty()) {
            analysis.classification = Classification::Sawtooth;
            let every = analysis
                .restart_period_hours
                .map(|p| format!(" every ≈ {}", duration_text(p)))
                .unwrap_or_default();
            analysis.message = if found.oom > 0 && found.known.is_some() {
                format!(
                    "OOM-killed {}{every} with no growth between starts: the limit is too low \
                     for what the container needs, not a leak",
                    count(found.oom, "time", "times")
                )
            } else if found.oom > 0 {
                // Inferred from the shape alone: a burst that falls back from the limit looks
                // like a kill, and only the cluster's count can confirm it.
                format!(
                    "drops from the limit {}{every}, as OOM kills do, with no growth between \
                     starts: the limit is too low for what the container needs, not a leak — \
                     inferred from the shape; a restart count \
                     (kube_pod_container_status_restarts_total) or the pod's last state would \
                     confirm the kills",
                    count(found.oom, "time", "times")
                )
            } else if found.known.is_some() {
                format!(
                    "restarted {}{every} (counted by the cluster, no OOM kill reported) with \
                     no growth between starts: not a leak; the container's logs and last state \
                     tell why",
                    count(cycle_restarts, "time", "times")
                )
            } else if found.start_overs > 0 {
                let (from, to) = drop_levels(samples, &found.times);
                format!(
                    "drops from ≈ {:.0} MiB to ≈ {:.0} MiB{every} ({} restarts inferred): each \
                     drop frees most of the memory, as a process starting over does — this looks \
                     like a crash loop (OOM kills at a limit not in the data, or crashes), yet \
                     without a limit a runtime returning most of its memory looks the same — \
                     {WHAT_DECIDES}",
                    from / MIB,
                    to / MIB,
                    found.inferred
                )
            } else {
                format!(
                    "rises and drops back{every} ({}) with no growth of the floor: garbage \
                     collection, a cache or restarts; without a limit these cannot be told \
                     apart — {WHAT_DECIDES}",
                    count(found.inferred, "drop", "drops")
                )
            };
        } else if found.known == Some(0) && drops.len() >= t.sawtooth_min_drops {
            analysis.classification = Classification::Sawtooth;
            let every =
                drop_period.map(|p| format!(" every ≈ {}", duration_text(p))).unwrap_or_default();
            analysis.message = format!(
                "rises and drops back{every} ({}) while the restart count stays flat: \
                 garbage collection or a cache freeing memory, not restarts or OOM kills",
                count(drops.len(), "drop", "drops")
            );
        } else if ambiguous {
            analysis.classification = Classification::Sawtooth;
            let every =
                drop_period.map(|p| format!(" every ≈ {}", duration_text(p))).unwrap_or_default();
            analysis.message = format!(
                "rises and drops back{every} ({}) from {:.0} % of the limit, short of it: \
                 garbage collection near the limit or OOM kills, not a leak — {WHAT_DECIDES_KILLS}",
                count(found.ambiguous.max(drops.len()), "drop", "drops"),
                peak_share.unwrap_or(0.0) * 100.0
            );
        } else if let Some(&(at, size)) = material_shifts.last() {
            analysis.classification = Classification::Step;
            analysis.event = event_before(events, at, bucket_width, options);
            let after = |event: &Option<Event>| {
                event.as_ref().map(|e| format!(" after {}", e.label)).unwrap_or_default()
            };
            analysis.message = match material_shifts[..] {
                [(first_at, first_size), _] => format!(
                    "two level shifts, not growth: {:+.0} MiB{} {} into the window, then \
                     {:+.0} MiB{} {} later",
                    first_size / MIB,
                    after(&event_before(events, first_at, bucket_width, options)),
                    duration_text((first_at - samples[0].time) / HOUR),
                    size / MIB,
                    after(&analysis.event),
                    duration_text((at - first_at) / HOUR)
                ),
                _ => format!(
                    "a one-time level shift of {:+.0} MiB{}, not growth",
                    size / MIB,
                    after(&analysis.event)
                ),
            };
            // A shift first seen right after a gap happened somewhere in it.
            if let Some(gap) = gaps.iter().find(|g| g.from < at && at - g.to <= bucket_width) {
                analysis.message.push_str(&format!(
                    " — it happened during the {} without samples, between {} and {} into the \
                     window",
                    duration_text(gap.seconds() / HOUR),
                    duration_text((gap.from - samples[0].time) / HOUR),
                    duration_text((gap.to - samples[0].time) / HOUR)
                ));
            }
        } else if let Some(spike) = find_spike(
            samples,
            cycle.as_deref().map(|values| Cycle { times: &times, values }).as_ref(),
            t,
        ) {
            analysis.classification = Classification::Spike;
            analysis.spike = Some(spike);
            analysis.message = "a short excursion, then back to baseline".to_owned();
        } else if drops.len() >= t.sawtooth_min_drops {
            analysis.classification = Classification::Sawtooth;
            let every =
                drop_period.map(|p| format!(" every ≈ {}", duration_text(p))).unwrap_or_default();
            analysis.message = match peak_share {
                Some(share) if share < t.restart_near_limit_share => format!(
                    "rises and drops back{every} ({}) with no growth of the floor, peaking \
                     at {:.0} % of the limit: garbage collection or a cache, not OOM kills",
                    count(drops.len(), "drop", "drops"),
                    share * 100.0
                ),
                Some(_) => format!(
                    "rises and drops back{every} ({}) near the limit with no growth of the \
                     floor: garbage collection or OOM kills — {WHAT_DECIDES_KILLS}",
                    count(drops.len(), "drop", "drops")
                ),
                None => format!(
                    "rises and drops back{every} ({}) with no growth of the floor: garbage \
                     collection, a cache or restarts — {WHAT_DECIDES}",
                    count(drops.len(), "drop", "drops")
                ),
            };
        } else {
            analysis.classification = Classification::Steady;
            // A significant rise that is not a leak levelled off or is too small to matter:
            // say so rather than "no growth" beside a slope that is plainly there.
            let rose =
                analysis.p_value < t.growth_max_p_value && analysis.slope_bytes_per_hour > 0.0;
            analysis.message = match (rose, window_hours + interval < t.full_day_hours) {
                (true, true) => "a rise that levels off or is too small to size for, not \
                                 sustained growth; less than a day cannot rule out a daily cycle \
                                 — a day and a half or more of data would decide"
                    .to_owned(),
                (true, false) => "a rise that levels off or is too small to size for (warm-up, \
                                  a cache filling), not sustained growth"
                    .to_owned(),
                (false, _) => "no sustained growth".to_owned(),
            };
        }
        analysis.recommendation = recommend(peak_bytes, average_bytes, &options.policy).ok();
    }
    if analysis.peak_clipped && analysis.classification != Classification::Leak {
        analysis.notes.push(if found.oom > 0 {
            "peaks reached the limit: OOM kills clipped them, so the true peak is unknown and the \
             recommended limit is a lower bound"
                .to_owned()
        } else {
            "peaks came within a few percent of the limit: if memory was killed or held back \
             there, the true peak is unknown and the recommended limit is a lower bound"
                .to_owned()
        });
    }
    // A leak has its own time to the limit; anything else may still be climbing at the end.
    if analysis.classification != Classification::Leak
        && let Some(limit) = limit_bytes.filter(|&l| l > 0)
    {
        analysis.late_rise = late_rise(samples, limit, t);
    }
    if found.start_overs > 0 && found.oom == 0 {
        analysis.notes.push(
            "if the drops are OOM kills, they clipped the peaks: the true peak is unknown and the \
             recommended limit is a lower bound"
                .to_owned(),
        );
    }
    if window_hours + interval < t.full_day_hours {
        analysis.notes.push(format!(
            "only {} of data, less than a day: the daily peak may be missing, so the sizing is \
             provisional",
            duration_text(window_hours)
        ));
    }
    analysis.buckets = buckets;
    analysis
}

/// The most a daily cycle is taken to multiply memory by from trough to crest: 2. A rise
/// beyond that within a day is growth, however short the window.
const MAX_DAILY_SWING: f64 = 2.0;

/// How far above the limit (share of it) a sample may read before it is impossible: 1 %, for
/// the working set's accounting and scrape timing around a limit change.
const ABOVE_LIMIT_TOLERANCE: f64 = 0.01;

/// Most times the bucket count may grow when restarts are close together: 8, which keeps the
/// statistics' work bounded (at most 8 × [`BUCKETS`] buckets, each segment fitted on its own).
const MAX_FINER_FACTOR: usize = 8;

/// A larger bucket count when two or more restarts that are not inferred (OOM kills, pod
/// changes, counted restarts) leave segments shorter than [`Thresholds::segment_min_buckets`]
/// on average: enough for twice that per segment, within [`MAX_FINER_FACTOR`] and
/// [`Thresholds::min_samples_per_bucket`].
fn finer_bucket_count(
    found: &restarts::Restarts,
    buckets: usize,
    samples: usize,
    t: &Thresholds,
) -> Option<usize> {
    let segments = found.boundaries.len() + 1;
    if found.times.len() - found.inferred < 2 || buckets / segments >= t.segment_min_buckets {
        return None;
    }
    let wanted = 2 * t.segment_min_buckets * segments;
    let most = (buckets * MAX_FINER_FACTOR).min(samples / t.min_samples_per_bucket.max(1));
    let count = wanted.min(most);
    (count > buckets).then_some(count)
}

/// Whether `at` is within `reach` of one of `times` (sorted).
fn near_any(times: &[f64], at: f64, reach: f64) -> bool {
    let i = times.partition_point(|&t| t < at);
    let after = times.get(i).is_some_and(|&t| t - at <= reach);
    let before = i > 0 && at - times[i - 1] <= reach;
    after || before
}

/// The median level before and after the drops at `times` (the samples they fall between),
/// bytes: where a crash loop's starts peak and where they start from.
fn drop_levels(samples: &[Sample], times: &[f64]) -> (f64, f64) {
    let pairs: Vec<(f64, f64)> = times
        .iter()
        .map(|&time| samples.partition_point(|s| s.time < time))
        .filter(|&i| i > 0 && i < samples.len())
        .map(|i| (samples[i - 1].bytes, samples[i].bytes))
        .collect();
    let from: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    let to: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    (median(&from), median(&to))
}

/// The latest event from `event_window_seconds` before `at` up to one bucket after it.
fn event_before(
    events: &[Event],
    at: f64,
    bucket_width: f64,
    options: &AnalysisOptions,
) -> Option<Event> {
    events
        .iter()
        .filter(|e| e.time <= at + bucket_width && e.time >= at - options.event_window_seconds)
        .max_by(|a, b| a.time.total_cmp(&b.time))
        .cloned()
}
