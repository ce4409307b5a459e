//! `traffic-spike`: a short excursion from a stable baseline preceded the kill (the series is
//! classified a spike by `oom_core::leak`, and the spike reaches the limit or ends near the
//! kill).
//!
//! Bad: sizing for the baseline and being killed at every burst.
//! Good: a limit for the peak under maximum load (peak × 1.25) and horizontal scaling.

use oom_core::leak::Classification;

use super::join::Case;
use super::{Cause, Confidence, Evidence, Finding, Fix, PEAK_HEADROOM, friendly};

/// A spike ending this close to the kill (seconds) is the kill's cause.
const SPIKE_KILL_WINDOW_SECONDS: f64 = 600.0;
/// A spike peak at this share of the limit or above reached it (samples are sparser than the
/// kill).
const SPIKE_AT_LIMIT_SHARE: f64 = 0.9;

pub fn check(case: &Case<'_>) -> Option<Finding> {
    let usage = case.usage.as_ref()?;
    let a = &usage.analysis;
    if a.classification != Classification::Spike {
        return None;
    }
    let spike = a.spike?;
    let limit = a.limit_bytes.map(|l| l as f64);
    let near_kill = case.kill_time().is_some_and(|kill| {
        kill >= spike.start - SPIKE_KILL_WINDOW_SECONDS
            && kill <= spike.end + SPIKE_KILL_WINDOW_SECONDS
    });
    let at_limit = limit.is_some_and(|l| spike.peak_bytes >= SPIKE_AT_LIMIT_SHARE * l);
    if !near_kill && !at_limit {
        return None;
    }
    let confidence = if near_kill { Confidence::High } else { Confidence::Medium };
    let evidence = vec![Evidence::series(
        usage,
        format!(
            "spike to {} from {} to {} over a baseline of {}",
            super::human(spike.peak_bytes),
            super::when(spike.start),
            super::when(spike.end),
            super::human(a.average_bytes)
        ),
    )];
    // A peak cut short by the kill was at least the limit.
    let peak =
        limit.map_or(spike.peak_bytes, |l| spike.peak_bytes.max(if at_limit { l } else { 0.0 }));
    let new_limit = friendly(peak, PEAK_HEADROOM);
    let request = friendly(a.average_bytes, 1.0);
    let name = &case.container.name;
    Some(Finding {
        cause: Cause::TrafficSpike,
        confidence,
        why: format!("a spike to {} before the kill", super::human(spike.peak_bytes)),
        evidence,
        fix: Fix {
            summary: format!(
                "`{name}` was killed by a burst: {} over a {} baseline. Size the limit for the peak under maximum load ({new_limit} = peak × 1.25) and scale out before it.",
                super::human(spike.peak_bytes),
                super::human(a.average_bytes)
            ),
            request: Some(request),
            limit: Some(new_limit),
            steps: vec![
                "Scale horizontally on load (a HorizontalPodAutoscaler on requests per second or memory) so one pod never takes the whole burst.".to_owned(),
                "Bound the burst in the code: request size limits, queue lengths, concurrency limits.".to_owned(),
            ],
            ..Fix::default()
        },
    })
}
