//! A fleet scan's report: one summary row per container, ranked by what to act on first —
//! leaks by time to OOM, then limits reached, then oversized limits by the memory they waste,
//! then the rest. One emitter per format ([`human`], [`json`]), both over the same [`Fleet`].

pub mod human;
pub mod json;

use oom_core::leak::Classification;
use oom_core::quantity::format_bytes;

use super::analyze::SeriesResult;
use crate::finding::InputError;

/// A limit is oversized when it is more than this many times the recommended limit: the
/// threshold of the `memory-limit-oversized` rule, so a scan and `check --metrics` agree.
pub const OVERSIZED_FACTOR: u64 = 3;

/// Rows the human table shows by default (`--top`): a fleet of thousands is read from its top,
/// where what to act on is ranked, and a screenful of rows keeps the summary in sight. The
/// JSON report always has every row.
pub const DEFAULT_TOP_ROWS: usize = 50;

/// What a container's row is ranked as, in the order the table shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    /// Memory grows: it will be OOM-killed (time to OOM when the limit is known).
    Leak,
    /// The usage reached the limit (OOM kills, or clipped at the limit).
    LimitReached,
    /// The limit is more than [`OVERSIZED_FACTOR`] × the recommended limit.
    Oversized,
    /// Everything else.
    Other,
}

impl Rank {
    /// `leak`, `limit-reached`, `oversized`, `other`: the JSON ids.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Leak => "leak",
            Self::LimitReached => "limit-reached",
            Self::Oversized => "oversized",
            Self::Other => "other",
        }
    }
}

/// One container's summary: all a scan keeps of its samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub classification: Classification,
    pub samples: usize,
    pub peak_bytes: f64,
    pub average_bytes: f64,
    pub slope_bytes_per_hour: f64,
    pub limit_bytes: Option<u64>,
    pub limit_reached: Option<bool>,
    pub time_to_oom_hours: Option<f64>,
    pub time_to_oom_interval: Option<(f64, Option<f64>)>,
    pub restarts: usize,
    pub oom_restarts: usize,
    /// The recommended request and limit (bytes, and as quantities).
    pub recommended_request_bytes: Option<u64>,
    pub recommended_limit_bytes: Option<u64>,
    pub recommended_limit: Option<String>,
    /// For a leak, a limit that lasts about a day (none when the limit in force does).
    pub relief_limit_bytes: Option<u64>,
}

impl Row {
    /// The summary of one analysed series.
    pub fn of(result: &SeriesResult) -> Self {
        let label = |key: &str| result.series.labels.get(key).cloned().unwrap_or_default();
        let a = &result.analysis;
        Self {
            namespace: label("namespace"),
            pod: label("pod"),
            container: label("container"),
            classification: a.classification,
            samples: result.series.samples.len(),
            peak_bytes: a.peak_bytes,
            average_bytes: a.average_bytes,
            slope_bytes_per_hour: a.slope_bytes_per_hour,
            limit_bytes: a.limit_bytes,
            limit_reached: a.limit_reached,
            time_to_oom_hours: a.time_to_oom_hours,
            time_to_oom_interval: a.time_to_oom_interval,
            restarts: a.restarts,
            oom_restarts: a.oom_restarts,
            recommended_request_bytes: a.recommendation.as_ref().map(|r| r.request_bytes),
            // A leak's pre-leak sizing is for after the fix; what to set now is the relief limit,
            // or the limit in force when that already lasts the day.
            recommended_limit_bytes: if a.classification == Classification::Leak {
                a.relief_limit_bytes.or(a.limit_bytes)
            } else {
                a.recommendation.as_ref().map(|r| r.limit_bytes)
            },
            recommended_limit: if a.classification == Classification::Leak {
                match (a.relief_limit_bytes, a.limit_bytes) {
                    (Some(relief), _) => Some(format!("{} now (relief)", format_bytes(relief))),
                    (None, Some(_)) => Some("keep the limit until the fix".to_owned()),
                    (None, None) => a.recommendation.as_ref().map(|r| r.limit.clone()),
                }
            } else {
                a.recommendation.as_ref().map(|r| r.limit.clone())
            },
            relief_limit_bytes: a.relief_limit_bytes,
        }
    }

    /// `namespace/pod/container`.
    pub fn name(&self) -> String {
        format!("{}/{}/{}", self.namespace, self.pod, self.container)
    }

    /// The limit minus the recommended limit, when the limit is larger.
    pub fn wasted_bytes(&self) -> Option<u64> {
        let (limit, recommended) = (self.limit_bytes?, self.recommended_limit_bytes?);
        limit.checked_sub(recommended).filter(|&w| w > 0)
    }

    pub fn rank(&self) -> Rank {
        if self.classification == Classification::Leak {
            Rank::Leak
        } else if self.limit_reached == Some(true) || self.oom_restarts > 0 {
            Rank::LimitReached
        } else if let (Some(limit), Some(recommended)) =
            (self.limit_bytes, self.recommended_limit_bytes)
            && limit > recommended.saturating_mul(OVERSIZED_FACTOR)
        {
            Rank::Oversized
        } else {
            Rank::Other
        }
    }
}

/// Sorts rows into the order to act on: by [`Rank`]; leaks by time to OOM (soonest first,
/// unknown last, then the steepest), limits reached by OOM kills, oversized limits by the
/// memory they waste (most first), and by name within a tie.
pub fn rank(rows: &mut [Row]) {
    rows.sort_by(|a, b| {
        let by_rank = a.rank().cmp(&b.rank());
        let within = match a.rank() {
            Rank::Leak => {
                let soon = |r: &Row| r.time_to_oom_hours.map_or(f64::INFINITY, |h| h.max(0.0));
                soon(a)
                    .total_cmp(&soon(b))
                    .then(b.slope_bytes_per_hour.total_cmp(&a.slope_bytes_per_hour))
            }
            Rank::LimitReached => b.oom_restarts.cmp(&a.oom_restarts),
            Rank::Oversized => b.wasted_bytes().cmp(&a.wasted_bytes()),
            Rank::Other => std::cmp::Ordering::Equal,
        };
        by_rank.then(within).then_with(|| {
            (&a.namespace, &a.pod, &a.container).cmp(&(&b.namespace, &b.pod, &b.container))
        })
    });
}

/// A whole scan: where from, what was found, what failed.
#[derive(Debug)]
pub struct Fleet {
    pub source: String,
    /// The window, RFC 3339.
    pub start: String,
    pub end: String,
    /// Containers the listing found.
    pub listed: usize,
    /// Ranked rows (see [`rank`]).
    pub rows: Vec<Row>,
    /// Batches that failed, dump problems, and the server's warnings.
    pub errors: Vec<InputError>,
    /// Seconds spent: listing, fetching (summed over threads), analysing (summed), wall.
    pub seconds: Seconds,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Seconds {
    pub listing: f64,
    pub fetch: f64,
    pub analysis: f64,
    pub wall: f64,
}

impl Fleet {
    pub fn count(&self, rank: Rank) -> usize {
        self.rows.iter().filter(|r| r.rank() == rank).count()
    }

    /// Memory the oversized limits waste, summed.
    pub fn wasted_bytes(&self) -> u64 {
        self.rows.iter().filter(|r| r.rank() == Rank::Oversized).filter_map(Row::wasted_bytes).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(container: &str, classification: Classification) -> Row {
        Row {
            namespace: "shop".into(),
            pod: format!("{container}-1"),
            container: container.into(),
            classification,
            samples: 100,
            peak_bytes: 100e6,
            average_bytes: 90e6,
            slope_bytes_per_hour: 0.0,
            limit_bytes: Some(512 << 20),
            limit_reached: Some(false),
            time_to_oom_hours: None,
            time_to_oom_interval: None,
            restarts: 0,
            oom_restarts: 0,
            recommended_request_bytes: Some(128 << 20),
            recommended_limit_bytes: Some(256 << 20),
            recommended_limit: Some("256Mi".into()),
            relief_limit_bytes: None,
        }
    }

    #[test]
    fn leaks_by_time_to_oom_then_limits_reached_then_waste() {
        let mut slow = row("slow", Classification::Leak);
        slow.time_to_oom_hours = Some(90.0);
        let mut fast = row("fast", Classification::Leak);
        fast.time_to_oom_hours = Some(3.0);
        let unknown = row("unknown", Classification::Leak);
        let mut reached = row("reached", Classification::Sawtooth);
        reached.limit_reached = Some(true);
        let mut big = row("big", Classification::Steady);
        big.limit_bytes = Some(8 << 30);
        let mut bigger = row("bigger", Classification::Steady);
        bigger.limit_bytes = Some(16 << 30);
        let fine = row("fine", Classification::Steady);
        let mut rows = vec![fine, big, reached, unknown, slow, bigger, fast];
        rank(&mut rows);
        let order: Vec<&str> = rows.iter().map(|r| r.container.as_str()).collect();
        assert_eq!(order, ["fast", "slow", "unknown", "reached", "bigger", "big", "fine"]);
        assert_eq!(rows[4].wasted_bytes(), Some((16 << 30) - (256 << 20)));
        assert_eq!(rows[6].rank(), Rank::Other, "2× the recommendation is not oversized");
    }
}
