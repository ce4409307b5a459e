//! Every number the leak classifier and the restart detector decide by, in one place.

use crate::leak::BUCKETS;

/// The cut-offs of the leak classifier, the restart detector and the spike finder.
///
/// [`Thresholds::default`] holds the values the analysis has always used; change a field to
/// experiment, e.g. a stricter significance level:
///
/// ```
/// use oom_core::leak::{AnalysisOptions, Thresholds};
///
/// let strict = Thresholds { growth_max_p_value: 0.001, ..Thresholds::default() };
/// let options = AnalysisOptions { thresholds: strict, ..AnalysisOptions::default() };
/// assert_eq!(options.thresholds.growth_max_p_value, 0.001);
/// assert_eq!(Thresholds::default().growth_max_p_value, 0.01);
/// ```
///
/// Shares are fractions (0–1) of what the field names; counts are numbers of samples or
/// buckets; divisors `d` take the `n / d` first or last items (integer division, at least 1).
/// With the `serde` feature, fields missing from a serialized form take their default.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct Thresholds {
    // --- Summary (step 1) ---
    /// Fewest samples (count) to judge a trend at all: 12, because below about ten points the
    /// normal approximation of the Mann–Kendall test means little. Two are always required.
    pub min_samples: usize,
    /// Most buckets (count) a series is summarised into: [`BUCKETS`] (240) bounds the
    /// statistics' work (the hinge and saturation searches are quadratic in buckets) and still
    /// resolves three days to 18 minutes.
    pub max_buckets: usize,
    /// Fewest samples per bucket on average (count): 4, so that a floor is a quantile of
    /// several samples rather than one sample.
    pub min_samples_per_bucket: usize,
    /// Fewest buckets (count) when the samples allow it: 32, even if that leaves one sample per
    /// bucket. A sparse dump (a coarse Grafana export, a large `--step`) would otherwise be
    /// summarised into fewer buckets than a segment fit needs ([`Self::segment_min_buckets`]):
    /// a day of hourly samples into six, and its growth would go unseen.
    pub sparse_min_buckets: usize,
    /// Shortest window (hours) to judge or size from: 6 h. A shorter window shows neither slow
    /// growth nor the day's peak, so it is `insufficient-data` (unless OOM restarts at the limit
    /// already show what happens).
    pub min_window_hours: f64,
    /// Below this window (hours) a sizing is given with a caveat: 24 h, a day's traffic cycle.
    pub full_day_hours: f64,
    /// Quantile (share) of a bucket's samples taken as its floor: 0.1, low enough to sit under
    /// what a garbage collector frees every few minutes, above a single low outlier.
    pub floor_quantile: f64,
    /// Divisor (≥ 1) of the number of points giving the most autocorrelation lags the
    /// Hamed–Rao correction inspects: 4, Box and Jenkins' rule that sample autocorrelations
    /// beyond n/4 lags are too noisy to use.
    pub max_lag_divisor: usize,

    // --- Restarts (step 2) ---
    /// Quantile (share) of the bucket floors where the usage range that drops are measured
    /// against starts: 0.05, robust to a few outlying buckets.
    pub restart_range_low_quantile: f64,
    /// Quantile (share) of the bucket peaks where that range ends: 0.95, for the same reason.
    pub restart_range_high_quantile: f64,
    /// Smallest drop of the floor from one bucket to the next (share of the range) that can be a
    /// restart: 0.5, since an OOM kill frees most of the memory and a collection far less.
    pub restart_min_drop_share: f64,
    /// Fewest buckets (count) since the previous restart before another: 6, so that noise right
    /// after a start is not another restart.
    pub restart_min_segment_buckets: usize,
    /// Fewest hours of growth before a drop counts as a restart: 1 h, because garbage
    /// collectors drop memory every few minutes.
    pub restart_min_growth_hours: f64,
    /// After a restart the floor is back within this share of the drop above the segment's
    /// start: 0.5, so a process that starts over counts and a partial release does not.
    pub restart_return_share: f64,
    /// A drop from a sample at least this share of the limit in force, but further below the
    /// limit than an OOM kill leaves (see `restart_limit_margin_share`), is *ambiguous*: a
    /// garbage collector working near the limit or a kill; restart counts or OOM events decide.
    /// 0.9.
    pub restart_near_limit_share: f64,
    /// A drop is an OOM kill, however short the cycle (a crash loop of minutes counts), when
    /// the sample before it is within the larger of this share of the limit in force and
    /// `restart_limit_margin_steps` samples' growth of the limit: 0.02. An OOM kill happens AT
    /// the limit, so the last sample before it is at most about one sampling interval's growth
    /// below it; 2 % covers rounding and the working set's small lag behind the cgroup's usage.
    pub restart_limit_margin_share: f64,
    /// ... or within this many samples' growth (the rise per sample just before the drop) of the
    /// limit: 3, one interval's growth with room for irregular scrapes.
    pub restart_limit_margin_steps: f64,
    /// ... plus this many standard deviations of one sample around the trend (the steps' robust
    /// σ over √2): 3, as the last sample before a kill is as noisy as any, and an unsampled
    /// excursion may be what reached the limit.
    pub restart_limit_margin_sigmas: f64,
    /// An OOM kill's drop is at least this many robust standard deviations (1.4826 × MAD) of the
    /// steps between samples (leaving out steps of a restart's size): 6, so that wide noise near
    /// the limit makes no kills.
    pub restart_min_noise_multiple: f64,
    /// The floor's growth over the second half of the segment before the drop is at least this
    /// share of the drop: 0.3, so that the end of a spike's plateau is not a restart.
    pub restart_min_late_growth_share: f64,
    /// A restart's drop is at least this share of the value before it: 0.25, so a restart is
    /// judged against the level (a process starting over frees most of its memory) as well as
    /// against the noise band.
    pub restart_min_level_drop_share: f64,
    /// A drop from the limit itself (within the margin above) is an OOM kill when it is at least
    /// this share of the value before it: 0.1. A process with a large baseline that leaks up to
    /// its limit frees only what it leaked when killed, yet a drop from the limit is a kill as
    /// surely as a large one; the noise-band test still applies.
    pub restart_at_limit_min_level_drop_share: f64,
    /// Peaks at or above this share of the limit in force mean the limit is reached (and that
    /// the true peak was clipped by it): 0.95.
    pub limit_reached_share: f64,
    /// An inferred restart's floor rose less than this share of its drop over the last quarter
    /// of its segment: 0.5, as a process grows into a restart while the end of a spike falls back
    /// from a sudden rise.
    pub restart_max_sudden_rise_share: f64,
    /// A drop within this many buckets (count) of a pod change is that same restart: 2, as
    /// bucket edges and scrape times put one event up to a bucket or two apart.
    pub restart_pod_change_buckets: usize,
    /// Without a limit or restart counts, a sudden drop of at least this share of the value
    /// before it, back to the series' low (within `restart_return_share` of the drop above its
    /// `restart_range_low_quantile`), after a climb, is a process starting over when such drops
    /// repeat less than `restart_min_growth_hours` apart (a crash loop of minutes, too short
    /// for the buckets to see): 0.6. A collector keeps the live set and frees less
    /// (Go's default GOGC=100 lets the heap reach twice the live set, a drop of at most half;
    /// the JVM's young collections free less still); a new process keeps only its start-up
    /// footprint. Still inferred: a runtime that returns most of its memory looks the same.
    pub restart_start_over_min_drop_share: f64,

    // --- One segment's verdict (step 3) ---
    /// Fewest buckets (count) in a segment for the models to be fitted at all: 8, so the
    /// three-parameter models keep a few degrees of freedom for BIC to compare.
    pub segment_min_buckets: usize,
    /// The hinge's onset and the saturation's knee are searched at least this many buckets
    /// (count) from the far end of the segment: 4, so their sloped part has five or more points.
    pub breakpoint_margin: usize,
    /// A winning step model is a level shift only if it leaves less than this share of the
    /// constant model's squared error: 0.5, so a shift explains most of the variation rather
    /// than merely beating a constant.
    pub level_shift_max_residual_share: f64,
    /// Two shifts the same way (stacked deploys) are a staircase only if each of its three
    /// levels drifts (Theil–Sen slope × the level's duration) less than this share of the
    /// smaller shift: 0.5. A ramp cut into steps drifts within each step about as much as it
    /// jumps between them; a deploy's new baseline stays put.
    pub level_shift_max_drift_share: f64,
    /// Fewest buckets (count) from the onset to the segment's end for growth to count: 6.
    pub growth_min_buckets: usize,
    /// Growth lasts at least this share of the window (or of the segment, when shorter): 0.2,
    /// as a shorter rise is warm-up or a spike rather than a leak.
    pub growth_min_window_share: f64,
    /// ... and at least this many hours: 1 h, as a climb to the limit within minutes of each
    /// start is start-up (a crash loop at the limit), not a leak.
    pub growth_min_hours: f64,
    /// Mann–Kendall (Hamed–Rao) p-value under which a rise is significant: 0.01, stricter than
    /// the usual 0.05 because a false leak costs more than a late one and many containers are
    /// analysed at once.
    pub growth_max_p_value: f64,
    /// The growth (slope × duration) is at least this many robust standard deviations of the
    /// residuals around the line: 3, unlikely for noise alone.
    pub growth_min_noise_multiple: f64,
    /// ... and at least this share of the series' median floor: 0.05, so that a rise too small
    /// to matter for sizing is not reported as a leak.
    pub growth_min_relative: f64,
    /// The growth is cut into this many equal parts (≥ 1), and its last part must still grow:
    /// 3 (the last third), as growth that levels off is warm-up, not a leak.
    pub late_growth_parts: usize,
    /// The last part's Theil–Sen slope is above this share of the whole growth's slope: 0.25.
    pub late_growth_min_share: f64,
    /// Growing segments cover at least this share of the window for a leak (unless the series
    /// has a single segment): 0.5, as one grown segment among restarts that did not grow is not
    /// the OOM sawtooth.
    pub leak_min_covered_share: f64,

    // --- Seasonality (before step 3) ---
    /// Period (hours) of the daily cycle removed before the trend test: 24 h.
    pub daily_period_hours: f64,
    /// Period (hours) of the weekly cycle, also removed when the window spans
    /// `seasonal_min_cycles` weeks: 168 h.
    pub weekly_period_hours: f64,
    /// Fewest whole cycles (count, fractional) the window spans for a cycle to be fitted: 1.5,
    /// so the phase and amplitude are seen at least once plus half a cycle.
    pub seasonal_min_cycles: f64,
    /// Harmonics (count) per period in the harmonic regression: 2, enough for a daily cycle
    /// with a sharper peak than trough.
    pub seasonal_harmonics: usize,
    /// The cycle is removed only if it explains at least this share of the variance left by a
    /// line: 0.2, so noise is not "deseasonalised".
    pub seasonal_min_explained_share: f64,

    // --- Sawtooth ---
    /// A sudden drop of at least this share of the median level counts towards a sawtooth:
    /// 0.1, above normal noise and what a daily cycle does between two samples.
    pub sawtooth_min_drop_share: f64,
    /// ... and is neither reached nor undone by a jump: the one-sample rise before it and the
    /// one after are below this share of the drop: 0.5 (an outlier rises and falls at once).
    pub sawtooth_max_jump_share: f64,
    /// ... and at least this many robust standard deviations (1.4826 × MAD) of the steps
    /// between samples: 6, so wide noise makes no drops (a ramp's steps are small and steady).
    pub sawtooth_min_noise_multiple: f64,
    /// Fewest such drops (count) for a sawtooth: 3, "repeatedly".
    pub sawtooth_min_drops: usize,

    // --- Time to OOM and recommendation (step 6) ---
    /// Divisor (≥ 1) of the buckets whose last `n / d` give the usual floor-to-peak gap added to
    /// the trend: 5 (the last fifth), recent enough to reflect today's garbage collector.
    pub peak_gap_tail_parts: usize,
    /// Without an onset in the data, sizing uses this share of the first growing segment, from
    /// its start: 0.1, right after a start, before much has leaked.
    pub pre_leak_share: f64,
    /// Hours of worst-case growth the relief limit absorbs: 24 h, a day to ship a fix.
    pub relief_horizon_hours: f64,

    // --- Gaps in the samples (a note) ---
    /// A pause counts as a gap when it lasts this many typical (median) sampling intervals:
    /// 10, well past a missed scrape or two ...
    pub gap_min_intervals: f64,
    /// ... and at least this many hours: 1 h, so that a scrape of seconds missing a few minutes
    /// is not reported.
    pub gap_min_hours: f64,

    // --- A late rise (a warning, not a verdict) ---
    /// Hours at the end of the window searched for a rise towards the limit: 3 h, the latest
    /// samples — long enough for a rise of an hour or so at five-minute samples to be tested,
    /// short enough that it is what is happening now.
    pub late_rise_window_hours: f64,
    /// The rise ends above this quantile (share) of the samples before those hours: 0.99, above
    /// nearly everything seen before, which a daily cycle's rising hours or a sawtooth's climb
    /// back to its usual peak do not reach.
    pub late_rise_above_quantile: f64,
    /// ... and reaches the limit within this many hours if it continues: 24 h, a day to act;
    /// a slower rise is left to the trend test on more data.
    pub late_rise_horizon_hours: f64,

    // --- Spikes (step 5) ---
    /// A spike rises above the median by at least this many robust standard deviations
    /// (1.4826 × MAD): 6, far outside normal wander.
    pub spike_min_sigmas: f64,
    /// ... and by at least this share of the median: 0.15, so that flat series with a tiny
    /// spread do not turn every bump into a spike.
    pub spike_min_relative: f64,
    /// A spike spends at most this share of the window above its threshold: 0.15, or it is a
    /// regime rather than an excursion.
    pub spike_max_window_share: f64,
    /// Fewest consecutive samples (count) above the threshold for an excursion: 2, as one
    /// sample alone is a scrape outlier or heavy-tailed noise.
    pub spike_min_samples: usize,
    /// Divisor (≥ 1) of the samples whose last `n / d` must be back under the threshold: 10
    /// (the last tenth), the series having returned to baseline.
    pub spike_return_tail_parts: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            min_samples: 12,
            max_buckets: BUCKETS,
            min_samples_per_bucket: 4,
            sparse_min_buckets: 32,
            min_window_hours: 6.0,
            full_day_hours: 24.0,
            floor_quantile: 0.1,
            max_lag_divisor: 4,
            restart_range_low_quantile: 0.05,
            restart_range_high_quantile: 0.95,
            restart_min_drop_share: 0.5,
            restart_min_segment_buckets: 6,
            restart_min_growth_hours: 1.0,
            restart_return_share: 0.5,
            restart_near_limit_share: 0.9,
            restart_limit_margin_share: 0.02,
            restart_limit_margin_steps: 3.0,
            restart_limit_margin_sigmas: 3.0,
            restart_min_noise_multiple: 6.0,
            restart_min_late_growth_share: 0.3,
            restart_min_level_drop_share: 0.25,
            restart_at_limit_min_level_drop_share: 0.1,
            limit_reached_share: 0.95,
            restart_max_sudden_rise_share: 0.5,
            restart_pod_change_buckets: 2,
            restart_start_over_min_drop_share: 0.6,
            segment_min_buckets: 8,
            breakpoint_margin: 4,
            level_shift_max_residual_share: 0.5,
            level_shift_max_drift_share: 0.5,
            growth_min_buckets: 6,
            growth_min_window_share: 0.2,
            growth_min_hours: 1.0,
            growth_max_p_value: 0.01,
            growth_min_noise_multiple: 3.0,
            growth_min_relative: 0.05,
            late_growth_parts: 3,
            late_growth_min_share: 0.25,
            leak_min_covered_share: 0.5,
            daily_period_hours: 24.0,
            weekly_period_hours: 168.0,
            seasonal_min_cycles: 1.5,
            seasonal_harmonics: 2,
            seasonal_min_explained_share: 0.2,
            sawtooth_min_drop_share: 0.1,
            sawtooth_max_jump_share: 0.5,
            sawtooth_min_noise_multiple: 6.0,
            sawtooth_min_drops: 3,
            peak_gap_tail_parts: 5,
            pre_leak_share: 0.1,
            relief_horizon_hours: 24.0,
            gap_min_intervals: 10.0,
            gap_min_hours: 1.0,
            late_rise_window_hours: 3.0,
            late_rise_above_quantile: 0.99,
            late_rise_horizon_hours: 24.0,
            spike_min_sigmas: 6.0,
            spike_min_relative: 0.15,
            spike_max_window_share: 0.15,
            spike_min_samples: 2,
            spike_return_tail_parts: 10,
        }
    }
}

impl Thresholds {
    /// The number of autocorrelation lags the Hamed–Rao correction inspects for `points` points.
    pub(super) fn max_lag(&self, points: usize) -> usize {
        points / self.max_lag_divisor.max(1)
    }
}
