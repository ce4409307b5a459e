//! Memory sizing: request, limit, JVM max heap and alert threshold from observed usage.
//!
//! The rules, in the order they are applied:
//!
//! 1. **request** = steady-state average × 1.0 — what the scheduler should reserve.
//! 2. **limit** = peak × headroom (default 1.25, accepted 1.0–2.0) — room above the worst
//!    observed moment for what the observation window did not catch.
//! 3. Both are rounded **up** to a *friendly* value: a number of the form `m × 2^k` bytes with
//!    `m` in 8..=15. Consecutive friendly values are at most 1/8 apart, so rounding adds at most
//!    12.5 %, and every friendly value at or above 1Mi is a whole number of KiB, usually of MiB
//!    (`288Mi`, `320Mi`, ..., `512Mi`, `576Mi`, ...). Example: peak 400Mi → 500Mi → **512Mi**;
//!    average 256Mi → **256Mi**.
//! 4. The request never exceeds the limit.
//! 5. **JVM max heap** = limit × heap ratio (default 0.75), rounded down to whole MiB, because
//!    metaspace, code cache, thread stacks, direct buffers and GC structures live outside the
//!    heap and are charged to the same cgroup.
//! 6. **alert threshold** = limit × alert ratio (default 0.80), with a PromQL expression.
//!
//! ```
//! use oom_core::sizing::{SizingPolicy, recommend};
//!
//! const MIB: f64 = 1024.0 * 1024.0;
//! let rec = recommend(400.0 * MIB, 256.0 * MIB, &SizingPolicy::default())?;
//! assert_eq!(rec.request, "256Mi");
//! assert_eq!(rec.limit, "512Mi");
//! assert_eq!(rec.jvm_heap.flag, "-Xmx384m");
//! assert_eq!(rec.alert.threshold_bytes, 429_496_729); // ≈ 409.6Mi
//! # Ok::<(), oom_core::sizing::SizingError>(())
//! ```

use crate::quantity::format_bytes;

const MIB: u64 = 1 << 20;

/// The ratios that turn observations into a recommendation.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct SizingPolicy {
    /// Limit = peak × headroom. Accepted range 1.0–2.0; default 1.25.
    pub headroom: f64,
    /// JVM max heap = limit × heap ratio. Accepted range (0, 1); default 0.75.
    pub heap_ratio: f64,
    /// Alert when usage exceeds limit × alert ratio. Accepted range (0, 1]; default 0.80.
    pub alert_ratio: f64,
}

impl SizingPolicy {
    /// The default headroom above the observed peak.
    pub const DEFAULT_HEADROOM: f64 = 1.25;
    /// The default share of the limit given to the JVM heap.
    pub const DEFAULT_HEAP_RATIO: f64 = 0.75;
    /// The default share of the limit at which to alert.
    pub const DEFAULT_ALERT_RATIO: f64 = 0.80;

    /// Checks every ratio against its accepted range.
    ///
    /// ```
    /// use oom_core::sizing::SizingPolicy;
    ///
    /// assert!(SizingPolicy::default().validate().is_ok());
    /// let greedy = SizingPolicy { headroom: 3.0, ..SizingPolicy::default() };
    /// assert!(greedy.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), SizingError> {
        check_ratio("headroom", self.headroom, 1.0..=2.0, "1.0 to 2.0")?;
        check_ratio("heap ratio", self.heap_ratio, f64::MIN_POSITIVE..=1.0, "above 0 and below 1")?;
        if self.heap_ratio >= 1.0 {
            return Err(SizingError::RatioOutOfRange {
                name: "heap ratio",
                value: self.heap_ratio,
                accepted: "above 0 and below 1",
            });
        }
        check_ratio("alert ratio", self.alert_ratio, f64::MIN_POSITIVE..=1.0, "above 0 up to 1")
    }
}

impl Default for SizingPolicy {
    fn default() -> Self {
        Self {
            headroom: Self::DEFAULT_HEADROOM,
            heap_ratio: Self::DEFAULT_HEAP_RATIO,
            alert_ratio: Self::DEFAULT_ALERT_RATIO,
        }
    }
}

fn check_ratio(
    name: &'static str,
    value: f64,
    range: std::ops::RangeInclusive<f64>,
    accepted: &'static str,
) -> Result<(), SizingError> {
    if range.contains(&value) {
        Ok(())
    } else {
        Err(SizingError::RatioOutOfRange { name, value, accepted })
    }
}

/// Why a recommendation could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SizingError {
    /// A usage figure is NaN or infinite.
    #[error("the {name} is not a finite number ({value})")]
    NotFinite {
        /// Which figure: `peak` or `average`.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// A usage figure is zero or negative.
    #[error("the {name} must be above zero, got {value} bytes")]
    NotPositive {
        /// Which figure: `peak` or `average`.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// The average is above the peak, which no series can produce.
    #[error(
        "the average ({average} bytes) is above the peak ({peak} bytes): the peak is the highest \
         value observed, so it cannot be lower than the average"
    )]
    AverageAbovePeak {
        /// The average given.
        average: f64,
        /// The peak given.
        peak: f64,
    },
    /// A figure is too large for a Kubernetes quantity once headroom is added.
    #[error("the {name} ({value:.0} bytes) is too large to size")]
    TooLarge {
        /// Which figure.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// A ratio outside its accepted range.
    #[error("the {name} {value} is out of range: accepted {accepted}")]
    RatioOutOfRange {
        /// Which ratio: `headroom`, `heap ratio` or `alert ratio`.
        name: &'static str,
        /// The value given.
        value: f64,
        /// The accepted range, in words.
        accepted: &'static str,
    },
}

/// A JVM maximum heap derived from a container memory limit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct JvmHeap {
    /// The max heap in bytes, a whole number of MiB.
    pub max_heap_bytes: u64,
    /// The flag to pass, e.g. `-Xmx384m`.
    pub flag: String,
}

/// An alert threshold derived from a container memory limit.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Alert {
    /// Usage in bytes above which to alert (limit × ratio, rounded down).
    pub threshold_bytes: u64,
    /// The ratio of the limit.
    pub ratio: f64,
    /// A Prometheus alert expression for the ratio (containers without a limit are left out).
    pub promql: String,
}

/// Requests, limit, heap and alert for one container.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Recommendation {
    /// Memory request in bytes.
    pub request_bytes: u64,
    /// Memory limit in bytes.
    pub limit_bytes: u64,
    /// The request as a Kubernetes quantity (`256Mi`).
    pub request: String,
    /// The limit as a Kubernetes quantity (`512Mi`).
    pub limit: String,
    /// JVM max heap for the limit.
    pub jvm_heap: JvmHeap,
    /// Alert threshold for the limit.
    pub alert: Alert,
}

/// Computes a recommendation from the observed peak and steady-state average, in bytes.
///
/// ```
/// use oom_core::sizing::{SizingPolicy, recommend};
///
/// const MIB: f64 = 1024.0 * 1024.0;
/// let rec = recommend(400.0 * MIB, 256.0 * MIB, &SizingPolicy::default())?;
/// assert_eq!((rec.request_bytes, rec.limit_bytes), (256 << 20, 512 << 20));
///
/// assert!(recommend(100.0, 200.0, &SizingPolicy::default()).is_err()); // average above peak
/// assert!(recommend(f64::NAN, 1.0, &SizingPolicy::default()).is_err());
/// # Ok::<(), oom_core::sizing::SizingError>(())
/// ```
pub fn recommend(
    peak_bytes: f64,
    average_bytes: f64,
    policy: &SizingPolicy,
) -> Result<Recommendation, SizingError> {
    policy.validate()?;
    check_usage("peak", peak_bytes)?;
    check_usage("average", average_bytes)?;
    if average_bytes > peak_bytes {
        return Err(SizingError::AverageAbovePeak { average: average_bytes, peak: peak_bytes });
    }
    let limit_bytes = friendly_ceil_f64("peak", peak_bytes * policy.headroom, peak_bytes)?;
    let request_bytes =
        friendly_ceil_f64("average", average_bytes, average_bytes)?.min(limit_bytes);
    Ok(Recommendation {
        request_bytes,
        limit_bytes,
        request: format_bytes(request_bytes),
        limit: format_bytes(limit_bytes),
        jvm_heap: jvm_heap_for_limit(limit_bytes, policy.heap_ratio),
        alert: alert_for_limit(limit_bytes, policy.alert_ratio),
    })
}

fn check_usage(name: &'static str, value: f64) -> Result<(), SizingError> {
    if !value.is_finite() {
        Err(SizingError::NotFinite { name, value })
    } else if value <= 0.0 {
        Err(SizingError::NotPositive { name, value })
    } else {
        Ok(())
    }
}

fn friendly_ceil_f64(name: &'static str, bytes: f64, given: f64) -> Result<u64, SizingError> {
    // 2^63 leaves room for the friendly rounding to stay inside u64.
    if bytes >= 9.223_372_036_854_776e18 {
        return Err(SizingError::TooLarge { name, value: given });
    }
    let whole = bytes.ceil() as u64;
    Ok(friendly_ceil(whole))
}

/// Rounds a byte count up to the next *friendly* value `m × 2^k` with `m` in 8..=15.
///
/// The result is at most 12.5 % above the input and always a valid, short quantity.
///
/// ```
/// use oom_core::sizing::friendly_ceil;
///
/// assert_eq!(friendly_ceil(500 << 20), 512 << 20);
/// assert_eq!(friendly_ceil(256 << 20), 256 << 20);
/// assert_eq!(friendly_ceil(300 << 20), 320 << 20);
/// assert_eq!(friendly_ceil(5), 5);
/// ```
pub fn friendly_ceil(bytes: u64) -> u64 {
    if bytes <= 16 {
        return bytes;
    }
    // Step = 2^(bit length − 4): the values with the same top bit are 8..=15 steps.
    let bit_length = 64 - bytes.leading_zeros();
    let step = 1u64 << (bit_length - 4);
    bytes.div_ceil(step).saturating_mul(step)
}

/// The JVM max heap for a container limit: limit × ratio, rounded down to whole MiB.
///
/// ```
/// use oom_core::sizing::jvm_heap_for_limit;
///
/// assert_eq!(jvm_heap_for_limit(512 << 20, 0.75).flag, "-Xmx384m");
/// assert_eq!(jvm_heap_for_limit(1 << 30, 0.75).flag, "-Xmx768m");
/// assert_eq!(jvm_heap_for_limit(4 << 30, 0.75).flag, "-Xmx3g");
/// ```
pub fn jvm_heap_for_limit(limit_bytes: u64, heap_ratio: f64) -> JvmHeap {
    let raw = (limit_bytes as f64 * heap_ratio.clamp(0.0, 1.0)).floor() as u64;
    let mebibytes = raw / MIB;
    // Below a MiB the heap is written in KiB or bytes: rounding up to `-Xmx1m` would put the
    // heap above the limit.
    let (max_heap_bytes, flag) = if mebibytes == 0 && raw >= 1024 {
        (raw / 1024 * 1024, format!("-Xmx{}k", raw / 1024))
    } else if mebibytes == 0 {
        (raw, format!("-Xmx{raw}"))
    } else if mebibytes.is_multiple_of(1024) {
        (mebibytes * MIB, format!("-Xmx{}g", mebibytes / 1024))
    } else {
        (mebibytes * MIB, format!("-Xmx{mebibytes}m"))
    };
    JvmHeap { max_heap_bytes, flag }
}

/// The smallest limit, in whole MiB, under which a heap of `heap_bytes` stays within
/// `heap_ratio` of it: the inverse of [`jvm_heap_for_limit`].
///
/// Used to phrase fixes such as "or raise the limit to 1200Mi".
///
/// ```
/// use oom_core::sizing::limit_for_heap;
///
/// assert_eq!(limit_for_heap(384 << 20, 0.75), 512 << 20);
/// assert_eq!(limit_for_heap(900 << 20, 0.75), 1200 << 20);
/// ```
pub fn limit_for_heap(heap_bytes: u64, heap_ratio: f64) -> u64 {
    let needed = (heap_bytes as f64 / heap_ratio).ceil();
    if needed >= 9.223_372_036_854_776e18 {
        return u64::MAX;
    }
    (needed as u64).div_ceil(MIB).saturating_mul(MIB)
}

/// The alert threshold and PromQL expression for a container limit.
///
/// ```
/// use oom_core::sizing::alert_for_limit;
///
/// let alert = alert_for_limit(512 << 20, 0.8);
/// assert_eq!(alert.threshold_bytes, 429_496_729);
/// assert!(alert.promql.ends_with("> 0.80"));
/// ```
pub fn alert_for_limit(limit_bytes: u64, alert_ratio: f64) -> Alert {
    let threshold_bytes = (limit_bytes as f64 * alert_ratio).floor() as u64;
    let promql = format!(
        "container_memory_working_set_bytes{{container!=\"\"}} / \
         (container_spec_memory_limit_bytes{{container!=\"\"}} > 0) > {}",
        format_ratio(alert_ratio)
    );
    Alert { threshold_bytes, ratio: alert_ratio, promql }
}

/// Two decimals at least (`0.80`), more when the ratio needs them (`0.825`).
fn format_ratio(ratio: f64) -> String {
    let short = format!("{ratio:.2}");
    if short.parse::<f64>().is_ok_and(|parsed| parsed == ratio) { short } else { ratio.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MIB_F: f64 = MIB as f64;

    fn rec(peak_mib: f64, average_mib: f64) -> Recommendation {
        match recommend(peak_mib * MIB_F, average_mib * MIB_F, &SizingPolicy::default()) {
            Ok(rec) => rec,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn the_issue_example() {
        let r = rec(400.0, 256.0);
        assert_eq!(r.request, "256Mi");
        assert_eq!(r.limit, "512Mi");
        assert_eq!(r.jvm_heap.flag, "-Xmx384m");
        assert_eq!(r.jvm_heap.max_heap_bytes, 384 << 20);
        assert_eq!(r.alert.threshold_bytes, 429_496_729);
        assert_eq!(
            r.alert.promql,
            "container_memory_working_set_bytes{container!=\"\"} / \
             (container_spec_memory_limit_bytes{container!=\"\"} > 0) > 0.80"
        );
    }

    #[test]
    fn friendly_values() {
        let mib = |n: u64| n << 20;
        assert_eq!(friendly_ceil(mib(257)), mib(288));
        assert_eq!(friendly_ceil(mib(300)), mib(320));
        assert_eq!(friendly_ceil(mib(1000)), mib(1024));
        assert_eq!(friendly_ceil(mib(1025)), mib(1152));
        assert_eq!(friendly_ceil(0), 0);
        assert_eq!(friendly_ceil(17), 18);
        assert_eq!(friendly_ceil(u64::MAX), u64::MAX);
    }

    #[test]
    fn request_is_capped_at_limit() {
        // Average equal to peak with headroom 1.0: both round to the same friendly value.
        let policy = SizingPolicy { headroom: 1.0, ..SizingPolicy::default() };
        let r = recommend(300.0 * MIB_F, 300.0 * MIB_F, &policy);
        assert!(r.is_ok_and(|r| r.request_bytes == r.limit_bytes));
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let p = SizingPolicy::default();
        assert!(matches!(recommend(f64::NAN, 1.0, &p), Err(SizingError::NotFinite { .. })));
        assert!(matches!(recommend(1.0, f64::INFINITY, &p), Err(SizingError::NotFinite { .. })));
        assert!(matches!(recommend(0.0, 0.0, &p), Err(SizingError::NotPositive { .. })));
        assert!(matches!(recommend(-5.0, 1.0, &p), Err(SizingError::NotPositive { .. })));
        assert!(matches!(recommend(10.0, 0.0, &p), Err(SizingError::NotPositive { .. })));
        assert!(matches!(recommend(10.0, 20.0, &p), Err(SizingError::AverageAbovePeak { .. })));
        assert!(matches!(recommend(1e30, 1.0, &p), Err(SizingError::TooLarge { .. })));
        for policy in [
            SizingPolicy { headroom: 0.9, ..p },
            SizingPolicy { headroom: 2.1, ..p },
            SizingPolicy { headroom: f64::NAN, ..p },
            SizingPolicy { heap_ratio: 0.0, ..p },
            SizingPolicy { heap_ratio: 1.0, ..p },
            SizingPolicy { alert_ratio: 1.5, ..p },
            SizingPolicy { alert_ratio: -0.1, ..p },
        ] {
            assert!(
                matches!(recommend(10.0, 5.0, &policy), Err(SizingError::RatioOutOfRange { .. })),
                "{policy:?}"
            );
        }
    }

    #[test]
    fn configurable_ratios() {
        let policy = SizingPolicy { headroom: 1.5, heap_ratio: 0.5, alert_ratio: 0.9 };
        let r = recommend(400.0 * MIB_F, 100.0 * MIB_F, &policy);
        assert!(r.is_ok_and(|r| r.limit == "640Mi"
            && r.jvm_heap.flag == "-Xmx320m"
            && r.alert.promql.ends_with("> 0.90")));
        assert!(alert_for_limit(1 << 30, 0.825).promql.ends_with("> 0.825"));
    }

    #[test]
    fn heap_helpers() {
        assert_eq!(jvm_heap_for_limit(1280, 0.75).flag, "-Xmx960");
        assert_eq!(jvm_heap_for_limit(1 << 20, 0.75).flag, "-Xmx768k");
        assert_eq!(jvm_heap_for_limit(8 << 30, 0.75).flag, "-Xmx6g");
        assert_eq!(limit_for_heap(768 << 20, 0.75), 1 << 30);
    }

    proptest! {
        #[test]
        fn friendly_adds_at_most_an_eighth(bytes in 1u64..(1 << 62)) {
            let rounded = friendly_ceil(bytes);
            prop_assert!(rounded >= bytes);
            prop_assert!((rounded - bytes) as f64 <= bytes as f64 / 8.0);
            prop_assert_eq!(friendly_ceil(rounded), rounded);
        }

        #[test]
        fn recommendation_is_ordered(peak in 1.0f64..1e15, share in 0.0001f64..=1.0, headroom in 1.0f64..=2.0) {
            let policy = SizingPolicy { headroom, ..SizingPolicy::default() };
            let r = recommend(peak, peak * share, &policy);
            prop_assert!(r.is_ok());
            if let Ok(r) = r {
                prop_assert!(r.request_bytes <= r.limit_bytes);
                prop_assert!(r.limit_bytes as f64 >= peak * headroom);
                prop_assert!(r.alert.threshold_bytes <= r.limit_bytes);
                prop_assert!(r.jvm_heap.max_heap_bytes <= r.limit_bytes);
            }
        }
    }
}
